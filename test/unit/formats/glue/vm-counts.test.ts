import { describe, expect, it } from 'vitest';
import { countVms } from '../../../../src/formats/glue/index.js';

describe('countVms', () => {
  it('counts ERROR servers in the total but not as running', () => {
    expect(countVms({ ACTIVE: 2, ERROR: 3 })).toEqual({
      total: 5,
      running: 2,
      suspended: 0,
      halted: 0,
      failed: 3,
    });
  });

  it('counts SHUTOFF and shelved servers as halted, SUSPENDED and PAUSED as suspended', () => {
    const counts = countVms({ SHUTOFF: 1, SHELVED_OFFLOADED: 2, SUSPENDED: 3, PAUSED: 1 });
    expect(counts).toMatchObject({ halted: 3, suspended: 4, running: 0 });
  });

  it('counts transitional statuses such as BUILD and RESIZE as running', () => {
    expect(countVms({ BUILD: 1, RESIZE: 1, active: 1 }).running).toBe(3);
  });
});
