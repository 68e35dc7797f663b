// The HTTP headers of the OCI distribution API: `WWW-Authenticate` challenges and `Link` pagination.

/** A `WWW-Authenticate` challenge: its scheme (lower case) and parameters (names lower case). */
export interface AuthChallenge {
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * Reads the challenges of a `WWW-Authenticate` header, e.g.
 * `Bearer realm="https://registry.egi.eu/service/token",service="harbor-registry",scope="repository:x/y:pull"`.
 * Quoted values may hold commas and escaped quotes.
 */
export function parseAuthChallenges(header: string | null | undefined): AuthChallenge[] {
  const out: { scheme: string; params: Record<string, string> }[] = [];
  const text = header ?? '';
  // a token, then either `=value` (a parameter of the current challenge) or nothing (a new scheme)
  const item = /[\s,]*([A-Za-z0-9!#$%&'*+.^_`|~-]+)(?:\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s"]*)))?/y;
  for (let m = item.exec(text); m !== null && m[0] !== ''; m = item.exec(text)) {
    const [, name, quoted, bare] = m;
    const current = out.at(-1);
    if ((quoted !== undefined || bare !== undefined) && current)
      current.params[name!.toLowerCase()] = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : bare!;
    else out.push({ scheme: name!.toLowerCase(), params: {} });
  }
  return out;
}

/** The target of the `rel="next"` link of a `Link` header, as written (often relative), else undefined. */
export function nextLinkOf(header: string | null | undefined): string | undefined {
  for (const part of (header ?? '').split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (m && /;\s*rel\s*=\s*"?(?:[^";]*\s)?next(?:\s[^";]*)?"?/i.test(m[2]!)) return m[1];
  }
  return undefined;
}
