import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { envScript } from '../../../src/client/env-script.js';

describe('env script', () => {
  const vars = { OS_AUTH_URL: 'https://keystone.example.org/v3', OS_TOKEN: "to'ken $HOME `x`" };

  it('sets the variables in sh, quoting anything, and unsets the conflicting ones', () => {
    const script = envScript('sh', vars);
    expect(script).toMatch(/^unset OS_USERNAME .*OS_PASSWORD/);
    expect(script).not.toMatch(/unset.*OS_TOKEN\b/);
    const out = execFileSync('sh', ['-c', `OS_USERNAME=old; export OS_USERNAME; ${script} env`], {
      encoding: 'utf8',
    });
    expect(out).toContain(`OS_TOKEN=${vars.OS_TOKEN}\n`);
    expect(out).toContain('OS_AUTH_URL=https://keystone.example.org/v3\n');
    expect(out).not.toMatch(/^OS_USERNAME=/m);
  });

  it('writes fish and PowerShell syntax', () => {
    expect(envScript('fish', vars)).toContain(`set -gx OS_TOKEN 'to\\'ken $HOME \`x\`'`);
    const ps = envScript('powershell', vars);
    expect(ps).toContain(`$Env:OS_TOKEN = 'to''ken $HOME \`x\`'`);
    expect(ps).toContain('Remove-Item Env:OS_USERNAME -ErrorAction SilentlyContinue');
  });
});
