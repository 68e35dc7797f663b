// Renders a GLUE 2.1 JSON document as LDIF in the layout of the BDII-era cloud-info-provider (0.x).
import { ldifLine, rdn } from './ldif-encoding.js';
import type { GlueClassName, GlueDocument, GlueEntity } from './types.js';

interface LdapClass {
  /** The GLUE 2 base class whose ID attribute names the entry (Service, Endpoint, Resource, ...). */
  readonly base: string;
  /** Object classes after GLUE2Entity. */
  readonly objectClasses: readonly string[];
  /** Attributes defined on the base class; the others take the cloud class prefix. */
  readonly baseFields: readonly string[];
  /** Foreign-key attribute names that differ from `GLUE2<class><associated class>ForeignKey`. */
  readonly foreignKeys?: Readonly<Record<string, string>>;
}

const LDAP_CLASSES: Readonly<Record<GlueClassName, LdapClass>> = {
  CloudComputingService: {
    base: 'Service',
    objectClasses: ['GLUE2Service', 'GLUE2CloudComputingService'],
    baseFields: ['Type', 'QualityLevel', 'StatusInfo', 'Complexity', 'Capability'],
    foreignKeys: { AdminDomain: 'GLUE2ServiceAdminDomainForeignKey' },
  },
  CloudComputingManager: {
    base: 'Manager',
    objectClasses: ['GLUE2Manager', 'GLUE2CloudComputingManager'],
    baseFields: ['ProductName', 'ProductVersion'],
    foreignKeys: { CloudComputingService: 'GLUE2ManagerServiceForeignKey' },
  },
  CloudComputingEndpoint: {
    base: 'Endpoint',
    objectClasses: ['GLUE2Endpoint', 'GLUE2CloudComputingEndpoint'],
    baseFields: [
      'URL',
      'Capability',
      'Technology',
      'InterfaceName',
      'InterfaceVersion',
      'QualityLevel',
      'HealthState',
      'HealthStateInfo',
      'ServingState',
      'Implementor',
      'ImplementationName',
      'ImplementationVersion',
      'DowntimeInfo',
      'Semantics',
      'IssuerCA',
      'TrustedCA',
    ],
    foreignKeys: { CloudComputingService: 'GLUE2EndpointServiceForeignKey' },
  },
  Share: {
    base: 'Share',
    objectClasses: ['GLUE2Share', 'GLUE2CloudComputingShare'],
    baseFields: [],
    foreignKeys: {
      CloudComputingService: 'GLUE2ShareServiceForeignKey',
      CloudComputingEndpoint: 'GLUE2ShareEndpointForeignKey',
    },
  },
  CloudComputingImage: {
    base: 'CloudComputingImage',
    objectClasses: ['GLUE2CloudComputingImage'],
    baseFields: [],
  },
  CloudComputingInstanceType: {
    base: 'Resource',
    objectClasses: ['GLUE2Resource', 'GLUE2CloudComputingInstanceType'],
    baseFields: [],
    foreignKeys: { CloudComputingManager: 'GLUE2ResourceManagerForeignKey' },
  },
  CloudComputingVirtualAccelerator: {
    base: 'Resource',
    objectClasses: ['GLUE2Resource', 'GLUE2CloudComputingVirtualAccelerator'],
    baseFields: [],
  },
  MappingPolicy: {
    base: 'Policy',
    objectClasses: ['GLUE2Policy', 'GLUE2MappingPolicy'],
    baseFields: ['Scheme', 'Rule'],
    foreignKeys: {
      Share: 'GLUE2MappingPolicyShareForeignKey',
      PolicyUserDomain: 'GLUE2PolicyUserDomainForeignKey',
    },
  },
  AccessPolicy: {
    base: 'Policy',
    objectClasses: ['GLUE2Policy', 'GLUE2AccessPolicy'],
    baseFields: ['Scheme', 'Rule'],
    foreignKeys: { CloudComputingEndpoint: 'GLUE2AccessPolicyEndpointForeignKey' },
  },
};

const ENTITY_FIELDS = new Set(['ID', 'Name', 'CreationTime', 'Validity', 'OtherInfo', 'Associations']);

// The old template wrote MarketPlaceURL with a capital P in LDAP.
const ATTRIBUTE_RENAMES: Readonly<Record<string, string>> = { MarketplaceURL: 'MarketPlaceURL' };

/** `table[key]` when the table itself holds it: a field named `toString` is not a rename. */
function ownValue(table: Readonly<Record<string, string>> | undefined, key: string): string | undefined {
  return table !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}

function otherInfoLines(info: Record<string, unknown>): string[] {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(info)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) lines.push(`${key}.${k}=${scalar(v)}`);
    } else {
      lines.push(`${key}=${scalar(value)}`);
    }
  }
  return lines;
}

function scalar(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function entryLines(className: GlueClassName, entity: GlueEntity, dn: string): string[] {
  const ldap = LDAP_CLASSES[className];
  const lines = [
    ldifLine('dn', dn),
    'objectClass: GLUE2Entity',
    ...ldap.objectClasses.map((c) => `objectClass: ${c}`),
  ];
  lines.push(ldifLine(`GLUE2${ldap.base}ID`, entity.ID));
  if (entity.Name !== undefined) lines.push(ldifLine('GLUE2EntityName', entity.Name));
  lines.push(ldifLine('GLUE2EntityCreationTime', entity.CreationTime));
  lines.push(ldifLine('GLUE2EntityValidity', String(entity.Validity)));
  for (const info of otherInfoLines(entity.OtherInfo ?? {}))
    lines.push(ldifLine('GLUE2EntityOtherInfo', info));
  for (const [field, value] of Object.entries(entity)) {
    if (ENTITY_FIELDS.has(field) || value === undefined) continue;
    const prefix = ldap.baseFields.includes(field) ? ldap.base : className;
    const name = `GLUE2${prefix}${ownValue(ATTRIBUTE_RENAMES, field) ?? field}`;
    for (const v of Array.isArray(value) ? value : [value]) lines.push(ldifLine(name, scalar(v)));
  }
  for (const [assoc, ids] of Object.entries(entity.Associations ?? {})) {
    const name = ownValue(ldap.foreignKeys, assoc) ?? `GLUE2${className}${assoc}ForeignKey`;
    for (const id of ids) lines.push(ldifLine(name, id));
  }
  return lines;
}

/**
 * Renders a GLUE 2.1 document as LDIF (RFC 2849) for BDII-era consumers, in the tree
 * the 0.x `compute.glue21` template used: Service under
 * `GLUE2GroupID=resource,GLUE2GroupID=cloud,GLUE2DomainID=<site>,GLUE2GroupID=grid,o=glue`;
 * Manager, Endpoint and Shares under the Service; images, instance types,
 * accelerators and the MappingPolicy under their Share; the AccessPolicy under the
 * Endpoint. An image or flavor in several shares gets an entry under each.
 * Attributes are named `GLUE2<Class><Attribute>`, extra data goes in
 * `GLUE2EntityOtherInfo: key=value` lines. Group entries of the tree are not emitted.
 * @example renderLdif(buildGlueDocument(snapshot, { now }))
 */
export function renderLdif(doc: GlueDocument): string {
  const service = doc.CloudComputingService[0]!;
  const site = service.Associations?.AdminDomain?.[0] ?? 'UNKNOWN';
  const suffix = `GLUE2GroupID=cloud,${rdn('GLUE2DomainID', site)},GLUE2GroupID=grid,o=glue`;
  const serviceDn = `${rdn('GLUE2ServiceID', service.ID)},GLUE2GroupID=resource,${suffix}`;
  const entries: string[][] = [entryLines('CloudComputingService', service, serviceDn)];
  const under = (parent: string, base: string, id: string): string =>
    `${rdn(`GLUE2${base}ID`, id)},${parent}`;
  for (const m of doc.CloudComputingManager)
    entries.push(entryLines('CloudComputingManager', m, under(serviceDn, 'Manager', m.ID)));
  const endpointDns = new Map<string, string>();
  for (const e of doc.CloudComputingEndpoint) {
    const dn = under(serviceDn, 'Endpoint', e.ID);
    endpointDns.set(e.ID, dn);
    entries.push(entryLines('CloudComputingEndpoint', e, dn));
  }
  for (const p of doc.AccessPolicy) {
    const parent = endpointDns.get(p.Associations?.CloudComputingEndpoint?.[0] ?? '') ?? serviceDn;
    entries.push(entryLines('AccessPolicy', p, under(parent, 'Policy', p.ID)));
  }
  const inShare = (e: GlueEntity, shareId: string): boolean =>
    e.Associations?.Share?.includes(shareId) ?? false;
  for (const share of doc.Share) {
    const shareDn = under(serviceDn, 'Share', share.ID);
    entries.push(entryLines('Share', share, shareDn));
    for (const p of doc.MappingPolicy.filter((x) => inShare(x, share.ID))) {
      entries.push(entryLines('MappingPolicy', p, under(shareDn, 'Policy', p.ID)));
    }
    for (const i of doc.CloudComputingImage.filter((x) => inShare(x, share.ID))) {
      entries.push(entryLines('CloudComputingImage', i, under(shareDn, 'CloudComputingImage', i.ID)));
    }
    for (const t of doc.CloudComputingInstanceType.filter((x) => inShare(x, share.ID))) {
      entries.push(entryLines('CloudComputingInstanceType', t, under(shareDn, 'Resource', t.ID)));
      const accIds = t.Associations?.CloudComputingVirtualAccelerator ?? [];
      for (const a of doc.CloudComputingVirtualAccelerator.filter((x) => accIds.includes(x.ID))) {
        entries.push(entryLines('CloudComputingVirtualAccelerator', a, under(shareDn, 'Resource', a.ID)));
      }
    }
  }
  return entries.map((lines) => lines.join('\n') + '\n').join('\n');
}
