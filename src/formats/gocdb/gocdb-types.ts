// The registry's model of GOCDB's records: sites, service endpoints and downtimes. Times are epoch seconds.

/** Certification statuses GOCDB knows. */
export const CERTIFICATION_STATUSES = [
  'Candidate',
  'Uncertified',
  'Certified',
  'Closed',
  'Suspended',
] as const;
export type CertificationStatus = (typeof CERTIFICATION_STATUSES)[number];

/** Production statuses (GOCDB's `PRODUCTION_INFRASTRUCTURE`). */
export const PRODUCTION_STATUSES = ['Production', 'Test'] as const;
export type ProductionStatus = (typeof PRODUCTION_STATUSES)[number];

/** Key/value properties GOCDB attaches to sites and endpoints. */
export type Extensions = Readonly<Record<string, string>>;

/** A site (GOCDB `SITE`). */
export interface RegistrySite {
  /** e.g. `12G0` in GOCDB, `12FS` for a site created in the hub. */
  readonly primaryKey: string;
  readonly shortName: string;
  readonly officialName?: string;
  readonly description?: string;
  readonly homeUrl?: string;
  readonly country?: string;
  readonly countryCode?: string;
  /** The NGI (GOCDB `ROC`). */
  readonly roc?: string;
  readonly certificationStatus: CertificationStatus;
  readonly productionStatus: ProductionStatus;
  readonly contactEmail?: string;
  readonly contactTel?: string;
  readonly csirtEmail?: string;
  /** IANA name, e.g. `Europe/Madrid`. */
  readonly timezone?: string;
  readonly extensions: Extensions;
}

/** A service endpoint (GOCDB `SERVICE_ENDPOINT`). */
export interface RegistryEndpoint {
  readonly primaryKey: string;
  /** The short name of its site. */
  readonly siteName: string;
  /** e.g. `org.openstack.nova`. */
  readonly serviceType: string;
  readonly hostname: string;
  /** For `org.openstack.nova`: the Keystone v3 URL. */
  readonly url?: string;
  readonly isMonitored: boolean;
  readonly isInProduction: boolean;
  /** The DN of the host certificate (`HOSTDN`), as accounting senders present it. */
  readonly hostDn?: string;
  readonly extensions: Extensions;
}

/** One service a downtime affects. */
export interface DowntimeService {
  /** The endpoint's key; GOCDB's flat `get_downtime` gives none (host, type and site name it). */
  readonly primaryKey?: string;
  readonly hostname: string;
  readonly serviceType: string;
  readonly siteName: string;
  readonly url?: string;
}

/** A declared downtime (GOCDB `DOWNTIME`). */
export interface RegistryDowntime {
  readonly primaryKey: string;
  readonly classification: 'SCHEDULED' | 'UNSCHEDULED';
  /** Only OUTAGE takes the services out of the availability figures; WARNING means "at risk". */
  readonly severity: 'OUTAGE' | 'WARNING';
  readonly description: string;
  /** When it was declared. */
  readonly insertDate: number;
  readonly start: number;
  readonly end: number;
  readonly services: readonly DowntimeService[];
}

/** What one GOCDB PI document holds, whichever method produced it. */
export interface GocdbDocument {
  readonly sites: readonly RegistrySite[];
  readonly endpoints: readonly RegistryEndpoint[];
  readonly downtimes: readonly RegistryDowntime[];
  readonly serviceTypes: readonly { readonly name: string; readonly description: string }[];
  /** The `meta` link of the next page of a paged answer, when there is one. */
  readonly nextPage?: string;
}

/** The service types of a federated cloud, with what each one is. */
export const CLOUD_SERVICE_TYPES: Readonly<Record<string, string>> = {
  'org.openstack.nova': 'OpenStack compute; the URL is the Keystone v3 endpoint',
  'org.openstack.swift': 'OpenStack object storage',
  'eu.egi.cloud.accounting':
    'a host that sends the site’s accounting (its HOSTDN is the sender’s certificate)',
  'eu.egi.cloud.vm-metadata.marketplace': 'the site’s image synchronisation from the VO image lists',
  'eu.egi.cloud.infoProvider': 'the site’s publication of its resources to the information system',
  'eu.egi.cloud.vm-metadata.vmcatcher': 'image list subscription (legacy)',
};
