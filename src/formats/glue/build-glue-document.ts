// Turns a SiteSnapshot into the GLUE 2.1 JSON document that cloud-info-api and its clients read.
import { dropUndefined } from './drop-undefined.js';
import { summarizeEndpointHealth } from './endpoint-health.js';
import { glueAccessPolicyId, glueEndpointId, glueManagerId, glueServiceId } from './glue-ids.js';
import { normalizeGluePlatform } from './glue-platform.js';
import { buildShareEntities, minMax, type ShareContext } from './share-entities.js';
import type { SiteSnapshot } from './site-snapshot.js';
import type {
  GlueCloudComputingEndpoint,
  GlueCloudComputingManager,
  GlueCloudComputingService,
  GlueDocument,
} from './types.js';
import { addVmCounts, countVms, type VmCounts } from './vm-counts.js';

/** Validity cloud-info-provider 1.x gives its documents: 12 hours. */
export const DEFAULT_GLUE_VALIDITY_SECONDS = 43_200;

/** Version of Fedstack's GLUE rendering, published in the service's OtherInfo. */
export const GLUE_SCHEMA_VERSION = 'fedstack-glue21/1';

/** Options of {@link buildGlueDocument}. */
export interface BuildGlueOptions {
  /** Creation time of every entity. */
  readonly now: Date;
  /** Seconds the document stays valid; default {@link DEFAULT_GLUE_VALIDITY_SECONDS}. */
  readonly validitySeconds?: number;
}

function sitePlatform(snapshot: SiteSnapshot): string | undefined {
  const platforms = new Set<string>();
  for (const share of snapshot.shares) {
    for (const image of share.images) {
      const p = normalizeGluePlatform(image.architecture);
      if (p) platforms.add(p);
    }
  }
  return platforms.size === 1 ? [...platforms][0] : undefined;
}

function buildService(
  snapshot: SiteSnapshot,
  id: string,
  vms: VmCounts,
  ctx: ShareContext,
): GlueCloudComputingService {
  return {
    ID: id,
    Name: `Cloud Compute service at ${snapshot.siteName}`,
    CreationTime: ctx.creationTime,
    Validity: ctx.validity,
    OtherInfo: dropUndefined({
      gocdb_id: snapshot.gocdbId,
      site_name: snapshot.siteName,
      region: snapshot.region,
      schema_version: GLUE_SCHEMA_VERSION,
    }),
    Associations: { AdminDomain: [snapshot.siteName] },
    Type: 'org.cloud.iaas',
    QualityLevel: 'production',
    StatusInfo: `https://argo.egi.eu/egi/report-status/Critical/SITES/${snapshot.siteName}`,
    ServiceAUP: 'http://go.egi.eu/aup',
    Complexity: `endpointType=1,share=${snapshot.shares.length}`,
    Capability: ['executionmanagement.dynamicvmdeploy', 'security.accounting'],
    TotalVM: vms.total,
    RunningVM: vms.running,
    SuspendedVM: vms.suspended,
    HaltedVM: vms.halted,
  };
}

function buildManager(snapshot: SiteSnapshot, id: string, ctx: ShareContext): GlueCloudComputingManager {
  // Real min/max over the flavors of every share; cip 1.x kept the last share's
  // maximum and always wrote a minimum of 0 (reference/discovery.md §4).
  const flavors = snapshot.shares.flatMap((s) => s.flavors);
  const cpu = minMax(flavors.map((f) => f.vcpus));
  const ram = minMax(flavors.map((f) => f.ramMb));
  return dropUndefined({
    ID: id,
    Name: `Cloud Compute manager at ${snapshot.siteName}`,
    CreationTime: ctx.creationTime,
    Validity: ctx.validity,
    Associations: { CloudComputingService: [ctx.serviceId] },
    ProductName: 'OpenStack',
    ProductVersion: snapshot.versions.product,
    InstanceMaxCPU: cpu?.max,
    InstanceMinCPU: cpu?.min,
    InstanceMaxRAM: ram?.max,
    InstanceMinRAM: ram?.min,
  });
}

function buildEndpoint(snapshot: SiteSnapshot, ctx: ShareContext): GlueCloudComputingEndpoint {
  const health = summarizeEndpointHealth(snapshot.shares);
  const otherInfo = dropUndefined({
    compute_max_microversion: snapshot.versions.computeMaxMicroversion,
    region: snapshot.region,
  });
  return dropUndefined({
    ID: ctx.endpointId,
    Name: `Cloud computing endpoint for ${ctx.endpointId}`,
    CreationTime: ctx.creationTime,
    Validity: ctx.validity,
    OtherInfo: Object.keys(otherInfo).length > 0 ? otherInfo : undefined,
    Associations: { CloudComputingService: [ctx.serviceId] },
    URL: snapshot.endpointUrl,
    Capability: ['executionmanagement.dynamicvmdeploy'],
    QualityLevel: 'production',
    InterfaceName: 'org.openstack.nova',
    InterfaceVersion: snapshot.versions.computeApi,
    HealthState: health.state,
    HealthStateInfo: health.info,
    ServingState: 'production',
    Technology: 'webservice',
    Implementor: 'OpenStack Foundation',
    ImplementationName: 'OpenStack Nova',
    // cip 1.x put the maximum microversion here; it goes to OtherInfo instead.
    ImplementationVersion: snapshot.versions.product,
    DowntimeInfo: `https://goc.egi.eu/portal/index.php?Page_Type=Downtimes_Calendar&site=${snapshot.siteName}`,
    Semantics: 'https://docs.openstack.org/api-ref/compute',
    Authentication: snapshot.authMethod,
    IssuerCA: snapshot.issuerCa,
    TrustedCA: snapshot.trustedCas === undefined ? undefined : [...snapshot.trustedCas],
  });
}

/**
 * Renders a site snapshot as a GLUE 2.1 JSON document in the shape cloud-info-provider
 * 1.x writes (class-keyed lists, `Share`, `Associations` by class name), with its known
 * bugs fixed: real min/max over all shares, accelerator Memory/VirtualizationType/Type
 * published, platform taken from flavor or image architecture, ERROR servers not
 * counted as running, and a health state with error text per share.
 *
 * Pure: the caller passes the creation time.
 * @example buildGlueDocument(snapshot, { now: new Date(), validitySeconds: 3600 })
 */
export function buildGlueDocument(snapshot: SiteSnapshot, options: BuildGlueOptions): GlueDocument {
  const endpointUrl = snapshot.endpointUrl;
  const endpointId = glueEndpointId(endpointUrl);
  const ctx: ShareContext = {
    creationTime: options.now.toISOString(),
    validity: options.validitySeconds ?? DEFAULT_GLUE_VALIDITY_SECONDS,
    serviceId: glueServiceId(endpointUrl),
    managerId: glueManagerId(endpointUrl),
    endpointId,
    defaultPlatform: sitePlatform(snapshot),
  };
  const vms = snapshot.shares
    .map((s) => countVms(s.serversByStatus))
    .reduce(addVmCounts, { total: 0, running: 0, suspended: 0, halted: 0, failed: 0 });
  const entities = buildShareEntities(snapshot.shares, ctx);
  const vos = [...new Set(snapshot.shares.map((s) => s.vo))];
  return {
    CloudComputingService: [buildService(snapshot, ctx.serviceId, vms, ctx)],
    CloudComputingManager: [buildManager(snapshot, ctx.managerId, ctx)],
    CloudComputingEndpoint: [buildEndpoint(snapshot, ctx)],
    Share: entities.shares,
    CloudComputingImage: entities.images,
    CloudComputingInstanceType: entities.instanceTypes,
    CloudComputingVirtualAccelerator: entities.accelerators,
    MappingPolicy: entities.mappingPolicies,
    AccessPolicy: [
      {
        ID: glueAccessPolicyId(endpointId),
        CreationTime: ctx.creationTime,
        Validity: ctx.validity,
        Associations: { CloudComputingEndpoint: [endpointId] },
        Scheme: 'org.glite.standard',
        Rule: vos.map((vo) => `VO:${vo}`),
      },
    ],
  };
}
