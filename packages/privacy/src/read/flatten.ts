import { LIMITS } from './limits.ts';

/**
 * The scalar leaves of a JSON value (or a Parquet row) as `[path, text]` pairs: `$.user.email`, `$.tags[2]`.
 * Numbers count as text (identifiers are often stored as numbers); booleans and nulls hold no personal data.
 */
export function flatten(
  value: unknown,
  path = '$',
  out: [string, string][] = [],
  depth = 0,
): [string, string][] {
  if (out.length >= LIMITS.maxFields) return out;
  if (typeof value === 'string') out.push([path, value]);
  else if (typeof value === 'number' || typeof value === 'bigint') out.push([path, String(value)]);
  else if (value instanceof Date) out.push([path, Number.isNaN(value.getTime()) ? '' : value.toISOString()]);
  else if (value instanceof Uint8Array) return out;
  else if (depth >= LIMITS.maxDepth) return out;
  else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) flatten(value[i], `${path}[${i}]`, out, depth + 1);
  } else if (typeof value === 'object' && value !== null)
    for (const [k, v] of Object.entries(value))
      flatten(
        v,
        /^[A-Za-z_][\w]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`,
        out,
        depth + 1,
      );
  return out;
}

/** The column a path belongs to, with array indexes folded: `$.messages[3].content` → `$.messages[*].content`. */
export function columnOf(path: string): string {
  return path.replace(/\[\d+\]/g, '[*]');
}
