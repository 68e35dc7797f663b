// Looks up GOCDB service ids over HTTP, fetching the service list once per GOCDB URL and run.
import { TimeoutError } from '../../errors.js';
import { HttpError, httpRequest } from '../../http/index.js';
import { findGocdbService, parseGocdbServices, type GocdbService } from './gocdb-services.js';

/** GOCDB's public programmatic interface. */
export const DEFAULT_GOCDB_URL = 'https://goc.egi.eu/gocdbpi/public/';

/** How long one answer serves lookups: a daemon sees a newly registered service within it. */
const CACHE_TTL_MS = 10 * 60_000;
const cache = new Map<string, { readonly at: number; readonly services: Promise<GocdbService[]> }>();

async function fetchServices(gocdbUrl: string, timeoutMs: number): Promise<GocdbService[]> {
  const url = new URL(gocdbUrl);
  url.searchParams.set('method', 'get_service');
  url.searchParams.set('service_type', 'org.openstack.nova');
  let res: Response;
  try {
    // one deadline for the whole query, retries of a flaky GOCDB included
    res = await httpRequest(
      { method: 'GET', url, deadlineAtMs: Date.now() + timeoutMs },
      { timeoutMs, logName: 'gocdb' },
    );
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    if (error.kind === 'timeout')
      throw new TimeoutError(`GOCDB query ${url.host}`, timeoutMs, { cause: error });
    if (error.kind === 'status')
      throw new Error(`GOCDB ${url.host} answered HTTP ${error.status}`, { cause: error });
    throw new Error(`GOCDB ${url.host} cannot be reached: ${error.summary}`, { cause: error });
  }
  return parseGocdbServices(await res.text());
}

/**
 * The GOCDB service primary key (e.g. `7513G0`) registered for a Keystone endpoint,
 * or undefined when none matches. One query per GOCDB URL serves every site for ten minutes.
 * @throws Error or TimeoutError when GOCDB cannot be queried.
 */
export async function lookupGocdbId(
  endpointUrl: string,
  options: { gocdbUrl?: string; siteName?: string; timeoutMs?: number } = {},
): Promise<string | undefined> {
  const gocdbUrl = options.gocdbUrl ?? DEFAULT_GOCDB_URL;
  let entry = cache.get(gocdbUrl);
  if (!entry || Date.now() - entry.at > CACHE_TTL_MS) {
    const services = fetchServices(gocdbUrl, options.timeoutMs ?? 30_000);
    const fresh = { at: Date.now(), services };
    services.catch(() => {
      if (cache.get(gocdbUrl) === fresh) cache.delete(gocdbUrl);
    });
    cache.set(gocdbUrl, fresh);
    entry = fresh;
  }
  return findGocdbService(await entry.services, endpointUrl, options.siteName)?.primaryKey;
}
