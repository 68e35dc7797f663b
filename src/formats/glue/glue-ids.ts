// The ID patterns of GLUE entities, as cloud-info-provider 1.x forms them and consumers expect.

/** ID of the CloudComputingService of a Keystone endpoint URL. */
export function glueServiceId(endpointUrl: string): string {
  return `${endpointUrl}_cloud.compute`;
}

/** ID of the CloudComputingManager of a Keystone endpoint URL. */
export function glueManagerId(endpointUrl: string): string {
  return `${endpointUrl}_cloud.compute_manager`;
}

/** ID of the CloudComputingEndpoint of a Keystone endpoint URL. */
export function glueEndpointId(endpointUrl: string): string {
  return `${endpointUrl}_OpenStack_v3`;
}

/** ID of the Share of one VO project. */
export function glueShareId(endpointId: string, vo: string, projectId: string): string {
  return `${endpointId}_share_${vo}_${projectId}`;
}

/** ID of the MappingPolicy of a share. */
export function glueMappingPolicyId(shareId: string): string {
  return `${shareId}_Policy`;
}

/** ID of the AccessPolicy of an endpoint. */
export function glueAccessPolicyId(endpointId: string): string {
  return `${endpointId}_policy`;
}

/** ID of the VirtualAccelerator of a flavor (`<flavor id>_gpu` for GPUs, as upstream). */
export function glueAcceleratorId(flavorId: string, acceleratorType: string): string {
  return `${flavorId}_${acceleratorType.toLowerCase()}`;
}
