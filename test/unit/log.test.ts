import { describe, expect, it } from 'vitest';
import { REDACTED_KEYS, createLogger } from '../../src/log.js';

/** A logger at `debug` whose lines land in an array. */
function capture(): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => lines.push(line) } });
  return { lines, logger };
}

describe('logger', () => {
  it('never writes the value of a redacted key, at the top level or nested up to four deep', () => {
    const { lines, logger } = capture();
    for (const key of REDACTED_KEYS) {
      const value = `value-of-${key}`;
      logger.info({ [key]: value }, 'top level');
      logger.info({ request: { [key]: value } }, 'one deep');
      logger.info({ request: { headers: { [key]: value } } }, 'two deep');
      logger.warn({ a: { b: { c: { [key]: value } } } }, 'three deep');
    }
    const output = lines.join('');
    expect(lines).toHaveLength(REDACTED_KEYS.length * 4);
    for (const key of REDACTED_KEYS) expect(output).not.toContain(`value-of-${key}`);
    expect(output).toContain('[redacted]');
  });

  it('keeps the values of other keys', () => {
    const { lines, logger } = capture();
    logger.info({ service: 'compute', status: 503 }, 'openstack request');
    expect(JSON.parse(lines[0]!)).toMatchObject({
      service: 'compute',
      status: 503,
      msg: 'openstack request',
    });
  });
});
