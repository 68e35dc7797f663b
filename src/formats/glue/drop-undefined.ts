// Removes undefined-valued keys, so GLUE objects leave out what is unknown (as upstream does).

/** A shallow copy of `value` without the keys whose value is `undefined`. */
export function dropUndefined<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (v !== undefined) out[key] = v;
  return out as T;
}
