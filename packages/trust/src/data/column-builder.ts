import { PalisadeError } from '@palisade/core';
import { toShared } from './shared.ts';
import type { Column, ColumnKind } from './table.ts';

/** Cell texts that mean "missing", as pandas reads them by default. */
const MISSING_TEXT = new Set([
  '',
  'NA',
  'N/A',
  'n/a',
  'NaN',
  'nan',
  '-NaN',
  '-nan',
  'NULL',
  'null',
  'None',
  '#N/A',
  '<NA>',
]);
const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INFINITY_TEXT = /^[+-]?(inf|Infinity)$/i;

/** What a reader hands over for one cell. Strings are raw text (CSV); the others come typed (JSON, Parquet, Arrow). */
export type Cell = string | number | bigint | boolean | Date | null | undefined;

function textToNumber(text: string): number | undefined {
  const t = text.trim();
  if (MISSING_TEXT.has(t)) return Number.NaN;
  if (NUMBER_TEXT.test(t)) return Number(t);
  if (INFINITY_TEXT.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  return undefined;
}

/**
 * The cell as a number (NaN when missing), or undefined when it is not a number. Strings are read as numbers only
 * when they are raw text (CSV); a typed source's strings (JSON, Parquet, Arrow) are labels, as pandas keeps them.
 */
function cellToNumber(cell: Cell, typedStrings: boolean): number | undefined {
  if (cell === null || cell === undefined) return Number.NaN;
  if (typeof cell === 'number') return cell;
  if (typeof cell === 'bigint') return Number(cell);
  if (cell instanceof Date) return cell.getTime();
  if (typeof cell === 'string') return typedStrings ? undefined : textToNumber(cell);
  return undefined;
}

/** The cell as a label, or undefined when missing. */
function cellToLabel(cell: Cell): string | undefined {
  if (cell === null || cell === undefined) return undefined;
  if (typeof cell === 'string') return MISSING_TEXT.has(cell.trim()) ? undefined : cell;
  if (typeof cell === 'number') return Number.isNaN(cell) ? undefined : String(cell);
  if (cell instanceof Date) return cell.toISOString();
  return String(cell);
}

/**
 * Accumulates one column. Without a declared kind it stays numeric while every cell reads as a number and turns
 * categorical at the first cell that does not (earlier numbers become their printed text); a declared kind is
 * kept, and a cell that cannot be read as that kind is an error.
 */
export class ColumnBuilder {
  readonly name: string;
  readonly #declared: ColumnKind | undefined;
  readonly #maxCategories: number;
  readonly #typedStrings: boolean;
  #numbers: Float64Array | undefined = new Float64Array(1024);
  #codes: Int32Array | undefined;
  #dictionary = new Map<string, number>();
  #length = 0;
  #overflow = false;

  constructor(name: string, declared: ColumnKind | undefined, maxCategories: number, typedStrings = false) {
    this.name = name;
    this.#declared = declared;
    this.#maxCategories = maxCategories;
    this.#typedStrings = typedStrings;
    if (declared === 'categorical') {
      this.#numbers = undefined;
      this.#codes = new Int32Array(1024);
    }
  }

  get length(): number {
    return this.#length;
  }

  push(cell: Cell): void {
    if (this.#overflow) {
      this.#length++;
      return;
    }
    if (this.#numbers) {
      const n = cellToNumber(cell, this.#typedStrings && this.#declared !== 'numeric');
      if (n !== undefined) {
        if (this.#length === this.#numbers.length) this.#numbers = grow(this.#numbers);
        this.#numbers[this.#length++] = n;
        return;
      }
      if (this.#declared === 'numeric') {
        throw new PalisadeError(
          'INPUT_INVALID',
          `Column "${this.name}" is declared numeric but row ${this.#length + 1} holds "${String(cell)}". ` +
            'Fix the value or declare the column categorical.',
        );
      }
      this.#toCategorical();
    }
    this.#pushLabel(cellToLabel(cell));
  }

  #toCategorical(): void {
    const numbers = this.#numbers as Float64Array;
    const count = this.#length;
    this.#numbers = undefined;
    this.#codes = new Int32Array(Math.max(1024, numbers.length));
    this.#length = 0;
    for (let i = 0; i < count; i++) {
      const v = numbers[i] as number;
      this.#pushLabel(Number.isNaN(v) ? undefined : String(v));
    }
  }

  #pushLabel(label: string | undefined): void {
    let code = -1;
    if (label !== undefined) {
      const known = this.#dictionary.get(label);
      if (known === undefined) {
        if (this.#dictionary.size >= this.#maxCategories) {
          this.#overflow = true;
          this.#codes = undefined;
          this.#length++;
          return;
        }
        code = this.#dictionary.size;
        this.#dictionary.set(label, code);
      } else {
        code = known;
      }
    }
    let codes = this.#codes as Int32Array;
    if (this.#length === codes.length) {
      codes = grow(codes);
      this.#codes = codes;
    }
    codes[this.#length++] = code;
  }

  /** The finished column, or the reason it was left out. */
  build(): Column | { readonly skipped: string } {
    if (this.#overflow) {
      return { skipped: `more than ${this.#maxCategories} distinct labels (an identifier or free text?)` };
    }
    if (this.#numbers) {
      return { name: this.name, kind: 'numeric', values: toShared(this.#numbers, this.#length) };
    }
    return {
      name: this.name,
      kind: 'categorical',
      codes: toShared(this.#codes as Int32Array, this.#length),
      categories: [...this.#dictionary.keys()],
    };
  }
}

function grow<T extends Float64Array | Int32Array>(array: T): T {
  const next = new (array.constructor as new (n: number) => T)(array.length * 2);
  next.set(array);
  return next;
}
