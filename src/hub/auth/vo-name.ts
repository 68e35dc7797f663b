// The one rule for VO names the hub accepts: what `hub token create --vo` and the image catalogue take.

/**
 * A VO name as EGI's operations portal registers them (`vo.access.egi.eu`, `fedcloud.egi.eu`,
 * `ops`, `biomed`): a letter or digit, then letters, digits, `.`, `_` and `-`, at most 100
 * characters, so names stay safe in URLs (`/store/vo/{vo}/image.list`) and log lines.
 */
export const VO_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** What {@link VO_NAME_PATTERN} expects, in words, for error messages. */
export const VO_NAME_RULE =
  'a VO name of letters, digits, ".", "_" and "-" (starting with a letter or digit, at most 100 characters)';

/** True when `name` follows {@link VO_NAME_PATTERN}. */
export function isVoName(name: string): boolean {
  return VO_NAME_PATTERN.test(name);
}
