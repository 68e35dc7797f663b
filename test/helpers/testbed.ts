// Locates (and if needed starts) the testbed OpenStack sites the integration tests use.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';

const run = promisify(execFile);

/** The two sites of the testbed: name and port offset. */
export const TESTBED_SITES = [
  { name: 'site-a', offset: 0 },
  { name: 'site-b', offset: 20 },
] as const;

export type TestbedSiteName = (typeof TESTBED_SITES)[number]['name'];

const SCRIPT = path.resolve(import.meta.dirname, '../../testbed/openstack.sh');

/** Directory holding the testbed state (the script's default unless TESTBED_DIR is set). */
export function testbedRoot(): string {
  return process.env.TESTBED_DIR ?? '/tmp/os-testbed';
}

/** True when integration tests are switched off for a unit-only run. */
export function isTestbedDisabled(): boolean {
  return process.env.FEDSTACK_TESTBED === 'off';
}

async function answersOnce(offset: number): Promise<boolean> {
  const ports = [5000, 9292, 8774, 9696, 8776, 5001].map((p) => p + offset);
  for (const port of ports) {
    try {
      await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(10_000) });
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * True when every service of the site answers. Asked three times before the answer is no: a
 * restart of a running site (`up` stops it first) would break any other test run using it, so a
 * service slow on a loaded machine must not count as down.
 */
async function isUp(offset: number): Promise<boolean> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    if (await answersOnce(offset)) return true;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  return false;
}

/**
 * Installs the Debian packages of the testbed sites and of the tests (python3-dirq, qemu-utils,
 * docker-registry) that are missing: the testbed script's install step, quick when all are there.
 */
export async function installTestPackages(): Promise<void> {
  await run(SCRIPT, ['install'], { timeout: 1_200_000, maxBuffer: 16 << 20 });
}

/** Starts any testbed site that is not answering; throws when a site cannot be started. */
export async function ensureTestbed(): Promise<void> {
  if (isTestbedDisabled()) return;
  for (const site of TESTBED_SITES) {
    if (existsSync(path.join(testbedRoot(), site.name, 'site.env')) && (await isUp(site.offset))) continue;
    await run(SCRIPT, ['up', '--name', site.name, '--offset', String(site.offset)], {
      timeout: 1_200_000,
      maxBuffer: 16 << 20,
    });
  }
}

/** The variables of a running site's site.env. */
export function testbedEnv(name: TestbedSiteName): Record<string, string> {
  const file = path.join(testbedRoot(), name, 'site.env');
  if (!existsSync(file)) throw new Error(`testbed ${name} is not running: ${file} is missing`);
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m) env[m[1]!] = m[2]!.replace(/^'(.*)'$/, '$1');
  }
  return env;
}

/** An OIDC access token minted by the testbed identity provider. */
export async function mintToken(
  sub: string,
  entitlements: string[],
  lifetimeSeconds = 3600,
): Promise<string> {
  const { stdout } = await run(SCRIPT, [
    'token',
    '--sub',
    sub,
    '--entitlements',
    entitlements.join(','),
    '--lifetime',
    String(lifetimeSeconds),
  ]);
  return stdout.trim();
}

/** A VO of a testbed site and its project. */
export interface TestbedVo {
  readonly vo: string;
  readonly projectId: string;
}

/**
 * Writes `<dir>/<fileName>` (default `site.yaml`): the site YAML the testbed wrote for `name`, with
 * its admin password file given by absolute path and the top-level keys `extra` gives for the
 * site's VO projects (e.g. an `images:` section) added or replaced. Returns the file and those projects.
 */
export function writeTestbedSiteYaml(
  dir: string,
  extra: (projects: readonly TestbedVo[]) => Record<string, unknown>,
  name: TestbedSiteName = 'site-a',
  fileName = 'site.yaml',
): { file: string; projects: TestbedVo[] } {
  const site = parse(readFileSync(path.join(testbedRoot(), name, 'site.yaml'), 'utf8')) as {
    vos: { name: string; auth: { project_id: string } }[];
    credentials: object;
  };
  const file = path.join(dir, fileName);
  const projects = site.vos.map((v) => ({ vo: v.name, projectId: v.auth.project_id }));
  const credentials = {
    ...site.credentials,
    password_file: path.join(testbedRoot(), name, 'admin-password'),
  };
  writeFileSync(file, stringify({ ...site, credentials, ...extra(projects) }));
  return { file, projects };
}
