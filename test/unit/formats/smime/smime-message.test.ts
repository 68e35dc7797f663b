// Unit tests of S/MIME reading: multipart boundaries, line endings, the signed bytes kept, and errors naming the source.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../../src/errors.js';
import { parseSmime, SMIME_INVALID } from '../../../../src/formats/smime/index.js';
import { thrownBy } from '../../../helpers/expect-rejection.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../../fixtures/smime');
const LIST01 = readFileSync(path.join(FIXTURES, 'cloudkeeper-imagelist01.signed'));

describe('parseSmime', () => {
  it('keeps the exact signed part of imagelist01, without the line break that belongs to the boundary', () => {
    const message = parseSmime(LIST01, 'imagelist01');
    const text = Buffer.from(message.signedBytes).toString('latin1');
    expect(message.kind).toBe('detached');
    expect(message.micalg).toBe('sha-256');
    expect(text.startsWith('{\r\n   "hv:imagelist"')).toBe(true);
    expect(text.endsWith('}\r\n}\r\n')).toBe(true);
    expect(message.text).toBe(text);
  });

  it('reads the same document from a string and from bytes', () => {
    const fromText = parseSmime(LIST01.toString('utf8'), 'imagelist01');
    expect(fromText.signedBytes).toEqual(parseSmime(LIST01, 'imagelist01').signedBytes);
  });

  it('reads an unquoted boundary and a folded Content-Type header', () => {
    const text = LIST01.toString('latin1').replace(
      /Content-Type: multipart\/signed;[^\n]*\n/,
      'Content-Type: multipart/signed;\n protocol="application/x-pkcs7-signature";\n\tboundary=----850D25FC9222C232CA0732AE1E19BF67\n',
    );
    expect(parseSmime(Buffer.from(text, 'latin1'), 'folded').signedData.signerInfos).toHaveLength(1);
  });

  it('names the source and Content-Type when the document has no boundary', () => {
    const text = LIST01.toString('latin1').replace(/; boundary="[^"]*"/, '');
    const error = thrownBy(() => parseSmime(text, 'https://vmcaster.example.org/image.list'), FormatError);
    expect(error.code).toBe(SMIME_INVALID);
    expect(error.file).toBe('https://vmcaster.example.org/image.list');
    expect(error.field).toBe('Content-Type');
  });

  it('names the multipart when the closing boundary is missing', () => {
    const text = LIST01.toString('latin1').replace(/--\r?\n*$/, '\n');
    expect(thrownBy(() => parseSmime(text, 'cut.list'), FormatError).field).toBe('multipart/signed');
  });

  it('refuses a document that is neither multipart/signed nor pkcs7-mime', () => {
    const error = thrownBy(() => parseSmime('Content-Type: text/plain\r\n\r\nhello', 'plain'), FormatError);
    expect(error.found).toBe('text/plain');
  });

  it('refuses a signature part that is not base64', () => {
    const text = LIST01.toString('latin1').replace('MIIGBAYJ', 'MI*GBAYJ');
    expect(thrownBy(() => parseSmime(text, 'bad64'), FormatError).field).toBe('signature part');
  });
});
