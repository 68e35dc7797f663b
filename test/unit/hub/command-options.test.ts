import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseListen, readAdminToken, storeLocation } from '../../../src/hub/command-options.js';

describe('hub command options', () => {
  it('parses host:port, [ipv6]:port, :port and a bare port', () => {
    expect(parseListen('0.0.0.0:9000')).toEqual({ host: '0.0.0.0', port: 9000 });
    expect(parseListen('[::1]:8080')).toEqual({ host: '::1', port: 8080 });
    expect(parseListen(':8081')).toEqual({ host: '127.0.0.1', port: 8081 });
    expect(parseListen('8082')).toEqual({ host: '127.0.0.1', port: 8082 });
  });

  it('refuses a listen address without a valid port and names the option', () => {
    expect(() => parseListen('localhost')).toThrow(/--listen: expected HOST:PORT/);
    expect(() => parseListen('h:70000')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('puts the SQLite file in the data dir and takes a PostgreSQL URL over it', () => {
    expect(storeLocation({ dataDir: 'd' })).toEqual({ kind: 'sqlite', file: path.join('d', 'hub.sqlite') });
    expect(storeLocation({ dataDir: 'd', databaseUrl: 'postgres://u@h/db' })).toEqual({
      kind: 'postgres',
      url: 'postgres://u@h/db',
    });
    expect(() => storeLocation({ dataDir: 'd', databaseUrl: 'mysql://x' })).toThrow(/--database-url/);
  });

  it('reads the admin token from the first line of a file, else from the environment', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fedstack-token-'));
    try {
      const file = path.join(dir, 'admin');
      writeFileSync(file, 'secret-from-file\nignored\n');
      expect(readAdminToken(file, { FEDSTACK_HUB_ADMIN_TOKEN: 'env' })).toBe('secret-from-file');
      expect(readAdminToken(undefined, { FEDSTACK_HUB_ADMIN_TOKEN: ' env ' })).toBe('env');
      expect(readAdminToken(undefined, {})).toBeUndefined();
      writeFileSync(file, '\n');
      expect(() => readAdminToken(file)).toThrow(expect.objectContaining({ code: 'CONFIG_SECRET_MISSING' }));
      expect(() => readAdminToken(path.join(dir, 'missing'))).toThrow(/cannot read the admin token file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
