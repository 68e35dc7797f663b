import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createProgressReporter, formatProgressLine } from '../../../../src/site/images/index.js';

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

describe('progress reporter', () => {
  it('formats a bar with percentage, sizes and rate', () => {
    const line = formatProgressLine('ubuntu', { doneBytes: 2 ** 29, totalBytes: 2 ** 30 }, 100 * 2 ** 20);
    expect(line).toBe('ubuntu [############------------]  50% 512.0 MiB/1.0 GiB 100.0 MiB/s');
  });

  it('redraws one line on a terminal and ends it on done()', () => {
    const out = sink();
    let clock = 0;
    const reporter = createProgressReporter({
      label: 'img',
      stream: out.stream,
      isTty: true,
      now: () => clock,
    });
    for (let i = 1; i <= 10; i++) {
      clock += 100;
      reporter.onProgress({ doneBytes: i * 1024, totalBytes: 10 * 1024 });
    }
    reporter.done();
    const draws = out.text().split('\r\x1b[K').filter(Boolean);
    expect(draws.length).toBeGreaterThanOrEqual(5);
    expect(draws.length).toBeLessThanOrEqual(6);
    expect(draws.at(-1)).toMatch(/100% .*\n$/);
  });

  it('logs a line every ten seconds when not on a terminal', () => {
    const out = sink();
    const logger = pino({ level: 'info', base: undefined }, out.stream);
    let clock = 0;
    const reporter = createProgressReporter({ label: 'img', isTty: false, logger, now: () => clock });
    for (let i = 1; i <= 60; i++) {
      clock += 1000;
      reporter.onProgress({ doneBytes: i, totalBytes: 60 });
    }
    const lines = out
      .text()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatchObject({ label: 'img', doneBytes: 10, totalBytes: 60, msg: 'download progress' });
  });
});
