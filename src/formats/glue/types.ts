// Wire types of the GLUE 2.1 JSON rendering that cloud-info-provider 1.x writes and cloud-info-api reads.

/** GLUE's three-valued boolean: `true`, `false` or `"UNKNOWN"`. */
export type GlueBool = boolean | 'UNKNOWN';

/** Free-form extra data of a GLUE entity. */
export type GlueOtherInfo = Record<string, unknown>;

/** Associations of an entity: lists of ids keyed by the associated class name. */
export type GlueAssociations = Record<string, string[]>;

/** Attributes every GLUE entity carries. */
export interface GlueEntity {
  ID: string;
  Name?: string;
  /** ISO-8601 time the entity was made, with a time zone. */
  CreationTime: string;
  /** Seconds after CreationTime during which the entity is valid. */
  Validity: number;
  OtherInfo?: GlueOtherInfo;
  Associations?: GlueAssociations;
}

/** Counts of virtual machines, shared by Service and Share. */
export interface GlueVmCounts {
  TotalVM?: number;
  RunningVM?: number;
  SuspendedVM?: number;
  HaltedVM?: number;
}

/** The cloud compute service of a site; `OtherInfo.gocdb_id` and `Associations.AdminDomain` name the site. */
export interface GlueCloudComputingService extends GlueEntity, GlueVmCounts {
  Type: string;
  QualityLevel?: string;
  StatusInfo?: string;
  ServiceAUP?: string;
  Complexity?: string;
  Capability?: string[];
}

/** The manager (Nova) of the service, with instance size limits over flavors. */
export interface GlueCloudComputingManager extends GlueEntity {
  ProductName?: string;
  ProductVersion?: string;
  HypervisorName?: string;
  HypervisorVersion?: string;
  TotalCPUs?: number;
  TotalRAM?: number;
  InstanceMaxCPU?: number;
  InstanceMinCPU?: number;
  InstanceMaxRAM?: number;
  InstanceMinRAM?: number;
  NetworkVirtualizationType?: string;
  CPUVirtualizationType?: string;
  VirtualDiskFormat?: string;
  Failover?: GlueBool;
  LiveMigration?: GlueBool;
  VMBackupRestore?: GlueBool;
}

/** The Keystone endpoint of the service, with its health. */
export interface GlueCloudComputingEndpoint extends GlueEntity {
  URL: string;
  Capability?: string[];
  QualityLevel?: string;
  InterfaceName: string;
  InterfaceVersion?: string;
  HealthState: string;
  HealthStateInfo?: string;
  ServingState?: string;
  Technology?: string;
  Implementor?: string;
  ImplementationName?: string;
  ImplementationVersion?: string;
  DowntimeInfo?: string;
  Semantics?: string;
  Authentication?: string;
  IssuerCA?: string;
  TrustedCA?: string[];
}

/** One VO project at the site (GLUE CloudComputingShare, written `Share` by cip 1.x). */
export interface GlueShare extends GlueEntity, GlueVmCounts {
  ProjectID?: string;
  InstanceMaxCPU?: number;
  InstanceMaxRAM?: number;
  InstanceMinCPU?: number;
  InstanceMinRAM?: number;
  MaxVM?: number;
  SLA?: string;
  NetworkInfo?: string;
  DefaultNetworkType?: string;
  PublicNetworkName?: string;
}

/** A Glance image visible to the shares in `Associations.Share`. */
export interface GlueCloudComputingImage extends GlueEntity {
  MarketplaceURL?: string;
  OSPlatform?: string;
  OSName?: string;
  OSVersion?: string;
  Description?: string;
  AccessInfo?: string;
}

/** A Nova flavor; RAM in MB, Disk in GB. */
export interface GlueCloudComputingInstanceType extends GlueEntity {
  Platform: string;
  CPU: number;
  RAM: number;
  Disk: number;
  NetworkIn?: GlueBool;
  NetworkOut?: GlueBool;
  NetworkInfo?: string;
}

/** The accelerator (GPU, FPGA, ...) a flavor provides. */
export interface GlueCloudComputingVirtualAccelerator extends GlueEntity {
  Type: string;
  Number: number;
  Vendor?: string;
  Model?: string;
  Version?: string;
  ClockSpeed?: number;
  /** Device memory in MB. */
  Memory?: number;
  ComputeCapability?: string[];
  VirtualizationType?: string;
}

/** MappingPolicy and AccessPolicy share this shape. */
export interface GluePolicy extends GlueEntity {
  Scheme: string;
  Rule: string[];
}

/** A whole GLUE 2.1 JSON document: one list of entities per class name. */
export interface GlueDocument {
  CloudComputingService: GlueCloudComputingService[];
  CloudComputingManager: GlueCloudComputingManager[];
  CloudComputingEndpoint: GlueCloudComputingEndpoint[];
  Share: GlueShare[];
  CloudComputingImage: GlueCloudComputingImage[];
  CloudComputingInstanceType: GlueCloudComputingInstanceType[];
  CloudComputingVirtualAccelerator: GlueCloudComputingVirtualAccelerator[];
  MappingPolicy: GluePolicy[];
  AccessPolicy: GluePolicy[];
}

/** The class names (top-level keys) of a {@link GlueDocument}. */
export type GlueClassName = keyof GlueDocument;

/** Every class name, in the order documents list them. */
export const GLUE_CLASS_NAMES: readonly GlueClassName[] = [
  'CloudComputingService',
  'CloudComputingManager',
  'CloudComputingEndpoint',
  'Share',
  'CloudComputingImage',
  'CloudComputingInstanceType',
  'CloudComputingVirtualAccelerator',
  'MappingPolicy',
  'AccessPolicy',
];
