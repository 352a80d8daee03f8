/**
 * The JSON Schema subset the API uses. One schema both validates a request and describes it in the OpenAPI
 * document, so the two cannot drift. Validation is bounded: the body size is capped before parsing and every
 * string and array here has a maximum.
 */
export type Schema =
  | {
      readonly type: 'object';
      readonly properties: Readonly<Record<string, Schema>>;
      readonly required?: readonly string[];
      readonly additionalProperties?: false;
      readonly description?: string;
    }
  | {
      readonly type: 'string';
      readonly minLength?: number;
      readonly maxLength: number;
      readonly pattern?: string;
      readonly enum?: readonly string[];
      readonly format?: string;
      readonly description?: string;
    }
  | {
      readonly type: 'integer';
      readonly minimum?: number;
      readonly maximum?: number;
      readonly description?: string;
    }
  | { readonly type: 'boolean'; readonly description?: string }
  | {
      readonly type: 'array';
      readonly items: Schema;
      readonly maxItems: number;
      readonly minItems?: number;
      readonly uniqueItems?: boolean;
      readonly description?: string;
    };

const patterns = new Map<string, RegExp>();

function regex(pattern: string): RegExp {
  let re = patterns.get(pattern);
  if (re === undefined) {
    re = new RegExp(pattern, 'u');
    patterns.set(pattern, re);
  }
  return re;
}

/** Every way `value` breaks `schema`, as `path: problem` lines (empty when it conforms). */
export function validate(schema: Schema, value: unknown, path = ''): string[] {
  const at = path === '' ? 'the body' : path;
  switch (schema.type) {
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        return [`${at} must be an object`];
      const record = value as Record<string, unknown>;
      const errors: string[] = [];
      for (const name of schema.required ?? []) {
        if (record[name] === undefined) errors.push(`${path === '' ? '' : `${path}.`}${name} is required`);
      }
      for (const [name, item] of Object.entries(record)) {
        const child = Object.hasOwn(schema.properties, name) ? schema.properties[name] : undefined;
        const where = path === '' ? name : `${path}.${name}`;
        if (child === undefined) {
          if (schema.additionalProperties === false) errors.push(`${where} is not a known property`);
        } else {
          errors.push(...validate(child, item, where));
        }
      }
      return errors;
    }
    case 'string': {
      if (typeof value !== 'string') return [`${at} must be a string`];
      const length = [...value].length;
      if (schema.minLength !== undefined && length < schema.minLength)
        return [`${at} must have at least ${schema.minLength} characters`];
      if (length > schema.maxLength) return [`${at} must have at most ${schema.maxLength} characters`];
      if (schema.enum !== undefined && !schema.enum.includes(value))
        return [`${at} must be one of ${schema.enum.join(', ')}`];
      if (schema.pattern !== undefined && !regex(schema.pattern).test(value))
        return [`${at} must match ${schema.pattern}`];
      return [];
    }
    case 'integer': {
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) return [`${at} must be an integer`];
      if (schema.minimum !== undefined && value < schema.minimum)
        return [`${at} must be ≥ ${schema.minimum}`];
      if (schema.maximum !== undefined && value > schema.maximum)
        return [`${at} must be ≤ ${schema.maximum}`];
      return [];
    }
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${at} must be true or false`];
    case 'array': {
      if (!Array.isArray(value)) return [`${at} must be an array`];
      if (value.length > schema.maxItems) return [`${at} must have at most ${schema.maxItems} items`];
      if (schema.minItems !== undefined && value.length < schema.minItems)
        return [`${at} must have at least ${schema.minItems} items`];
      if (schema.uniqueItems && new Set(value.map((v) => JSON.stringify(v))).size !== value.length)
        return [`${at} must not repeat items`];
      return value.flatMap((item, i) => validate(schema.items, item, `${at}[${i}]`));
    }
  }
}

/** Shorthands that keep route definitions readable. */
export const str = (
  maxLength: number,
  extra: Omit<Extract<Schema, { type: 'string' }>, 'type' | 'maxLength'> = {},
) => ({ type: 'string', maxLength, ...extra }) as const satisfies Schema;

export function obj(properties: Record<string, Schema>, required: readonly string[] = []): Schema {
  return { type: 'object', properties, required, additionalProperties: false };
}

/** Names of projects, models, datasets, aliases and users: safe in URLs and logs. */
export const NAME = str(64, { minLength: 1, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' });
export const DIGEST = str(71, { pattern: '^sha256:[0-9a-f]{64}$', description: 'sha256:<64 hex digits>' });
