// OCI distribution codecs: manifests, the disk image layer of a VM artefact, auth challenges, Link pagination.
export {
  OCI_MANIFEST_MEDIA_TYPES,
  OCI_TITLE_ANNOTATION,
  diskFormatOfFileName,
  diskImageLayerOf,
  parseOciManifest,
  type OciDescriptor,
  type OciManifest,
  type OciManifestResult,
} from './manifest.js';
export { nextLinkOf, parseAuthChallenges, type AuthChallenge } from './http-headers.js';
