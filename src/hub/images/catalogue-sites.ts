// Where the catalogue's images are present: each entry matched against the images discovery reports at sites.
import { imagelist } from '../../formats/index.js';
import type { ImageResponse, InfosysIndex } from '../infosys/index.js';
import { readSourceImages } from './catalogue-entry.js';
import type { CatalogueEntryView } from './image-catalogue.js';

/** One site where a catalogue image is present, for the entry's VO. */
export interface CatalogueSite {
  readonly site: string;
  readonly endpoint: string;
  /** The image's id at the site (Glance). */
  readonly image_id: string;
}

/** A catalogue entry with the sites where it is present (`GET /v1/images/catalogue`). */
export interface CatalogueImage {
  readonly vo: string;
  readonly id: string;
  readonly title: string | null;
  readonly version: string | null;
  readonly mpuri: string | null;
  readonly location: string;
  readonly sites: CatalogueSite[];
}

const EGI_REGISTRY = 'registry.egi.eu/';

function trimSlash(uri: string): string {
  return uri.replace(/\/+$/, '');
}

/**
 * True when `found` (an image discovery reported at a site) is catalogue image `image`. Sites report
 * what their sync wrote into Glance: the AppDB marketplace URI (`ad:mpuri`, Glance
 * `vmcatcher_event_ad_mpuri`, GLUE `MarketplaceURL`), the AppDB id (`dc:identifier`) as EGI id, or,
 * for an image of registry.egi.eu, its repository and tag (GLUE `eu.egi.cloud.image_ref`).
 */
export function isSameImage(image: imagelist.SourceImage, found: ImageResponse): boolean {
  const mpuri = image.marketplaceUri;
  if (mpuri !== undefined && found.mpuri !== '' && trimSlash(found.mpuri) === trimSlash(mpuri)) return true;
  if (found.egi_id === '') return false;
  if (found.egi_id === image.id) return true;
  const location = image.location;
  return (
    location.kind === 'oci' &&
    location.reference.startsWith(EGI_REGISTRY) &&
    location.reference.slice(EGI_REGISTRY.length) === found.egi_id
  );
}

/**
 * The catalogue's entries (of `vo`, or all) with the current sites where each is present for its
 * VO, from the information system's read index. Expired site documents do not count.
 */
export function catalogueImages(
  index: InfosysIndex,
  entries: readonly CatalogueEntryView[],
  vo?: string,
): CatalogueImage[] {
  const out: CatalogueImage[] = [];
  const sitesByVo = new Map<string, { site: string; images: ImageResponse[] }[]>();
  const sitesOf = (name: string) => {
    let sites = sitesByVo.get(name);
    if (sites === undefined) {
      sites = index
        .sites({ vo: name, includeProjects: false })
        .filter((s) => s.state !== 'expired')
        .map((s) => ({ site: s.name, images: index.siteImages(s.name, name, false) }));
      sitesByVo.set(name, sites);
    }
    return sites;
  };
  for (const entry of entries) {
    if (vo !== undefined && entry.vo !== vo) continue;
    const [image] = readSourceImages(entry.vo, [entry.image], `the stored ${entry.vo} image list`);
    const sites: CatalogueSite[] = [];
    for (const { site, images } of sitesOf(entry.vo)) {
      const found = images.find((i) => isSameImage(image!, i));
      if (found) sites.push({ site, endpoint: found.endpoint, image_id: found.id });
    }
    out.push({
      vo: entry.vo,
      id: entry.id,
      title: image!.title ?? null,
      version: image!.version ?? null,
      mpuri: image!.marketplaceUri ?? null,
      location: imagelist.formatImageLocation(image!.location) ?? '',
      sites,
    });
  }
  return out;
}
