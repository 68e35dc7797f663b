// SiteSnapshot: what discovery learned about one OpenStack site, before it becomes GLUE 2.1.

/** Health of one share (VO project) or of the whole endpoint, in GLUE's EndpointHealthState_t words. */
export type HealthState = 'ok' | 'warning' | 'critical' | 'unknown';

/** An accelerator a flavor asks for, from the `Accelerator:*` extra specs of the EGI GPU-flavor convention. */
export interface SnapshotAccelerator {
  /** GPU, MIC, FPGA, TPU or NPU; `GPU` when the flavor does not say. */
  readonly type: string;
  /** Number of devices; may be fractional for a shared GPU (0.5). */
  readonly number: number;
  readonly vendor?: string;
  readonly model?: string;
  readonly version?: string;
  /** Device memory in MiB (the flavor key `Accelerator:Memory` is in GiB). */
  readonly memoryMb?: number;
  /** e.g. `pci-passthrough`, `vgpu`, `mig`. */
  readonly virtualizationType?: string;
}

/** A benchmark figure attached to a flavor (`accounting:benchmark_type` / `_value`). */
export interface SnapshotBenchmark {
  readonly type: string;
  readonly value: number;
}

/** A Nova flavor as one project sees it. */
export interface SnapshotFlavor {
  readonly id: string;
  readonly name: string;
  readonly vcpus: number;
  readonly ramMb: number;
  readonly diskGb: number;
  readonly ephemeralGb?: number;
  /** False for private flavors the project was given access to. */
  readonly isPublic: boolean;
  /** Every extra spec, verbatim. */
  readonly extraSpecs: Readonly<Record<string, string>>;
  /** CPU architecture when the flavor pins one (extra spec or trait). */
  readonly architecture?: string;
  readonly accelerator?: SnapshotAccelerator;
  readonly benchmark?: SnapshotBenchmark;
  /** True when the flavor's `infiniband` extra spec is `true`. */
  readonly hasInfiniband?: boolean;
}

/** A Glance image as one project sees it. */
export interface SnapshotImage {
  readonly id: string;
  readonly name: string;
  readonly osDistro?: string;
  readonly osVersion?: string;
  readonly architecture?: string;
  /** Marketplace URI of this image version (AppDB `ad:mpuri` or a registry.egi.eu reference). */
  readonly marketplaceUrl?: string;
  /** Version-independent AppDB URI (`ad:base_mpuri`). */
  readonly baseMarketplaceUrl?: string;
  /** AppDB application id, when the image came from an AppDB list. */
  readonly appdbId?: string;
  /** EGI image reference (`eu.egi.cloud.image_ref`), when the image came from registry.egi.eu. */
  readonly egiImageRef?: string;
  /** Version or tag of the appliance. */
  readonly version?: string;
  readonly description?: string;
  readonly sizeBytes?: number;
  readonly minRamMb?: number;
  readonly minDiskGb?: number;
  readonly diskFormat?: string;
  /** Free-form attributes of the appliance (APPLIANCE_ATTRIBUTES), published as OtherInfo. */
  readonly attributes?: Readonly<Record<string, string | number | boolean>>;
}

/** One VO's project at the site, with what the project can use and how the collection went. */
export interface ShareSnapshot {
  readonly vo: string;
  readonly projectId: string;
  readonly projectName?: string;
  readonly projectDomainName?: string;
  readonly images: readonly SnapshotImage[];
  readonly flavors: readonly SnapshotFlavor[];
  /** Nova quota limits by name (`instances`, `cores`, `ram` in MiB, ...); -1 means unlimited. */
  readonly quotas: Readonly<Record<string, number>>;
  /** What the project uses of each quota, when Nova tells (cip 1.x published limits only). */
  readonly quotaUsage?: Readonly<Record<string, number>>;
  /** Number of the project's servers by Nova status (`ACTIVE`, `SHUTOFF`, `ERROR`, ...). */
  readonly serversByStatus: Readonly<Record<string, number>>;
  /** `ok` when everything was collected; otherwise what failed, in `healthInfo`. */
  readonly health: HealthState;
  readonly healthInfo?: string;
}

/** Versions the site's compute endpoint reports. */
export interface SnapshotVersions {
  /** Compute API version, e.g. `2.1`. */
  readonly computeApi?: string;
  /** Highest compute microversion, e.g. `2.96`. */
  readonly computeMaxMicroversion?: string;
  /** OpenStack release or product version, when the operator states it. */
  readonly product?: string;
}

/** Everything discovery learned about one site at one moment. */
export interface SiteSnapshot {
  /** GOCDB site name (the catch-all `gocdb` key). */
  readonly siteName: string;
  /** GOCDB service primary key, e.g. `7513G0`; consumers drop sites without it. */
  readonly gocdbId?: string;
  /** Keystone v3 URL, as registered in GOCDB. */
  readonly endpointUrl: string;
  readonly region?: string;
  /** Keystone auth method the collector used, e.g. `v3oidcaccesstoken`. */
  readonly authMethod?: string;
  readonly versions: SnapshotVersions;
  /** Issuer DN of the endpoint's TLS certificate. */
  readonly issuerCa?: string;
  readonly trustedCas?: readonly string[];
  readonly shares: readonly ShareSnapshot[];
}
