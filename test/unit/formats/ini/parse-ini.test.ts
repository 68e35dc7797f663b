import { describe, expect, it } from 'vitest';
import { IniError, iniList, iniValue, parseIni } from '../../../../src/formats/ini/index.js';
import { parseShellEnv, ShellEnvError } from '../../../../src/formats/shell-env/index.js';
import { thrownBy } from '../../../helpers/expect-rejection.js';

describe('parseIni', () => {
  it('reads sections, both separators, comments, continuation lines and folds key case', () => {
    const doc = parseIni(
      '# cASO\n[DEFAULT]\nSite_Name = CESGA\nprojects = a,\n  b\n; note\n[ssm]\noutput_path: /var/spool/apel\n',
      'caso.conf',
    );
    expect(iniValue(doc, 'DEFAULT', 'site_name')).toEqual({ value: 'CESGA', line: 3 });
    expect(iniList(iniValue(doc, 'DEFAULT', 'projects')!.value.replace('\n', ''))).toEqual(['a', 'b']);
    expect(iniValue(doc, 'ssm', 'output_path')?.value).toBe('/var/spool/apel');
    // configparser's fallback to [DEFAULT]
    expect(iniValue(doc, 'ssm', 'site_name')?.value).toBe('CESGA');
  });

  it('names the file and line of what it cannot read', () => {
    expect(thrownBy(() => parseIni('key = before any section\n', 'a.conf'), IniError)).toMatchObject({
      message: 'a.conf:1: "key" comes before any [section]',
    });
    expect(thrownBy(() => parseIni('[DEFAULT]\nx = 1\n[unclosed\n', 'b.conf'), IniError).line).toBe(3);
    expect(thrownBy(() => parseIni('[DEFAULT]\njust words\n', 'c.conf'), IniError)).toMatchObject({
      message: expect.stringMatching(/^c\.conf:2: expected "key = value"/),
    });
  });
});

describe('parseShellEnv', () => {
  it('reads exports with and without quotes, drops comments, and returns the other lines unrun', () => {
    const doc = parseShellEnv(
      'export OS_AUTH_URL=https://k.example.org:5000/v3 # the site\nOS_PROTOCOL="openid"\nexport OS_PASSWORD=\'a # b\'\nread -s OS_PASSWORD\n',
      'openstack.rc',
    );
    expect(Object.fromEntries([...doc.variables].map(([k, v]) => [k, v.value]))).toEqual({
      OS_AUTH_URL: 'https://k.example.org:5000/v3',
      OS_PROTOCOL: 'openid',
      OS_PASSWORD: 'a # b',
    });
    expect(doc.otherLines).toEqual([{ line: 4, text: 'read -s OS_PASSWORD' }]);
  });

  it('refuses a value that needs a shell to expand, naming the line', () => {
    const error = thrownBy(() => parseShellEnv('export OS_USERNAME=$USER\n', 'openstack.rc'), ShellEnvError);
    expect(error).toMatchObject({
      message: 'openstack.rc:1: the value expands a variable or a command; write it out',
    });
    expect(thrownBy(() => parseShellEnv("OS_X='open\n", 'rc'), ShellEnvError)).toMatchObject({
      message: 'rc:1: unclosed single quote',
    });
  });
});
