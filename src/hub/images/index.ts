// The hub's image catalogue: per-VO image lists, their versions, signing, and where the images are present.
export {
  ImageCatalogue,
  DEFAULT_LIST_EXPIRY_MS,
  assertMayEdit,
  type CatalogueChange,
  type CatalogueEntryView,
  type CatalogueListVersion,
  type ImageCatalogueOptions,
} from './image-catalogue.js';
export { readCatalogueEntry, canonicalJson, type CatalogueEntry } from './catalogue-entry.js';
export {
  createListSigner,
  endorserOfCertificate,
  checkListSigner,
  type EndorserDetails,
  type ImageListSigning,
  type ListSigner,
} from './list-signer.js';
export { catalogueImages, isSameImage, type CatalogueImage, type CatalogueSite } from './catalogue-sites.js';
export {
  catalogueDb,
  type CatalogueDatabase,
  type CatalogueEntryTable,
  type CatalogueVersionTable,
} from './catalogue-queries.js';
