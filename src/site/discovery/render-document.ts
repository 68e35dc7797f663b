// Renders a GLUE document as written to files, stdout and AMS: JSON (indented) or LDIF.
import { renderLdif, type GlueDocument } from '../../formats/glue/index.js';

/** The text formats of a discovery document. */
export type DocumentFormat = 'json' | 'ldif';

/** The document as text in `format`. */
export function renderDocument(document: GlueDocument, format: DocumentFormat): string {
  return format === 'ldif' ? renderLdif(document) : JSON.stringify(document, null, 2) + '\n';
}
