// The information-system calls of the hub client: publish a GLUE document or a run report, and the reads.
import type { GlueDocument } from '../formats/glue/index.js';
import type {
  DiscoveryRunReport,
  FlavorResponse,
  FlavorsQuery,
  GlueFormat,
  GluePublishResponse,
  ImageResponse,
  ImagesQuery,
  ProjectResponse,
  SiteHealthResponse,
  SiteQuery,
  SiteResponse,
  SitesQuery,
} from './hub-api.js';
import { seg, type HubCallOptions, type HubTransport, type QueryValue } from './hub-transport.js';

type Query = Readonly<Record<string, QueryValue>>;

const site = (name: string) => `/v1/site/${seg(name)}`;

/**
 * The information-system part of a {@link HubClient}. Reads need no token; publishing needs a
 * publisher token of that site, or an admin token.
 */
export class InfosysApi {
  readonly #t: HubTransport;
  readonly #isCloudInfoApi: boolean;

  constructor(transport: HubTransport, options: { readonly cloudInfoApiPaths?: boolean } = {}) {
    this.#t = transport;
    this.#isCloudInfoApi = options.cloudInfoApiPaths === true;
  }

  #get<T>(path: string, query: Query | undefined, options: HubCallOptions | undefined): Promise<T> {
    // cloud-info-api's own paths: no version, a trailing slash
    const at = this.#isCloudInfoApi ? `${path.replace(/^\/v1/, '')}/` : path;
    return this.#t.json<T>({ area: 'rest', method: 'GET', path: at, query, options });
  }

  /**
   * `PUT /v1/site/{name}/glue`: publishes the site's GLUE 2.1 document (text as rendered, or the
   * document itself). Idempotent, so a failed attempt is sent again.
   * @throws HubClientError `GLUE_INVALID` naming the JSON path, `HUB_FORBIDDEN` for another site's token, …
   */
  publishGlue(
    siteName: string,
    document: string | GlueDocument,
    options?: HubCallOptions,
  ): Promise<GluePublishResponse> {
    return this.#t.json({
      area: 'rest',
      method: 'PUT',
      path: `${site(siteName)}/glue`,
      body: document,
      options,
    });
  }

  /** `PUT /v1/site/{name}/discovery`: reports a run (a failed one has no document), so the hub shows it. */
  reportRun(siteName: string, report: DiscoveryRunReport, options?: HubCallOptions): Promise<void> {
    return this.#t.none({
      area: 'rest',
      method: 'PUT',
      path: `${site(siteName)}/discovery`,
      body: report,
      options,
    });
  }

  /** `DELETE /v1/site/{name}` (admin): removes the site from the information system. */
  removeSite(siteName: string, options?: HubCallOptions): Promise<void> {
    return this.#t.none({ area: 'rest', method: 'DELETE', path: site(siteName), options });
  }

  /** `GET /v1/sites`: sites with their state (and their shares' projects when asked for). */
  sites(query: SitesQuery = {}, options?: HubCallOptions): Promise<SiteResponse[]> {
    return this.#get('/v1/sites', query, options);
  }

  /** `GET /v1/site/{name}`. @throws HubClientError `HUB_NOT_FOUND` for an unknown site. */
  site(siteName: string, query: SiteQuery = {}, options?: HubCallOptions): Promise<SiteResponse> {
    return this.#get(site(siteName), query, options);
  }

  /** `GET /v1/site/{name}/projects`: the project of each share. */
  siteProjects(siteName: string, options?: HubCallOptions): Promise<ProjectResponse[]> {
    return this.#get(`${site(siteName)}/projects`, undefined, options);
  }

  /** `GET /v1/site/{name}/images` (by default only images of the federation's image lists). */
  siteImages(siteName: string, query: ImagesQuery = {}, options?: HubCallOptions): Promise<ImageResponse[]> {
    return this.#get(`${site(siteName)}/images`, query, options);
  }

  /** `GET /v1/site/{name}/{vo}/project`. @throws HubClientError `HUB_NOT_FOUND` when the VO has no share there. */
  voProject(siteName: string, vo: string, options?: HubCallOptions): Promise<ProjectResponse> {
    return this.#get(`${site(siteName)}/${seg(vo)}/project`, undefined, options);
  }

  /** `GET /v1/site/{name}/{vo}/images`. */
  voImages(
    siteName: string,
    vo: string,
    query: ImagesQuery = {},
    options?: HubCallOptions,
  ): Promise<ImageResponse[]> {
    return this.#get(`${site(siteName)}/${seg(vo)}/images`, query, options);
  }

  /** `GET /v1/images`: images across sites. */
  images(query: ImagesQuery = {}, options?: HubCallOptions): Promise<ImageResponse[]> {
    return this.#get('/v1/images', query, options);
  }

  /** `GET /v1/vos`: the VOs with a share at some site, sorted. */
  vos(options?: HubCallOptions): Promise<string[]> {
    return this.#get('/v1/vos', undefined, options);
  }

  /** `GET /v1/flavors`: flavors across sites, filtered by VO, site, CPU, RAM and GPU. */
  flavors(query: FlavorsQuery = {}, options?: HubCallOptions): Promise<FlavorResponse[]> {
    return this.#get('/v1/flavors', query, options);
  }

  /** `GET /v1/discovery`: discovery health per site (state, expiry, last run report, shares). */
  discovery(options?: HubCallOptions): Promise<SiteHealthResponse[]> {
    return this.#get('/v1/discovery', undefined, options);
  }

  /** `GET /v1/site/{name}/glue`: the site's latest document as published (`json`), or as LDIF. */
  async glue(siteName: string, format: GlueFormat = 'json', options?: HubCallOptions): Promise<string> {
    const { text } = await this.#t.text({
      area: 'rest',
      method: 'GET',
      path: `${site(siteName)}/glue`,
      query: { format },
      accept: format === 'json' ? 'application/json' : 'text/plain',
      options,
    });
    return text;
  }
}
