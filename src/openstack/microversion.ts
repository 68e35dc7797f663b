// Microversion negotiation: ask a service's version document once per session, cap the wanted version.
import type { OpenStackSession } from './session.js';

/** Compares `2.47` style versions numerically. */
export function compareMicroversions(a: string, b: string): number {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return am - bm || an - bn;
}

interface VersionEntry {
  id?: string;
  version?: string;
  status?: string;
}
type VersionDocument = { version?: VersionEntry; versions?: VersionEntry[] } | undefined;

/** Nova answers its version at the endpoint; Cinder's endpoint carries the project id, so ask its root. */
async function versionDocumentUrl(session: OpenStackSession, service: string): Promise<string> {
  if (service !== 'volumev3') return '';
  const endpoint = new URL(await session.endpoint(service));
  endpoint.pathname = endpoint.pathname.replace(/\/v3(\/.*)?$/, '/');
  return endpoint.toString();
}

function readMaxVersion(doc: VersionDocument): string | undefined {
  if (doc?.version?.version) return doc.version.version;
  const current =
    doc?.versions?.find((v) => v.status === 'CURRENT' && v.version) ?? doc?.versions?.find((v) => v.version);
  return current?.version || undefined;
}

const maxVersions = new WeakMap<OpenStackSession, Map<string, Promise<string | undefined>>>();

/** The highest microversion a service endpoint supports (undefined when it has none). */
export function maxMicroversion(session: OpenStackSession, service: string): Promise<string | undefined> {
  let perService = maxVersions.get(session);
  if (!perService) maxVersions.set(session, (perService = new Map()));
  let pending = perService.get(service);
  if (!pending) {
    pending = versionDocumentUrl(session, service).then(async (url) =>
      readMaxVersion(await session.json<VersionDocument>({ service, method: 'GET', path: url })),
    );
    pending.catch(() => perService!.delete(service));
    perService.set(service, pending);
  }
  return pending;
}

/**
 * The wanted microversion if the service supports it, else the service's
 * maximum (the caller checks the result when it needs a feature).
 */
export async function negotiateMicroversion(
  session: OpenStackSession,
  service: string,
  wanted: string,
): Promise<string> {
  const max = await maxMicroversion(session, service);
  if (!max) return wanted;
  return compareMicroversions(max, wanted) < 0 ? max : wanted;
}
