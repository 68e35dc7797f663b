// The one outbound HTTP layer: what other folders may use.
export {
  httpRequest,
  httpRequestStream,
  isStreamBody,
  HttpClient,
  type HttpRequest,
  type HttpStreamResponse,
  type HttpBody,
  type HttpClientOptions,
  type HttpRedirectMode,
} from './http-client.js';
export {
  HttpError,
  faultOf,
  type HttpErrorDetails,
  type HttpFault,
  type HttpFailureKind,
} from './http-error.js';
export {
  RetryBudget,
  IDEMPOTENT_METHODS,
  classifyStatus,
  isRetryableClass,
  backoffDelayMs,
  parseRetryAfterMs,
  planRetry,
  type HttpErrorClass,
  type BackoffOptions,
  type RetryPlan,
  type RetryPlanInput,
  type RetryBudgetOptions,
} from './retry-strategy.js';
export { loadCaCertificates, splitPemCertificates, caAgentFor } from './ca-bundle.js';
export { countBytes, contentLengthOf, type HttpProgress, type HttpProgressListener } from './progress.js';
export { redactHeaders, isSecretHeaderName } from './redact-headers.js';
