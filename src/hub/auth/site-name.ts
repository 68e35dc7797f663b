// The one rule for hub site names: what `hub token create --site` accepts and what the information system stores.

/**
 * A GOCDB-style site name: a letter or digit, then letters, digits, `.`, `_` and `-`, at most
 * 100 characters. GOCDB names (`IFCA-LCG2`, `CESGA-CLOUD`, `UPV-GRyCAP`) all fit; the rule keeps
 * names safe in URLs, AMS topic names (`SITE_<name>_ENDPOINT_…`) and file names (`tokens/<name>.token`).
 */
export const SITE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** What {@link SITE_NAME_PATTERN} expects, in words, for error messages. */
export const SITE_NAME_RULE =
  'a site name of letters, digits, ".", "_" and "-" (starting with a letter or digit, at most 100 characters)';

/** True when `name` follows {@link SITE_NAME_PATTERN}. */
export function isSiteName(name: string): boolean {
  return SITE_NAME_PATTERN.test(name);
}
