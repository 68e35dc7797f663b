// The image catalogue as one fastify plugin: per-VO list entries (/v1/images/vo), the served lists (/store/vo), the catalogue view.
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { FedstackError } from '../../errors.js';
import type { HubAuth } from '../auth/hub-auth.js';
import type { HubCaller, HubRole } from '../auth/hub-token.js';
import { catalogueImages, type ImageCatalogue, type ListSigner } from '../images/index.js';
import type { InfosysService } from '../infosys/index.js';
import {
  CATALOGUE_IMAGE_RESPONSE,
  CATALOGUE_QUERY,
  ENTRIES_RESPONSE,
  ENTRY_BODY,
  ENTRY_CHANGE_RESPONSE,
  ENTRY_PARAMS,
  IMAGES_ERROR_RESPONSES,
  IMAGES_NO_QUERY,
  LIST_JSON_RESPONSE,
  SIGNED_LIST_RESPONSE,
  VO_PARAMS,
} from './images-schemas.js';
import { callerOf, installAuth, markPortalReads } from './route-auth.js';
import { installRouteSchemas } from './route-schema.js';

/** Options of {@link imagesPlugin}. */
export interface ImagesPluginOptions {
  readonly catalogue: ImageCatalogue;
  /** The information system, which says which VOs a publisher token's site supports. */
  readonly infosys: InfosysService;
  readonly auth: HubAuth;
  /** Signs the served lists; without it `/store/vo/{vo}/image.list` answers 503 `HUB_IMAGE_LIST_UNSIGNED`. */
  readonly signer?: ListSigner;
}

const TAGS = ['image catalogue'];
/** Who edits a VO's list (the route checks the vo-manager's VO). */
const EDITORS: readonly HubRole[] = ['admin', 'vo-manager'];
/** Who reads the lists (the route checks a publisher's site and a vo-manager's VO). */
const READERS: readonly HubRole[] = ['admin', 'consumer', 'publisher', 'vo-manager'];
const AUTH_NOTE =
  ' Token in x-api-key, Authorization: Bearer, or AppDB’s Basic form (the token as user name, password x-oauth-basic).';

/** True when `caller` may read `vo`'s list: admin, consumer, its vo-manager, or a publisher of a site supporting it. */
function mayRead(caller: HubCaller, vo: string, infosys: InfosysService): boolean {
  if (caller.role === 'admin' || caller.role === 'consumer') return true;
  if (caller.role === 'vo-manager') return caller.vo === vo;
  if (caller.role === 'publisher' && caller.site !== null) {
    // the site's latest document counts even when expired: a lapse of discovery must not stop its image sync
    return infosys.current().sites({ vo, siteName: caller.site, includeProjects: false }).length > 0;
  }
  return false;
}

/** @throws FedstackError `HUB_FORBIDDEN` when `caller` may not read `vo`'s list. */
function assertMayRead(caller: HubCaller, vo: string, infosys: InfosysService): void {
  if (mayRead(caller, vo, infosys)) return;
  throw new FedstackError(
    'HUB_FORBIDDEN',
    caller.role === 'publisher'
      ? `site ${caller.site ?? '(none)'} has no share for VO ${vo} in the information system`
      : `this token may not read the image list of VO ${vo}`,
  );
}

type EntryChange = z.output<typeof ENTRY_CHANGE_RESPONSE>;

/** `GET /v1/images/vo/{vo}/entries`, `PUT` and `DELETE /v1/images/vo/{vo}/entries/{id}`. */
function registerEntryRoutes(app: FastifyInstance, { catalogue }: ImagesPluginOptions): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.get(
    '/v1/images/vo/:vo/entries',
    {
      config: { roles: EDITORS },
      schema: {
        tags: TAGS,
        summary: 'The entries of a VO’s image list (admin, or a vo-manager token of that VO)',
        params: VO_PARAMS,
        querystring: IMAGES_NO_QUERY,
        response: { 200: ENTRIES_RESPONSE, ...IMAGES_ERROR_RESPONSES },
      },
    },
    async (request) => {
      const { vo } = request.params;
      assertMayEditRead(callerOf(request), vo);
      const entries = await catalogue.entries(vo);
      const version = await catalogue.latestVersionNumber(vo);
      return {
        vo,
        version,
        entries: entries.map((e) => ({
          id: e.id,
          image: e.image,
          updated_at: new Date(e.updatedAtMs).toISOString(),
        })),
      };
    },
  );
  routes.put(
    '/v1/images/vo/:vo/entries/:id',
    {
      config: { roles: EDITORS },
      schema: {
        tags: TAGS,
        summary:
          'Add or replace an image of a VO’s list; a change makes a new list version (admin, or a vo-manager token of that VO)',
        params: ENTRY_PARAMS,
        querystring: IMAGES_NO_QUERY,
        body: ENTRY_BODY,
        response: { 200: ENTRY_CHANGE_RESPONSE, ...IMAGES_ERROR_RESPONSES },
      },
    },
    async (request): Promise<EntryChange> => {
      const { vo, id } = request.params;
      const change = await catalogue.put(vo, id, request.body, callerOf(request));
      return { vo, id, version: change.version, changed: change.isChanged, created: change.isCreated };
    },
  );
  routes.delete(
    '/v1/images/vo/:vo/entries/:id',
    {
      config: { roles: EDITORS },
      schema: {
        tags: TAGS,
        summary: 'Remove an image from a VO’s list, making a new list version',
        params: ENTRY_PARAMS,
        querystring: IMAGES_NO_QUERY,
        response: { 200: ENTRY_CHANGE_RESPONSE, ...IMAGES_ERROR_RESPONSES },
      },
    },
    async (request): Promise<EntryChange> => {
      const { vo, id } = request.params;
      const change = await catalogue.remove(vo, id, callerOf(request));
      return { vo, id, version: change.version, changed: change.isChanged, created: false };
    },
  );
}

/** Reading the entries is editing's privilege: the list's readers get the served list instead. */
function assertMayEditRead(caller: HubCaller, vo: string): void {
  if (caller.role === 'admin' || (caller.role === 'vo-manager' && caller.vo === vo)) return;
  throw new FedstackError(
    'HUB_FORBIDDEN',
    caller.role === 'vo-manager'
      ? `this token manages the images of VO ${caller.vo ?? '(none)'}, not of ${vo}`
      : `a ${caller.role} token cannot read list entries; read /store/vo/${vo}/image.list`,
  );
}

/** Sends stored text as it is (the list JSON as the codec wrote it, the signed document as signed). */
function sendText(reply: FastifyReply, type: string, text: string): FastifyReply {
  return reply.type(type).send(text);
}

/** Signed documents by VO and version: the same version is sent as the same bytes. */
const MAX_SIGNED_CACHE = 1000;

/** `GET /store/vo/{vo}/image.list` (signed) and `GET /store/vo/{vo}/image.list.json` (unsigned). */
function registerListRoutes(app: FastifyInstance, { catalogue, infosys, signer }: ImagesPluginOptions): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const signed = new Map<string, string>();
  const currentFor = async (request: FastifyRequest<{ Params: { vo: string } }>) => {
    const { vo } = request.params;
    assertMayRead(callerOf(request), vo, infosys);
    return catalogue.current(vo);
  };
  routes.get(
    '/store/vo/:vo/image.list',
    {
      config: { roles: READERS },
      schema: {
        tags: TAGS,
        summary:
          'The VO’s image list, S/MIME signed, at AppDB’s subscription path (for vmcatcher, cloudkeeper, atrope). ' +
          'Readers: admin, consumer, the VO’s vo-manager, publishers of sites with a share for the VO.' +
          AUTH_NOTE,
        params: VO_PARAMS,
        querystring: IMAGES_NO_QUERY,
        response: {
          200: {
            description: 'The signed list',
            content: { 'text/plain': { schema: SIGNED_LIST_RESPONSE } },
          },
          ...IMAGES_ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      if (!signer) {
        throw new FedstackError(
          'HUB_IMAGE_LIST_UNSIGNED',
          'image list signing is not configured on this hub (--image-list-cert and --image-list-key); ' +
            `the unsigned list is at /store/vo/${request.params.vo}/image.list.json`,
        );
      }
      const version = await currentFor(request);
      const key = `${version.vo}\n${version.version}\n${version.listId}`;
      let text = signed.get(key);
      if (text === undefined) {
        // signed at the version's creation time, so every download of a version is the same document
        text = await signer(version.content, new Date(version.createdAtMs));
        if (signed.size >= MAX_SIGNED_CACHE) signed.clear();
        signed.set(key, text);
      }
      return sendText(reply, 'text/plain; charset=utf-8', text);
    },
  );
  routes.get(
    '/store/vo/:vo/image.list.json',
    {
      config: { roles: READERS },
      schema: {
        tags: TAGS,
        summary:
          'The VO’s current image list as unsigned JSON, for people (same readers as image.list).' +
          AUTH_NOTE,
        params: VO_PARAMS,
        querystring: IMAGES_NO_QUERY,
        response: { 200: LIST_JSON_RESPONSE, ...IMAGES_ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const version = await currentFor(request);
      return sendText(reply, 'application/json; charset=utf-8', version.content);
    },
  );
}

/** `GET /v1/images/catalogue`: the entries the caller may read, with the sites where each is present. */
function registerCatalogueView(app: FastifyInstance, { catalogue, infosys }: ImagesPluginOptions): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/images/catalogue',
    {
      config: { roles: READERS },
      schema: {
        tags: TAGS,
        summary:
          'The catalogue’s images (of the VOs the token may read) with the sites where discovery reports each one',
        querystring: CATALOGUE_QUERY,
        response: { 200: z.array(CATALOGUE_IMAGE_RESPONSE), ...IMAGES_ERROR_RESPONSES },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const { vo } = request.query;
      if (vo !== undefined) assertMayRead(caller, vo, infosys);
      const entries = (vo === undefined ? await catalogue.allEntries() : await catalogue.entries(vo)).filter(
        (e) => mayRead(caller, e.vo, infosys),
      );
      return catalogueImages(infosys.current(), entries);
    },
  );
}

/**
 * The image catalogue's routes: edits of a VO's list under `/v1/images/vo/{vo}/entries` (admin and
 * that VO's vo-manager tokens), the lists at AppDB's subscription paths `/store/vo/{vo}/image.list`
 * (signed) and `.json` (unsigned), and `/v1/images/catalogue`. Register without a prefix.
 */
export const imagesPlugin: FastifyPluginAsync<ImagesPluginOptions> = async (app, options) => {
  if (!options.catalogue || !options.infosys || !options.auth)
    throw new Error('imagesPlugin needs catalogue, infosys and auth');
  installRouteSchemas(app);
  installAuth(app, options.auth, READERS);
  markPortalReads(app, (url) => url === '/v1/images/catalogue');
  registerEntryRoutes(app, options);
  registerListRoutes(app, options);
  registerCatalogueView(app, options);
};
