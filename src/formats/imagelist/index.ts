// HEPiX image list codec (with the AppDB `ad:` extensions): the SourceImage and ImageList models.
export type * from './types.js';
export {
  parseImageList,
  serializeImageList,
  type ImageListParseResult,
  type ParseImageListOptions,
  type SerializeImageListOptions,
} from './image-list.js';
export { APPDB_IMAGE_KEYS, type ImageListProfile } from './source-image.js';
export { parseImageLocation, formatImageLocation } from './image-location.js';
export { IMAGE_INVALID, IMAGE_LIST_INVALID } from './hepix-value.js';
export {
  compareListVersions,
  decideListTrust,
  type ExpectedEndorser,
  type LastAcceptedList,
  type ListRefusal,
  type ListTrust,
  type ListTrustInput,
} from './list-trust.js';
