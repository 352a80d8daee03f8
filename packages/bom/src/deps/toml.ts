import { PalisadeError } from '@palisade/core';

/**
 * A bounded TOML 1.0 reader for the lockfiles and manifests of Python projects (pyproject.toml, poetry.lock,
 * uv.lock): tables, arrays of tables, dotted keys, basic/literal/multi-line strings, numbers, booleans,
 * arrays and inline tables. Dates and times are kept as their text. Nesting is capped; errors name the line.
 */

export type TomlValue = string | number | boolean | TomlValue[] | TomlTable;
export interface TomlTable {
  [key: string]: TomlValue;
}

const MAX_DEPTH = 32;

class Reader {
  readonly text: string;
  pos = 0;
  constructor(text: string) {
    this.text = text;
  }

  fail(message: string): never {
    const line = this.text.slice(0, this.pos).split('\n').length;
    throw new PalisadeError('INPUT_INVALID', `TOML line ${line}: ${message}`);
  }

  peek(offset = 0): string {
    return this.text[this.pos + offset] ?? '';
  }

  startsWith(s: string): boolean {
    return this.text.startsWith(s, this.pos);
  }

  /** Skips spaces, tabs and (when `newlines`) newlines and comments. */
  skip(newlines: boolean): void {
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || (newlines && (c === '\n' || c === '\r'))) this.pos++;
      else if (c === '#') while (this.pos < this.text.length && this.peek() !== '\n') this.pos++;
      else return;
    }
  }

  endOfLine(): void {
    this.skip(false);
    if (this.pos >= this.text.length) return;
    if (this.peek() === '\r') this.pos++;
    if (this.peek() !== '\n') this.fail(`unexpected "${this.peek()}" after a value`);
    this.pos++;
  }

  key(): string[] {
    const parts: string[] = [];
    for (;;) {
      this.skip(false);
      const c = this.peek();
      if (c === '"' || c === "'") parts.push(this.string());
      else {
        const m = /^[A-Za-z0-9_-]+/.exec(this.text.slice(this.pos, this.pos + 1024));
        if (!m) this.fail('expected a key');
        parts.push(m[0]);
        this.pos += m[0].length;
      }
      this.skip(false);
      if (this.peek() !== '.') return parts;
      this.pos++;
    }
  }

  string(): string {
    if (this.startsWith('"""')) return this.basic('"""', true);
    if (this.startsWith("'''")) return this.literal("'''", true);
    if (this.peek() === '"') return this.basic('"', false);
    return this.literal("'", false);
  }

  literal(quote: string, multiline: boolean): string {
    this.pos += quote.length;
    if (multiline && this.peek() === '\n') this.pos++;
    const end = this.text.indexOf(quote, this.pos);
    if (end < 0) this.fail('unterminated string');
    const value = this.text.slice(this.pos, end);
    if (!multiline && value.includes('\n')) this.fail('newline in a string');
    this.pos = end + quote.length;
    return value;
  }

  basic(quote: string, multiline: boolean): string {
    this.pos += quote.length;
    if (multiline && this.peek() === '\n') this.pos++;
    let out = '';
    for (;;) {
      if (this.pos >= this.text.length) this.fail('unterminated string');
      if (this.startsWith(quote)) {
        this.pos += quote.length;
        return out;
      }
      const c = this.peek();
      if (c === '\n' && !multiline) this.fail('newline in a string');
      if (c !== '\\') {
        out += c;
        this.pos++;
        continue;
      }
      const e = this.peek(1);
      this.pos += 2;
      const simple: Record<string, string> = {
        b: '\b',
        t: '\t',
        n: '\n',
        f: '\f',
        r: '\r',
        '"': '"',
        '\\': '\\',
      };
      if (simple[e] !== undefined) out += simple[e];
      else if (e === 'u' || e === 'U') {
        const len = e === 'u' ? 4 : 8;
        const hex = this.text.slice(this.pos, this.pos + len);
        if (!/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== len) this.fail('bad unicode escape');
        out += String.fromCodePoint(Math.min(Number.parseInt(hex, 16), 0x10ffff));
        this.pos += len;
      } else if (multiline && (e === '\n' || e === ' ' || e === '\r' || e === '\t')) {
        this.pos--;
        this.skip(true);
      } else this.fail(`bad escape "\\${e}"`);
    }
  }

  value(depth: number): TomlValue {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`);
    const c = this.peek();
    if (c === '"' || c === "'") return this.string();
    if (c === '[') return this.array(depth);
    if (c === '{') return this.inlineTable(depth);
    const m = /^[^\s,\]}#]+/.exec(this.text.slice(this.pos, this.pos + 256));
    if (!m) this.fail('expected a value');
    let token = m[0];
    this.pos += token.length;
    // A date-time may have a space between date and time.
    const time = /^ \d{2}:\d{2}/.exec(this.text.slice(this.pos, this.pos + 6));
    if (/^\d{4}-\d{2}-\d{2}$/.test(token) && time) {
      const rest = /^ [^\s,\]}#]+/.exec(this.text.slice(this.pos, this.pos + 64));
      if (rest) {
        token += rest[0];
        this.pos += rest[0].length;
      }
    }
    if (token === 'true') return true;
    if (token === 'false') return false;
    const digits = token.replaceAll('_', '');
    if (/^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(digits) || /^0[xob][0-9A-Fa-f]+$/.test(digits))
      return Number(digits);
    if (/^[+-]?inf$/.test(token)) return token.startsWith('-') ? -Infinity : Infinity;
    if (/^[+-]?nan$/.test(token)) return Number.NaN;
    return token;
  }

  array(depth: number): TomlValue[] {
    this.pos++;
    const out: TomlValue[] = [];
    for (;;) {
      this.skip(true);
      if (this.peek() === ']') {
        this.pos++;
        return out;
      }
      out.push(this.value(depth + 1));
      this.skip(true);
      if (this.peek() === ',') this.pos++;
      else if (this.peek() !== ']') this.fail('expected "," or "]" in an array');
    }
  }

  inlineTable(depth: number): TomlTable {
    this.pos++;
    const table: TomlTable = {};
    this.skip(false);
    if (this.peek() === '}') {
      this.pos++;
      return table;
    }
    for (;;) {
      const key = this.key();
      if (this.peek() !== '=') this.fail('expected "=" in an inline table');
      this.pos++;
      this.skip(false);
      assign(this, table, key, this.value(depth + 1));
      this.skip(false);
      if (this.peek() === ',') {
        this.pos++;
        continue;
      }
      if (this.peek() === '}') {
        this.pos++;
        return table;
      }
      this.fail('expected "," or "}" in an inline table');
    }
  }
}

function isTable(value: TomlValue | undefined): value is TomlTable {
  return value !== undefined && typeof value === 'object' && !Array.isArray(value);
}

function descend(reader: Reader, table: TomlTable, key: string): TomlTable {
  const existing = table[key];
  if (existing === undefined) {
    const created: TomlTable = Object.create(null);
    table[key] = created;
    return created;
  }
  if (Array.isArray(existing)) {
    const last = existing[existing.length - 1];
    if (isTable(last)) return last;
  }
  if (isTable(existing)) return existing;
  return reader.fail(`"${key}" is both a value and a table`);
}

function assign(reader: Reader, table: TomlTable, key: readonly string[], value: TomlValue): void {
  let target = table;
  for (const part of key.slice(0, -1)) target = descend(reader, target, part);
  const last = key[key.length - 1] ?? '';
  if (Object.hasOwn(target, last)) reader.fail(`duplicate key "${key.join('.')}"`);
  target[last] = value;
}

export function parseToml(text: string): TomlTable {
  const reader = new Reader(text.replace(/^\uFEFF/, ''));
  const root: TomlTable = Object.create(null);
  let current = root;
  for (;;) {
    reader.skip(true);
    if (reader.pos >= reader.text.length) return root;
    if (reader.startsWith('[[')) {
      reader.pos += 2;
      const key = reader.key();
      if (!reader.startsWith(']]')) reader.fail('expected "]]"');
      reader.pos += 2;
      let parent = root;
      for (const part of key.slice(0, -1)) parent = descend(reader, parent, part);
      const last = key[key.length - 1] ?? '';
      const existing = parent[last] ?? [];
      if (!Array.isArray(existing)) return reader.fail(`"${key.join('.')}" is not an array of tables`);
      const list = existing;
      const table: TomlTable = Object.create(null);
      list.push(table);
      parent[last] = list;
      current = table;
    } else if (reader.peek() === '[') {
      reader.pos++;
      const key = reader.key();
      if (reader.peek() !== ']') reader.fail('expected "]"');
      reader.pos++;
      current = root;
      for (const part of key) current = descend(reader, current, part);
    } else {
      const key = reader.key();
      if (reader.peek() !== '=') reader.fail('expected "="');
      reader.pos++;
      reader.skip(false);
      assign(reader, current, key, reader.value(0));
    }
    reader.endOfLine();
  }
}
