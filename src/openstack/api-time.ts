// Times in OpenStack answers: ISO 8601, with or without zone; a missing zone means UTC.

/**
 * Epoch milliseconds of an OpenStack API time (`2026-01-02T03:04:05Z`,
 * `2026-01-02T03:04:05.000000`, `2026-01-02T03:04:05+00:00`); NaN when unreadable.
 */
export function parseApiTime(value: string): number {
  const hasZone = /([zZ]|[+-]\d\d:?\d\d)$/.test(value);
  return Date.parse(hasZone ? value : `${value}Z`);
}
