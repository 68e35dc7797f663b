// The pure codecs: APEL accounting messages and GLUE 2.1 documents.
export * as apel from './apel/index.js';
export * as availability from './availability/index.js';
export * as entitlements from './entitlements/index.js';
export * as glue from './glue/index.js';
export * as gocdb from './gocdb/index.js';
export * as imagelist from './imagelist/index.js';
export * as smime from './smime/index.js';
