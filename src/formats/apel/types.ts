// Wire-level names and shapes of the APEL message formats (headers, JSON envelopes, StAR namespace).

/** First-line type of a cloud message (`APEL-cloud-message: v0.4`). */
export const CLOUD_MESSAGE_TYPE = 'APEL-cloud-message';

/** Version we write in the cloud message header; any version is read. */
export const CLOUD_MESSAGE_VERSION = 'v0.4';

/** First-line type of a cloud summary message (`APEL-cloud-summary-message: v0.4`). */
export const CLOUD_SUMMARY_MESSAGE_TYPE = 'APEL-cloud-summary-message';

/** Version we write in the cloud summary message header; any version is read. */
export const CLOUD_SUMMARY_MESSAGE_VERSION = 'v0.4';

/** `Type` of the public IP JSON message, spelled as cASO sends it. */
export const PUBLIC_IP_MESSAGE_TYPE = 'APEL Public IP message';

/** `Version` of the public IP JSON message, spelled as cASO sends it. */
export const PUBLIC_IP_MESSAGE_VERSION = '0.2';

/** `Type` of the accelerator JSON message, spelled as cASO and EGI's docs spell it. */
export const ACCELERATOR_MESSAGE_TYPE = 'APEL-accelerator-message';

/** `Version` of the accelerator JSON message. */
export const ACCELERATOR_MESSAGE_VERSION = '0.1';

/** XML namespace of EMI StAR storage records. */
export const STAR_NAMESPACE = 'http://eu-emi.eu/namespaces/2011/02/storagerecord';

/** Envelope of the JSON messages (public IP, accelerator) as it travels. */
export interface ApelJsonEnvelope {
  readonly Type: string;
  readonly Version: string;
  readonly UsageRecords: readonly Record<string, unknown>[];
}

/** One public IP usage record as cASO writes it (v0.2). */
export interface PublicIpWireRecord {
  readonly SiteName: string;
  readonly CloudType: string;
  readonly CloudComputeService?: string;
  readonly uuid?: string;
  readonly LocalUser?: string;
  readonly GlobalUserName?: string;
  readonly LocalGroup: string;
  readonly FQAN: string;
  readonly IPVersion: 4 | 6;
  readonly IPCount: number;
  readonly MeasurementTime: number;
}

/** One accelerator usage record as cASO writes it (v0.1). */
export interface AcceleratorWireRecord {
  readonly SiteName: string;
  readonly CloudType: string;
  readonly CloudComputeService?: string;
  readonly AssociatedRecord: string;
  readonly GlobalUserName?: string;
  readonly FQAN: string;
  readonly Count: number;
  readonly Cores?: number;
  readonly AvailableDuration: number;
  readonly MeasurementMonth: number;
  readonly MeasurementYear: number;
  readonly AssociatedRecordType: 'cloud' | 'job';
  readonly Type: 'GPU' | 'FPGA' | 'Other';
  readonly Model?: string;
  readonly ActiveDuration?: number;
  readonly BenchmarkType?: string;
  readonly Benchmark?: number;
}
