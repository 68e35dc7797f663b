// How client commands print what they found: a table for people, JSON or YAML for programs, or
// only the first row's key value (`first`, fedcloudclient's `select` for scripts).
import { stringify } from 'yaml';
import { ConfigError } from '../errors.js';
import { renderTable } from '../text-table.js';

/** `--output`. */
export type OutputFormat = 'table' | 'json' | 'yaml' | 'first';

export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'json', 'yaml', 'first'];

/** A listing: its rows as objects, and how the table shows them. */
export interface Listing<T> {
  readonly items: readonly T[];
  readonly columns: readonly { readonly header: string; readonly cell: (item: T) => string }[];
  /** What `first` prints of the first item (its id or name). */
  readonly key: (item: T) => string;
  /** Besides the items in JSON and YAML (e.g. per-site errors). */
  readonly extra?: Readonly<Record<string, unknown>>;
  /** The JSON/YAML name of the items; default `items`. */
  readonly name?: string;
}

/** Checks `--output`. */
export function outputFormat(value: string | undefined): OutputFormat {
  const v = value ?? 'table';
  if (!(OUTPUT_FORMATS as readonly string[]).includes(v))
    throw new ConfigError(`expected one of ${OUTPUT_FORMATS.join(', ')}; found ${JSON.stringify(v)}`, {
      path: '--output',
    });
  return v as OutputFormat;
}

/** The text of `listing` in `format`. */
export function renderListing<T>(listing: Listing<T>, format: OutputFormat): string {
  const data = { [listing.name ?? 'items']: listing.items, ...listing.extra };
  switch (format) {
    case 'json':
      return JSON.stringify(data, null, 2) + '\n';
    case 'yaml':
      return stringify(data);
    case 'first':
      return listing.items.length > 0 ? `${listing.key(listing.items[0]!)}\n` : '';
    case 'table':
      return renderTable(
        listing.columns.map((c) => c.header),
        listing.items.map((item) => listing.columns.map((c) => c.cell(item))),
      );
  }
}
