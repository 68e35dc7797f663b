// Reads a window time of accounting: ISO 8601 (no zone means UTC) or epoch seconds.
import { ConfigError } from '../../errors.js';
import { parseApiTime } from '../../openstack/index.js';

/**
 * Parses `--extract-from/--extract-to` or `accounting.default_extract_from` into epoch seconds.
 * @throws ConfigError naming `option` when the text is neither.
 */
export function parseTimeOption(value: string, option: string): number {
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  // a date alone means its midnight; a time without a zone is UTC (as in OpenStack's answers)
  const ms = parseApiTime(/^\d{4}-\d\d-\d\d$/.test(text) ? `${text}T00:00:00` : text);
  if (Number.isNaN(ms))
    throw new ConfigError(`expected an ISO 8601 time or epoch seconds, found "${value}"`, { path: option });
  return Math.floor(ms / 1000);
}
