// The hub's REST API as the pages read it: the same public routes /openapi.json documents, with a
// time limit on every call and the hub's error message (never a blank page) when one fails.

/** A failed call: what the hub said (its `error.code` and `error.message`) or why there was no answer. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The user must sign in (again) to get this. */
  get needsSignIn(): boolean {
    return this.status === 401;
  }
}

/** Each call's time limit. */
const TIMEOUT_MS = 30_000;

/** Query parameters; undefined and empty values are left out. */
export type Params = Record<string, string | number | boolean | undefined>;

/** `path?params`, with the parameters in a stable order. */
export function urlOf(path: string, params: Params = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

async function call<T>(method: string, url: string, body?: unknown): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      credentials: 'same-origin',
      signal: controller.signal,
      headers: {
        accept: 'application/json',
        ...(method === 'GET' ? {} : { 'x-fedstack-portal': '1' }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    throw new ApiError(
      controller.signal.aborted
        ? `the hub did not answer ${method} ${url.split('?')[0]} within ${TIMEOUT_MS / 1000} s`
        : `the hub cannot be reached (${(error as Error).message})`,
      0,
      'NETWORK',
    );
  } finally {
    clearTimeout(timer);
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    const e = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiError(
      e?.message ?? `${method} ${url.split('?')[0]} answered ${res.status}`,
      res.status,
      e?.code ?? String(res.status),
    );
  }
  return parsed as T;
}

/** GET a JSON answer. */
export const getJson = <T>(path: string, params?: Params): Promise<T> => call<T>('GET', urlOf(path, params));
/** POST (with the portal's header). */
export const postJson = <T>(path: string, body?: unknown): Promise<T> => call<T>('POST', path, body);
/** DELETE (with the portal's header). */
export const deleteJson = <T>(path: string): Promise<T> => call<T>('DELETE', path);

// The answers the pages read (fields as /openapi.json names them).

export interface SummaryRow {
  site?: string;
  vo?: string | null;
  year?: number;
  month?: string | number;
  wallDuration: number;
  cpuDuration: number;
  numberOfVms: number;
}
export interface StorageRow {
  site: string;
  month: string;
  vo: string | null;
  capacityUsed: number;
  maxCapacityUsed: number;
}
export interface AcceleratorRow {
  site: string;
  month: string;
  type: string;
  count: number;
  activeDuration: number;
  availableDuration: number;
  /** Hours of accelerator use (ActiveDuration × Count). */
  acceleratorHours: number;
}
export interface AccountingSite {
  site: string;
  lastReceivedAt: string | null;
  lastMeasurementTime: string | null;
}
export interface RegistrySite {
  shortName: string;
  officialName?: string;
  country?: string;
  roc?: string;
  certificationStatus: string;
  productionStatus: string;
  homeUrl?: string;
  contactEmail?: string;
}
export interface RegistryEndpoint {
  serviceType: string;
  hostname: string;
  url?: string;
  isMonitored: boolean;
  isInProduction: boolean;
}
export interface Downtime {
  primaryKey: string;
  severity: string;
  classification: string;
  description: string;
  start: number;
  end: number;
  services: { hostname: string; serviceType: string }[];
}
export interface RegistrySiteDetail {
  site: RegistrySite;
  endpoints: RegistryEndpoint[];
  downtimes: Downtime[];
  freshness: {
    discovery: { publishedAt: string | null; status: string | null };
    accounting: { lastReceivedAt: string | null; lastMeasurementTime: string | null };
  };
}
export interface Check {
  site: string;
  hostname: string;
  serviceType: string;
  metric: string;
  status: string;
  lastCheck: string | null;
  summary: string;
}
export interface ArRow {
  period: string;
  site: string;
  availability: number | null;
  reliability: number | null;
  unknown: number;
  ola?: { isMet: boolean; failures: string[] };
}
export interface DiscoveryRow {
  site: string;
  state: string;
  info?: string;
  expired: boolean;
  published_at?: string;
  last_run?: { state: string; error?: string; at?: string };
  shares: { vo: string; state?: string }[];
}
export interface CatalogueImage {
  vo: string;
  id: string;
  title: string | null;
  version: string | null;
  mpuri: string | null;
  location: string;
  sites: { site: string; endpoint: string; image_id: string }[];
}
export interface Flavor {
  site: string;
  id: string;
  name: string;
  cpu: number;
  ram_mb: number;
  disk_gb: number;
  accelerator?: { type: string; number: number; vendor?: string; model?: string; memory_mb?: number };
  vos: string[];
}
export interface SiteImage {
  id: string;
  name: string;
  version: string;
  vo: string;
  mpuri: string;
  endpoint: string;
}
export interface InfoSite {
  id: string;
  name: string;
  url: string;
  state: string;
  projects?: { id: string; name: string }[];
}
export interface PortalSession {
  signed_in: boolean;
  can_sign_in: boolean;
  access: 'public' | 'admin';
  may_read_data: boolean;
  user?: {
    sub: string;
    name?: string;
    email?: string;
    is_admin: boolean;
    vos: { vo: string; can_launch: boolean; roles: string[] }[];
  };
}
export interface ServerRow {
  site: string;
  vo: string;
  id: string;
  name: string;
  status: string;
  flavor: string;
  addresses: string[];
  ssh_address?: string;
  created: string;
}
export interface ServersAnswer {
  servers: ServerRow[];
  errors: { site: string; error: string }[];
  sites: { site: string; ok: boolean; ms: number }[];
}
