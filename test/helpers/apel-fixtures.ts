// Reads the APEL golden files of test/fixtures/apel.
import { readFileSync } from 'node:fs';
import path from 'node:path';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/apel');

/** The text of one APEL fixture file, exactly as stored. */
export function readApelFixture(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}
