// Derives the endpoint's GLUE HealthState from the health of its shares.
import type { HealthState, ShareSnapshot } from './site-snapshot.js';

/** The endpoint health published in GLUE, with a human-readable reason. */
export interface EndpointHealth {
  readonly state: HealthState;
  readonly info: string;
}

/**
 * Endpoint health from the shares: `ok` when every share is ok, `critical` when
 * none could be collected, `warning` otherwise; `unknown` when the site has no share.
 * The info names each failed VO with its error, so an operator sees why.
 */
export function summarizeEndpointHealth(shares: readonly ShareSnapshot[]): EndpointHealth {
  if (shares.length === 0) return { state: 'unknown', info: 'no VO share is configured' };
  const failed = shares.filter((s) => s.health !== 'ok');
  if (failed.length === 0) return { state: 'ok', info: `all ${shares.length} shares collected` };
  const reasons = failed.map((s) => `${s.vo}: ${s.healthInfo ?? s.health}`).join('; ');
  const isDown = failed.every((s) => s.health === 'critical' || s.health === 'unknown');
  const state: HealthState = isDown && failed.length === shares.length ? 'critical' : 'warning';
  return { state, info: `${failed.length} of ${shares.length} shares not ok: ${reasons}` };
}
