import { describe, expect, it } from 'vitest';
import { CLOUD_FIELDS, CLOUD_WRITE_ORDER } from '../../../../src/formats/apel/cloud-record.js';
import { CLOUD_SUMMARY_FIELDS } from '../../../../src/formats/apel/cloud-summary-message.js';
import { KIND_IGNORED, type TextFieldTable } from '../../../../src/formats/apel/text-field.js';

function checkBuilder(table: TextFieldTable): void {
  const slots = table.fields.map((f) => `value of ${f.wire}`);
  const record = table.build(slots) as Record<string, unknown>;
  const expected = Object.fromEntries(
    table.fields.filter((f) => f.kind !== KIND_IGNORED).map((f) => [f.key, `value of ${f.wire}`]),
  );
  expect(record).toEqual(expected);
  expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
  expect(table.build([])).toEqual({});
}

describe('text field tables', () => {
  it('builds each cloud field from its own slot', () => {
    checkBuilder(CLOUD_FIELDS);
  });

  it('builds each cloud summary field from its own slot', () => {
    checkBuilder(CLOUD_SUMMARY_FIELDS);
  });

  it('writes cloud keys in code-point order, as Python sorted() orders them', () => {
    const wires = CLOUD_WRITE_ORDER.map((f) => f.wire);
    expect(wires.slice(0, 6)).toEqual([
      'Benchmark',
      'BenchmarkType',
      'CloudComputeService',
      'CloudType',
      'CpuCount',
      'CpuDuration',
    ]);
    expect(wires).toContain('FQAN');
    expect(wires).not.toContain('MeasurementTime');
    expect(wires.at(-1)).toBe('WallDuration');
  });
});
