// APEL test data: the golden files of test/fixtures/apel, and the one builder of cloud records and messages.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  CLOUD_MESSAGE_TYPE,
  CLOUD_MESSAGE_VERSION,
  serializeCloudMessage,
  type CloudRecord,
} from '../../src/formats/apel/index.js';
import type { IngestMessage } from '../../src/hub/accounting/ingest-batch.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/apel');

/** The text of one APEL fixture file, exactly as stored. */
export function readApelFixture(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}

/** 2024-02-01T00:00:00Z in epoch seconds: when the VM of `cloudRecord` starts. */
export const FEB_1_2024 = Date.UTC(2024, 1, 1) / 1000;

/**
 * 2024-03-01T00:00:00Z in epoch seconds: a load time for hub batches of records from February 2024
 * (a load time limits how late the records may be, so it comes after their times).
 */
export const MAR_1_2024 = Date.UTC(2024, 2, 1) / 1000;

/**
 * One record as APEL wire keys and values (`VMUUID`, `WallDuration`, …), written as given: for
 * records the codec's writer refuses (a missing SiteName, `WallDuration: 1.5`, a negative number).
 */
export type CloudFields = Readonly<Record<string, string | number>>;

/**
 * A cloud record the codec accepts: VM `vm-1` of SITE-A, VO vo1, user alice, running on `nova`
 * since `FEB_1_2024`, one hour so far on one vCPU, 2048 MB and 10 GB; `overrides` replace or add fields.
 */
export function cloudRecord(overrides: Partial<CloudRecord> = {}): CloudRecord {
  return {
    vmUuid: 'vm-1',
    siteName: 'SITE-A',
    cloudComputeService: 'nova',
    fqan: 'vo1',
    globalUserName: 'alice',
    status: 'started',
    startTime: FEB_1_2024,
    endTime: 0,
    wallDuration: 3600,
    cpuDuration: 3600,
    cpuCount: 1,
    memory: 2048,
    disk: 10,
    ...overrides,
  };
}

/** A started record of VM `vmUuid` of SITE-A in VO vo1 with no more fields than ingest needs: start and wall time. */
export function startedVmRecord(vmUuid: string, startTime: number, wallDuration: number): CloudRecord {
  return { vmUuid, siteName: 'SITE-A', fqan: 'vo1', status: 'started', startTime, wallDuration };
}

const HEADER = `${CLOUD_MESSAGE_TYPE}: ${CLOUD_MESSAGE_VERSION}\n`;

/** The wire lines of one valid record, as `serializeCloudMessage` writes them (it throws on a bad value). */
function recordLines(record: CloudRecord): string {
  return serializeCloudMessage([record]).slice(HEADER.length);
}

/** The wire fields of `record` as the codec writes them, with `wire` fields added or replaced as given. */
export function cloudFields(record: CloudRecord, wire: CloudFields = {}): CloudFields {
  const fields: Record<string, string | number> = {};
  for (const line of recordLines(record).split('\n')) {
    const colon = line.indexOf(': ');
    if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 2);
  }
  return { ...fields, ...wire };
}

/**
 * An `APEL-cloud-message: v0.4` with a `%%` line between records. A `CloudRecord` is written by the
 * codec (`serializeCloudMessage`, keys sorted, absent fields left out); `CloudFields` line by line as given.
 */
export function cloudMessage(records: readonly (CloudRecord | CloudFields)[]): string {
  const bodies = records.map((r) =>
    'vmUuid' in r
      ? recordLines(r as CloudRecord)
      : Object.entries(r)
          .map(([key, value]) => `${key}: ${value}\n`)
          .join(''),
  );
  return HEADER + bodies.join('%%\n');
}

/** A message text as hub ingest reads it from the AMS store (project `accounting`, topic `t`), data in base64. */
export function ingestMessage(
  text: string,
  offset = 0,
  publisherSite: string | null = 'SITE-A',
): IngestMessage {
  return {
    project: 'accounting',
    topic: 't',
    offset,
    data: Buffer.from(text).toString('base64'),
    publisherSite,
  };
}
