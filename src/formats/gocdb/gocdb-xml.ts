// GOCDB programmatic-interface XML (PI v1) read into the registry model and written from it, with
// GOCDB's element names, so GOCDB clients read the hub's registry and the hub imports GOCDB exports.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { FormatError } from '../../errors.js';
import {
  CERTIFICATION_STATUSES,
  PRODUCTION_STATUSES,
  type CertificationStatus,
  type DowntimeService,
  type Extensions,
  type GocdbDocument,
  type ProductionStatus,
  type RegistryDowntime,
  type RegistryEndpoint,
  type RegistrySite,
} from './gocdb-types.js';

type XmlNode = Record<string, unknown>;

const ARRAYS = new Set([
  'results.SITE',
  'results.SERVICE_ENDPOINT',
  'results.SERVICE',
  'results.DOWNTIME',
  'results.SERVICE_TYPE',
  'results.meta.link',
  'results.SERVICE_ENDPOINT.ENDPOINTS.ENDPOINT',
  'results.SERVICE.ENDPOINTS.ENDPOINT',
  'results.DOWNTIME.SERVICES.SERVICE',
]);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  // every EXTENSIONS list, wherever it sits, is a list
  isArray: (name, jpath) => ARRAYS.has(String(jpath)) || name === 'EXTENSION' || name === 'SCOPE',
});

/** Reads one field of a record: a child element, else an attribute of the same name. */
function field(node: XmlNode, name: string): string | undefined {
  const value = node[name] ?? node[`@${name}`];
  if (typeof value === 'string') return value.trim() || undefined;
  // an element with attributes and text (`<X ID="1">text</X>`)
  if (value && typeof value === 'object' && '#text' in value)
    return String((value as XmlNode)['#text']).trim();
  return undefined;
}

interface Where {
  readonly file: string;
  readonly element: string;
  readonly index: number;
}

function fail(where: Where, name: string, expected: string, found?: string): never {
  throw new FormatError(
    'GOCDB_XML_INVALID',
    { file: `${where.file} ${where.element}`, recordIndex: where.index, field: name },
    expected,
    found,
  );
}

function required(node: XmlNode, name: string, where: Where): string {
  return field(node, name) ?? fail(where, name, 'a non-empty value');
}

// GOCDB writes Y or N; a missing flag is read as Y, the default GOCDB gives new endpoints.
function flag(node: XmlNode, name: string, where: Where): boolean {
  const value = field(node, name);
  if (value === undefined) return true;
  if (/^y(es)?$/i.test(value)) return true;
  if (/^no?$/i.test(value)) return false;
  return fail(where, name, 'Y or N', value);
}

function extensionsOf(node: XmlNode): Extensions {
  const list = (node.EXTENSIONS as XmlNode | undefined)?.EXTENSION as XmlNode[] | undefined;
  const out: Record<string, string> = {};
  for (const e of list ?? []) {
    const key = field(e, 'KEY');
    if (key) out[key] = field(e, 'VALUE') ?? '';
  }
  return out;
}

function oneOf<T extends string>(
  allowed: readonly T[],
  value: string | undefined,
  fallback: T,
  where: Where,
  name: string,
): T {
  if (value === undefined) return fallback;
  const match = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
  return match ?? fail(where, name, `one of ${allowed.join(', ')}`, value);
}

function readSite(node: XmlNode, where: Where): RegistrySite {
  // get_site_list writes NAME (attribute), get_site SHORT_NAME (element)
  const shortName =
    field(node, 'SHORT_NAME') ?? field(node, 'NAME') ?? fail(where, 'SHORT_NAME', 'a site name');
  const optional = {
    officialName: field(node, 'OFFICIAL_NAME'),
    description: field(node, 'SITE_DESCRIPTION'),
    homeUrl: field(node, 'HOME_URL'),
    country: field(node, 'COUNTRY'),
    countryCode: field(node, 'COUNTRY_CODE'),
    roc: field(node, 'ROC'),
    contactEmail: field(node, 'CONTACT_EMAIL'),
    contactTel: field(node, 'CONTACT_TEL'),
    csirtEmail: field(node, 'CSIRT_EMAIL'),
    timezone: field(node, 'TIMEZONE'),
  };
  return {
    primaryKey: field(node, 'PRIMARY_KEY') ?? fail(where, 'PRIMARY_KEY', 'the site’s primary key'),
    shortName,
    ...dropUndefined(optional),
    // get_site_list carries neither status: a listed site is read as a certified production one
    certificationStatus: oneOf<CertificationStatus>(
      CERTIFICATION_STATUSES,
      field(node, 'CERTIFICATION_STATUS'),
      'Certified',
      where,
      'CERTIFICATION_STATUS',
    ),
    productionStatus: oneOf<ProductionStatus>(
      PRODUCTION_STATUSES,
      field(node, 'PRODUCTION_INFRASTRUCTURE'),
      'Production',
      where,
      'PRODUCTION_INFRASTRUCTURE',
    ),
    extensions: extensionsOf(node),
  };
}

function dropUndefined<T extends Record<string, unknown>>(
  o: T,
): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

function hostOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).hostname || undefined;
  } catch {
    return undefined;
  }
}

function readEndpoint(node: XmlNode, where: Where): RegistryEndpoint {
  const url = field(node, 'URL');
  return {
    primaryKey: required(node, 'PRIMARY_KEY', where),
    siteName: required(node, 'SITENAME', where),
    serviceType: required(node, 'SERVICE_TYPE', where),
    // GOCDB requires a host name; older exports of URL-only services are read with the URL's host
    hostname: field(node, 'HOSTNAME') ?? hostOf(url) ?? fail(where, 'HOSTNAME', 'a host name'),
    ...(url ? { url } : {}),
    isMonitored: flag(node, 'NODE_MONITORED', where),
    isInProduction: flag(node, 'IN_PRODUCTION', where),
    ...(field(node, 'HOSTDN') ? { hostDn: field(node, 'HOSTDN')! } : {}),
    extensions: extensionsOf(node),
  };
}

function epochOf(node: XmlNode, name: string, where: Where): number {
  const raw = field(node, name);
  if (raw !== undefined && /^\d+$/.test(raw)) return Number(raw);
  // FORMATED_*: `YYYY-MM-DD HH:MM`, UTC; used when the epoch field is missing or not a number
  const formatted = field(node, `FORMATED_${name}`);
  const m = formatted?.match(/^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})$/);
  if (m) return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!) / 1000;
  return fail(where, name, 'epoch seconds (or FORMATED_' + name + ' as YYYY-MM-DD HH:MM)', raw ?? formatted);
}

function readDowntimeService(node: XmlNode, where: Where): DowntimeService {
  const url = field(node, 'URL');
  const primaryKey = field(node, 'PRIMARY_KEY');
  return {
    ...(primaryKey ? { primaryKey } : {}),
    hostname: required(node, 'HOSTNAME', where),
    serviceType: required(node, 'SERVICE_TYPE', where),
    siteName: required(node, 'HOSTED_BY', where),
    ...(url ? { url } : {}),
  };
}

/** One DOWNTIME element; a flat one (get_downtime) names its one service in its own fields. */
function readDowntime(node: XmlNode, where: Where): RegistryDowntime {
  const start = epochOf(node, 'START_DATE', where);
  const end = epochOf(node, 'END_DATE', where);
  if (end < start) fail(where, 'END_DATE', `an end after the start (${start})`, String(end));
  const nested = (node.SERVICES as XmlNode | undefined)?.SERVICE as XmlNode[] | undefined;
  const services = nested
    ? nested.map((s, i) => readDowntimeService(s, { ...where, element: `${where.element} SERVICE ${i}` }))
    : // a flat DOWNTIME names its service by host, type and site, not by key
      [readDowntimeService({ ...node, PRIMARY_KEY: undefined }, where)];
  return {
    primaryKey: required(node, 'PRIMARY_KEY', where),
    classification: oneOf(
      ['SCHEDULED', 'UNSCHEDULED'],
      field(node, 'CLASSIFICATION'),
      'SCHEDULED',
      where,
      'CLASSIFICATION',
    ),
    severity: oneOf(['OUTAGE', 'WARNING'], field(node, 'SEVERITY'), 'OUTAGE', where, 'SEVERITY'),
    description: field(node, 'DESCRIPTION') ?? '',
    insertDate:
      field(node, 'INSERT_DATE') && /^\d+$/.test(field(node, 'INSERT_DATE')!)
        ? Number(field(node, 'INSERT_DATE'))
        : start,
    start,
    end,
    services,
  };
}

/** The services of a flat downtime, which GOCDB names by host and type but not by key. */
function mergeDowntimes(downtimes: readonly RegistryDowntime[]): RegistryDowntime[] {
  const byKey = new Map<string, RegistryDowntime>();
  for (const d of downtimes) {
    const seen = byKey.get(d.primaryKey);
    byKey.set(d.primaryKey, seen ? { ...seen, services: [...seen.services, ...d.services] } : d);
  }
  return [...byKey.values()];
}

/**
 * Reads a GOCDB PI answer (`get_site`, `get_site_list`, `get_service_endpoint`/`get_service`,
 * `get_downtime`, `get_downtime_nested_services`, `get_service_types`, or a file holding several
 * of their records under one `<results>`). Unknown elements are ignored, as GOCDB adds fields.
 * @param source names the file or URL in errors.
 * @throws FormatError `GOCDB_XML_INVALID` naming the source, the record (element and index) and the field.
 */
export function parseGocdbXml(xml: string, source: string): GocdbDocument {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new FormatError(
      'GOCDB_XML_INVALID',
      { file: source },
      'well-formed XML',
      `${valid.err.msg} at line ${valid.err.line}`,
    );
  }
  const root = (parser.parse(xml) as { results?: XmlNode | string }).results;
  if (root === undefined)
    throw new FormatError('GOCDB_XML_INVALID', { file: source }, 'a <results> root element');
  const results: XmlNode = typeof root === 'string' ? {} : root;
  const each = <T>(name: string, read: (node: XmlNode, where: Where) => T): T[] =>
    ((results[name] as XmlNode[] | undefined) ?? []).map((n, index) =>
      read(n, { file: source, element: name, index }),
    );
  // a nested SERVICE list outside DOWNTIME is get_service's other name for SERVICE_ENDPOINT
  const endpoints = [...each('SERVICE_ENDPOINT', readEndpoint), ...each('SERVICE', readEndpoint)];
  const links = ((results.meta as XmlNode | undefined)?.link as XmlNode[] | undefined) ?? [];
  const next = links.find((l) => field(l, 'rel') === 'next');
  return {
    sites: each('SITE', readSite),
    endpoints,
    downtimes: mergeDowntimes(each('DOWNTIME', readDowntime)),
    serviceTypes: each('SERVICE_TYPE', (n, where) => ({
      name: required(n, 'SERVICE_TYPE_NAME', where),
      description: field(n, 'SERVICE_TYPE_DESC') ?? '',
    })),
    ...(next && field(next, 'href') ? { nextPage: field(next, 'href')! } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Writing

function escape(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function element(name: string, value: string | undefined): string {
  return value === undefined || value === '' ? `<${name}/>` : `<${name}>${escape(value)}</${name}>`;
}

function attributes(attrs: Readonly<Record<string, string | undefined>>): string {
  return Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${escape(v ?? '')}"`)
    .join('');
}

const yn = (b: boolean) => (b ? 'Y' : 'N');

function extensionsXml(extensions: Extensions): string {
  const entries = Object.entries(extensions);
  if (entries.length === 0) return '<EXTENSIONS/>';
  const items = entries.map(
    ([key, value], i) =>
      `<EXTENSION>${element('LOCAL_ID', String(i + 1))}${element('KEY', key)}${element('VALUE', value)}</EXTENSION>`,
  );
  return `<EXTENSIONS>${items.join('')}</EXTENSIONS>`;
}

/** The paging block of a paged answer: GOCDB's `meta` with self, next and start links. */
export interface PageMeta {
  readonly self: string;
  readonly start: string;
  /** Absent on the last page. */
  readonly next?: string;
  readonly count: number;
  readonly maxPageSize: number;
}

function metaXml(meta: PageMeta | undefined): string {
  if (!meta) return '';
  const link = (rel: string, href: string) => `<link${attributes({ rel, href })}/>`;
  return (
    '<meta>' +
    link('self', meta.self) +
    (meta.next ? link('next', meta.next) : '') +
    link('start', meta.start) +
    element('count', String(meta.count)) +
    element('max_page_size', String(meta.maxPageSize)) +
    '</meta>'
  );
}

function document(body: readonly string[], meta?: PageMeta): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<results>${metaXml(meta)}\n${body.map((b) => b + '\n').join('')}</results>\n`;
}

/** `get_site_list`: one empty SITE element per site, its fields as attributes. */
export function siteListXml(sites: readonly RegistrySite[]): string {
  return document(
    sites.map(
      (s) =>
        `<SITE${attributes({
          ID: s.primaryKey.replace(/\D+$/, ''),
          PRIMARY_KEY: s.primaryKey,
          NAME: s.shortName,
          COUNTRY: s.country,
          COUNTRY_CODE: s.countryCode,
          ROC: s.roc,
          SUBGRID: '',
          GIIS_URL: '',
        })}/>`,
    ),
  );
}

/** `get_site`: each site's fields as elements (contacts only when `withContacts`, GOCDB's protected level). */
export function siteXml(sites: readonly RegistrySite[], options: { withContacts: boolean }): string {
  return document(
    sites.map((s) => {
      const contacts = options.withContacts
        ? element('CONTACT_EMAIL', s.contactEmail) +
          element('CONTACT_TEL', s.contactTel) +
          element('CSIRT_EMAIL', s.csirtEmail)
        : '';
      return (
        `<SITE${attributes({ ID: s.primaryKey.replace(/\D+$/, ''), PRIMARY_KEY: s.primaryKey, NAME: s.shortName })}>` +
        element('PRIMARY_KEY', s.primaryKey) +
        element('SHORT_NAME', s.shortName) +
        element('OFFICIAL_NAME', s.officialName) +
        element('SITE_DESCRIPTION', s.description) +
        element('HOME_URL', s.homeUrl) +
        contacts +
        element('COUNTRY', s.country) +
        element('COUNTRY_CODE', s.countryCode) +
        element('ROC', s.roc) +
        element('PRODUCTION_INFRASTRUCTURE', s.productionStatus) +
        element('CERTIFICATION_STATUS', s.certificationStatus) +
        element('TIMEZONE', s.timezone) +
        extensionsXml(s.extensions) +
        '</SITE>'
      );
    }),
  );
}

/** `get_service_endpoint`: the endpoints with their site's country and NGI. */
export function serviceEndpointsXml(
  endpoints: readonly RegistryEndpoint[],
  siteOf: (name: string) => RegistrySite | undefined,
  meta?: PageMeta,
): string {
  return document(
    endpoints.map((e) => {
      const site = siteOf(e.siteName);
      return (
        `<SERVICE_ENDPOINT${attributes({ PRIMARY_KEY: e.primaryKey })}>` +
        element('PRIMARY_KEY', e.primaryKey) +
        element('HOSTNAME', e.hostname) +
        element('HOSTDN', e.hostDn) +
        element('BETA', 'N') +
        element('SERVICE_TYPE', e.serviceType) +
        element('CORE', undefined) +
        element('IN_PRODUCTION', yn(e.isInProduction)) +
        element('NODE_MONITORED', yn(e.isMonitored)) +
        element('NOTIFICATIONS', 'Y') +
        element('SITENAME', e.siteName) +
        element('COUNTRY_NAME', site?.country) +
        element('COUNTRY_CODE', site?.countryCode) +
        element('ROC_NAME', site?.roc) +
        element('URL', e.url) +
        '<ENDPOINTS/>' +
        extensionsXml(e.extensions) +
        '</SERVICE_ENDPOINT>'
      );
    }),
    meta,
  );
}

function formatted(epoch: number): string {
  return new Date(epoch * 1000).toISOString().slice(0, 16).replace('T', ' ');
}

function downtimeFields(d: RegistryDowntime): string {
  return (
    element('SEVERITY', d.severity) +
    element('DESCRIPTION', d.description) +
    element('INSERT_DATE', String(d.insertDate)) +
    element('START_DATE', String(d.start)) +
    element('END_DATE', String(d.end)) +
    element('FORMATED_START_DATE', formatted(d.start)) +
    element('FORMATED_END_DATE', formatted(d.end))
  );
}

function serviceFields(s: DowntimeService): string {
  return (
    element('HOSTNAME', s.hostname) +
    element('SERVICE_TYPE', s.serviceType) +
    element('ENDPOINT', `${s.hostname}${s.serviceType}`) +
    element('HOSTED_BY', s.siteName) +
    element('URL', s.url)
  );
}

/**
 * `get_downtime` (one DOWNTIME element per affected service, as GOCDB writes it) or, `nested`,
 * `get_downtime_nested_services` (one per downtime, its services inside).
 */
export function downtimesXml(
  downtimes: readonly RegistryDowntime[],
  nested: boolean,
  meta?: PageMeta,
): string {
  const head = (d: RegistryDowntime) =>
    `<DOWNTIME${attributes({ ID: d.primaryKey.replace(/\D+$/, ''), PRIMARY_KEY: d.primaryKey, CLASSIFICATION: d.classification })}>`;
  const body = nested
    ? downtimes.map(
        (d) =>
          head(d) +
          element('PRIMARY_KEY', d.primaryKey) +
          downtimeFields(d) +
          '<SERVICES>' +
          d.services
            .map((s) => `<SERVICE>${element('PRIMARY_KEY', s.primaryKey)}${serviceFields(s)}</SERVICE>`)
            .join('') +
          '</SERVICES></DOWNTIME>',
      )
    : downtimes.flatMap((d) =>
        d.services.map(
          (s) =>
            head(d) +
            element('PRIMARY_KEY', d.primaryKey) +
            serviceFields(s) +
            downtimeFields(d) +
            '</DOWNTIME>',
        ),
      );
  return document(body, meta);
}

/** `get_service_types`. */
export function serviceTypesXml(types: Readonly<Record<string, string>>): string {
  return document(
    Object.entries(types).map(
      ([name, description], i) =>
        `<SERVICE_TYPE${attributes({ TYPE_ID: String(i + 1) })}>${element('SERVICE_TYPE_NAME', name)}${element('SERVICE_TYPE_DESC', description)}</SERVICE_TYPE>`,
    ),
  );
}
