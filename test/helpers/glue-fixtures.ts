// Loads the discovery fixtures (test/fixtures/discovery) shared by the GLUE codec and information-system tests.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { SiteSnapshot } from '../../src/formats/glue/index.js';

const DIR = path.resolve(import.meta.dirname, '../fixtures/discovery');

/** Text of a fixture file under test/fixtures/discovery. */
export function fixtureText(name: string): string {
  return readFileSync(path.join(DIR, name), 'utf8');
}

/** The hand-written sample snapshot (a fresh copy each call). */
export function sampleSnapshot(): SiteSnapshot {
  return JSON.parse(fixtureText('site-snapshot.json')) as SiteSnapshot;
}
