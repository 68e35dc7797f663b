import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  parsePluginOutput,
  runExternal,
  splitCommand,
  type MetricSpec,
} from '../../../../src/hub/monitor/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'fedstack-plugins-'));
function plugin(name: string, body: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}
const SPEC: MetricSpec = { command: 'x', args: {}, interval: 60, retry: 10, attempts: 2, timeout: 1 };
const TARGET = {
  site: 'SITE-A',
  hostname: 'keystone.example.org',
  url: 'https://keystone.example.org:5000/v3',
};

describe('external plugins', () => {
  it('fills in the placeholders, keeps the exit code as the status and reads summary and perfdata', async () => {
    const echo = plugin('echo-args', 'echo "WARNING: $1 $2 $3 | time=0.5s"; exit 1');
    const out = await runExternal(`${echo} {host} {port} '{site} x'`, TARGET, SPEC);
    expect(out).toMatchObject({
      status: 'WARNING',
      summary: 'WARNING: keystone.example.org 5000 SITE-A x',
      perfdata: 'time=0.5s',
    });
  });

  it('gives UNKNOWN with the reason for a plugin that prints nothing, exits outside 0–3, hangs or is missing', async () => {
    const silent = await runExternal(plugin('silent', 'exit 0'), TARGET, SPEC);
    expect(silent).toMatchObject({
      status: 'UNKNOWN',
      summary: expect.stringContaining('printed nothing (exit code 0)'),
    });
    const odd = await runExternal(plugin('odd', 'echo odd; exit 5'), TARGET, SPEC);
    expect(odd).toMatchObject({
      status: 'UNKNOWN',
      summary: expect.stringContaining('exited with code 5: odd'),
    });
    const started = Date.now();
    const hung = await runExternal(plugin('hung', 'sleep 30'), TARGET, SPEC);
    expect(hung).toMatchObject({
      status: 'UNKNOWN',
      summary: expect.stringContaining('did not finish within 1 s (killed)'),
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    const missing = await runExternal('no-such-plugin-anywhere -H x', TARGET, SPEC);
    expect(missing).toMatchObject({
      status: 'UNKNOWN',
      summary: expect.stringContaining('cannot run no-such-plugin-anywhere'),
    });
  });

  it('splits command lines with quotes and reads plugin lines without perfdata', () => {
    expect(splitCommand(`check_http -H h -u "/a b" -s 'x y'`)).toEqual([
      'check_http',
      '-H',
      'h',
      '-u',
      '/a b',
      '-s',
      'x y',
    ]);
    expect(parsePluginOutput('OK - fine\nmore')).toEqual({ summary: 'OK - fine', perfdata: '' });
  });
});
