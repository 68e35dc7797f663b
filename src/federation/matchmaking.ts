// `servers create --site auto`: which sites can run the request (the VO has the image there and a
// fitting flavor, from the information system) and which of them to take (the most free quota,
// read live, then the smallest fitting flavor). Pure.

/**
 * An image as the information system offers it (a row of the hub's `GET /v1/images`). Declared
 * here so that both the hub and its client can hand their rows to the matchmaking.
 */
export interface OfferedImage {
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly vo: string;
  /** The AppDB marketplace URI, or empty. */
  readonly mpuri: string;
  readonly egi_id: string;
  /** The Keystone URL of the site. */
  readonly endpoint: string;
}

/** A flavor as the information system offers it (a row of the hub's `GET /v1/flavors`). */
export interface OfferedFlavor {
  readonly site: string;
  readonly endpoint: string;
  readonly id: string;
  readonly name: string;
  readonly cpu: number;
  readonly ram_mb: number;
  readonly disk_gb: number;
  readonly platform?: string;
  readonly accelerator?: {
    readonly type: string;
    readonly number: number;
    readonly vendor?: string;
    readonly model?: string;
    readonly memory_mb?: number;
    readonly virtualization_type?: string;
  };
  readonly vos: readonly string[];
}

/** What the server needs. */
export interface Requirements {
  /** An image name, `~regex`, Glance id, or marketplace URL (`ad:mpuri`, with or without its version). */
  readonly image: string;
  /** A flavor name; without it the smallest flavor with `minCpu`, `minRamMb` and `gpu`. */
  readonly flavor?: string;
  readonly minCpu?: number;
  readonly minRamMb?: number;
  readonly gpu?: boolean;
}

/** An image of the information system with the site it is at. */
export type SiteImage = OfferedImage & { readonly site: string };

/** A site that has both. */
export interface Candidate {
  readonly site: string;
  readonly image: SiteImage;
  readonly flavor: OfferedFlavor;
}

/** Free quota of the VO's project at a site (`GET /limits`); undefined: unlimited. */
export interface FreeQuota {
  readonly cores?: number;
  readonly ramMb?: number;
  readonly instances?: number;
}

// AppDB marketplace URLs name a version after a colon (`…/image/<uuid>:1234/`); either form matches
const mpuriBase = (uri: string) => uri.replace(/\/+$/, '').replace(/:\d+$/, '');

/** Whether `image` is what `wanted` names. */
export function isWantedImage(image: OfferedImage, wanted: string): boolean {
  if (/^https?:\/\//.test(wanted)) return image.mpuri !== '' && mpuriBase(image.mpuri) === mpuriBase(wanted);
  if (wanted.startsWith('~')) return new RegExp(wanted.slice(1), 'i').test(image.name);
  return image.id === wanted || image.name.toLowerCase() === wanted.toLowerCase();
}

function fits(f: OfferedFlavor, req: Requirements): boolean {
  if (req.flavor) return f.name === req.flavor || f.id === req.flavor;
  return (
    f.cpu >= (req.minCpu ?? 1) &&
    f.ram_mb >= (req.minRamMb ?? 0) &&
    (!req.gpu || (f.accelerator?.number ?? 0) > 0)
  );
}

const bySize = (a: OfferedFlavor, b: OfferedFlavor) =>
  a.cpu - b.cpu || a.ram_mb - b.ram_mb || (a.accelerator?.number ?? 0) - (b.accelerator?.number ?? 0);

/**
 * The candidates among `sites`: the wanted image and the smallest fitting flavor at each; and for
 * every other site why it is not one.
 */
export function candidatesOf(
  sites: readonly string[],
  images: readonly SiteImage[],
  flavors: readonly OfferedFlavor[],
  req: Requirements,
): { candidates: Candidate[]; skipped: { site: string; why: string }[] } {
  const candidates: Candidate[] = [];
  const skipped: { site: string; why: string }[] = [];
  for (const site of sites) {
    const image = images
      .filter((i) => i.site === site && isWantedImage(i, req.image))
      .sort((a, b) => a.name.localeCompare(b.name))[0];
    const flavor = flavors.filter((f) => f.site === site && fits(f, req)).sort(bySize)[0];
    if (!image) skipped.push({ site, why: `no image ${req.image}` });
    else if (!flavor)
      skipped.push({ site, why: req.flavor ? `no flavor ${req.flavor}` : 'no flavor that fits' });
    else candidates.push({ site, image, flavor });
  }
  return { candidates, skipped };
}

/** The free quota in `GET /limits`' absolute values (negative maxima mean unlimited). */
export function freeQuotaOf(limits: Readonly<Record<string, number>>): FreeQuota {
  const free = (max: string, used: string) => {
    const m = limits[max];
    if (m === undefined || m < 0) return undefined;
    return m - (limits[used] ?? 0);
  };
  const cores = free('maxTotalCores', 'totalCoresUsed');
  const ramMb = free('maxTotalRAMSize', 'totalRAMUsed');
  const instances = free('maxTotalInstances', 'totalInstancesUsed');
  return {
    ...(cores !== undefined ? { cores } : {}),
    ...(ramMb !== undefined ? { ramMb } : {}),
    ...(instances !== undefined ? { instances } : {}),
  };
}

/** Why `quota` cannot hold `flavor`, or undefined when it can. */
export function quotaShortfall(quota: FreeQuota, flavor: OfferedFlavor): string | undefined {
  if (quota.instances !== undefined && quota.instances < 1) return 'no instance left in the quota';
  if (quota.cores !== undefined && quota.cores < flavor.cpu)
    return `${quota.cores} cores free, ${flavor.cpu} needed`;
  if (quota.ramMb !== undefined && quota.ramMb < flavor.ram_mb)
    return `${quota.ramMb} MB RAM free, ${flavor.ram_mb} needed`;
  return undefined;
}

/** The ranking: the most free cores (unlimited first), then free RAM, then the smaller flavor. */
export function rankCandidates<T extends { readonly candidate: Candidate; readonly quota: FreeQuota }>(
  ranked: readonly T[],
): T[] {
  const v = (n: number | undefined) => n ?? Number.POSITIVE_INFINITY;
  return [...ranked].sort(
    (a, b) =>
      v(b.quota.cores) - v(a.quota.cores) ||
      v(b.quota.ramMb) - v(a.quota.ramMb) ||
      bySize(a.candidate.flavor, b.candidate.flavor) ||
      a.candidate.site.localeCompare(b.candidate.site),
  );
}

/** MiB as GiB with one decimal, for people. */
export function gib(mb: number): number {
  return Math.round(mb / 102.4) / 10;
}

/** One line for people: free cores, RAM and instances. */
export function describeQuota(quota: FreeQuota): string {
  const n = (x: number | undefined, unit: string) => (x === undefined ? `unlimited ${unit}` : `${x} ${unit}`);
  return `${n(quota.cores, 'cores')}, ${quota.ramMb === undefined ? 'unlimited RAM' : `${gib(quota.ramMb)} GiB RAM`}, ${n(quota.instances, 'instances')} free`;
}
