// The monitor's configuration: which metrics run for which service type (the metric profile), how
// often, with which check; the EGI cloud profile by default.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../../errors.js';

/** Checks run in-process (our probes), by name. */
export const IN_PROCESS_CHECKS = [
  'tcp',
  'keystone',
  'vm',
  'swift',
  'infoprovider',
  'accounting',
  'imagelist',
] as const;

const METRIC = z
  .object({
    check: z.enum(IN_PROCESS_CHECKS).optional().describe('one of our probes, run in-process'),
    command: z
      .string()
      .min(1)
      .optional()
      .describe(
        'an external Nagios plugin: {host} {port} {url} {hostname} {site} {timeout} and {ext.KEY} (an endpoint extension) are filled in',
      ),
    args: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
    interval: z.number().positive().default(900).describe('seconds between checks in an OK or hard state'),
    retry: z.number().positive().default(180).describe('seconds between soft attempts'),
    attempts: z.number().int().positive().default(3).describe('non-OK results in a row before a hard state'),
    timeout: z.number().positive().default(120).describe('seconds before the check is given up (UNKNOWN)'),
  })
  .strict()
  .refine((m) => (m.check === undefined) !== (m.command === undefined), {
    message: 'give exactly one of check (an in-process probe) or command (an external plugin)',
  });

export type MetricSpec = z.output<typeof METRIC>;

const CONFIG = z
  .object({
    concurrency: z.number().int().positive().default(20).describe('checks running at once'),
    webhook: z.string().url().optional().describe('POSTed a JSON line on every hard state change'),
    metrics: z.record(z.string(), METRIC).default({}),
    profile: z.record(z.string(), z.array(z.string())).optional(),
    services: z.record(z.string(), z.enum(['AND', 'OR'])).default({}),
  })
  .strict();

export type MonitorConfig = Omit<z.output<typeof CONFIG>, 'profile'> & {
  /** Service type → the metrics that count for it. */
  readonly profile: Readonly<Record<string, readonly string[]>>;
};

/** ARGO's scheduling of the cloud metrics (POEM), with our in-process probes. */
export const EGI_CLOUD_METRICS: Readonly<Record<string, MetricSpec>> = {
  'org.nagios.Keystone-TCP': { check: 'tcp', args: {}, interval: 900, retry: 180, attempts: 3, timeout: 120 },
  'eu.egi.cloud.InfoProvider': {
    check: 'infoprovider',
    args: {},
    interval: 3600,
    retry: 900,
    attempts: 2,
    timeout: 300,
  },
  'eu.egi.cloud.OpenStack-VM': {
    check: 'vm',
    args: {},
    interval: 3600,
    retry: 900,
    attempts: 2,
    timeout: 300,
  },
  'eu.egi.cloud.OpenStack-Swift': {
    check: 'swift',
    args: {},
    interval: 3600,
    retry: 900,
    attempts: 2,
    timeout: 300,
  },
  'eu.egi.cloud.APEL-Pub': {
    check: 'accounting',
    args: {},
    interval: 3600,
    retry: 900,
    attempts: 2,
    timeout: 300,
  },
};

/**
 * The EGI cloud profile, of the metrics that need no credentials: the VM and accounting metrics
 * are added by a configuration that gives their token (`args.accessTokenFile`, `args.tokenFile`).
 */
export const EGI_CLOUD_PROFILE: Readonly<Record<string, readonly string[]>> = {
  'org.openstack.nova': ['org.nagios.Keystone-TCP', 'eu.egi.cloud.InfoProvider'],
};

/**
 * Reads a monitor configuration (YAML), or the defaults without a file.
 * @throws ConfigError naming the file and the field.
 */
export function loadMonitorConfig(file?: string): MonitorConfig {
  let raw: unknown = {};
  if (file !== undefined) {
    try {
      raw = parse(readFileSync(file, 'utf8')) ?? {};
    } catch (error) {
      throw new ConfigError(`cannot read the monitor configuration: ${(error as Error).message}`, { file });
    }
  }
  const parsed = CONFIG.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(issue.message, {
      ...(file ? { file } : {}),
      path: issue.path.map(String).join('.'),
    });
  }
  const metrics = { ...EGI_CLOUD_METRICS, ...parsed.data.metrics };
  const profile = parsed.data.profile ?? EGI_CLOUD_PROFILE;
  for (const [type, names] of Object.entries(profile)) {
    for (const name of names) {
      if (!(name in metrics))
        throw new ConfigError(`metric ${name} is not defined (under metrics:)`, {
          ...(file ? { file } : {}),
          path: `profile.${type}`,
        });
    }
  }
  return { ...parsed.data, metrics, profile };
}

/** How long one result counts before its metric is MISSING: its interval plus the retries. */
export function validityMs(spec: MetricSpec): number {
  return (spec.interval + spec.retry * spec.attempts) * 1000;
}
