// `OS_*` variables as a shell script (sh, fish or PowerShell), unsetting the ones of other logins
// that python-openstackclient would mix in. Pure.

/** `--shell`. */
export type Shell = 'sh' | 'fish' | 'powershell';

export const SHELLS: readonly Shell[] = ['sh', 'fish', 'powershell'];

/** Variables of password, application-credential and other logins that conflict with a token. */
export const CONFLICTING_OS_VARIABLES = [
  'OS_USERNAME',
  'OS_USER_ID',
  'OS_PASSWORD',
  'OS_USER_DOMAIN_NAME',
  'OS_USER_DOMAIN_ID',
  'OS_PROJECT_NAME',
  'OS_PROJECT_DOMAIN_NAME',
  'OS_PROJECT_DOMAIN_ID',
  'OS_TENANT_NAME',
  'OS_TENANT_ID',
  'OS_APPLICATION_CREDENTIAL_ID',
  'OS_APPLICATION_CREDENTIAL_SECRET',
  'OS_CLOUD',
  'OS_TOKEN',
  'OS_ACCESS_TOKEN',
  'OS_IDENTITY_PROVIDER',
  'OS_PROTOCOL',
];

function quote(shell: Shell, value: string): string {
  if (shell === 'powershell') return `'${value.replace(/'/g, "''")}'`;
  if (shell === 'fish') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The variables of python-openstackclient's `v3token` plugin: a scoped Keystone token. */
export function keystoneTokenVariables(
  authUrl: string,
  projectId: string,
  token: string,
): Record<string, string> {
  return {
    OS_AUTH_TYPE: 'v3token',
    OS_AUTH_URL: authUrl,
    OS_TOKEN: token,
    OS_PROJECT_ID: projectId,
    OS_IDENTITY_API_VERSION: '3',
  };
}

/** `env` without the variables of other logins, with `vars` on top. */
export function openstackEnvironment(
  env: NodeJS.ProcessEnv,
  vars: Readonly<Record<string, string>>,
): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (!CONFLICTING_OS_VARIABLES.includes(k)) out[k] = v;
  return { ...out, ...vars };
}

/** The script that unsets the conflicting variables not in `vars`, then sets `vars`. */
export function envScript(shell: Shell, vars: Readonly<Record<string, string>>): string {
  const unset = CONFLICTING_OS_VARIABLES.filter((v) => !(v in vars));
  const lines: string[] = [];
  if (shell === 'sh') {
    lines.push(`unset ${unset.join(' ')}`);
    for (const [k, v] of Object.entries(vars)) lines.push(`export ${k}=${quote(shell, v)}`);
  } else if (shell === 'fish') {
    lines.push(`set -e ${unset.join(' ')}`);
    for (const [k, v] of Object.entries(vars)) lines.push(`set -gx ${k} ${quote(shell, v)}`);
  } else {
    for (const k of unset) lines.push(`Remove-Item Env:${k} -ErrorAction SilentlyContinue`);
    for (const [k, v] of Object.entries(vars)) lines.push(`$Env:${k} = ${quote(shell, v)}`);
  }
  return lines.join('\n') + '\n';
}
