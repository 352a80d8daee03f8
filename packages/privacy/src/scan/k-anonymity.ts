/**
 * Quasi-identifiers and k-anonymity of tabular data. A record is k-anonymous on a set of columns when at least k
 * records share its values there (Sweeney 2002: ZIP code, birth date and sex single out most people). We count the
 * equivalence classes of the full set and of every pair, with a cap on distinct classes so memory stays bounded.
 */

/** Column-name words that mark the usual quasi-identifiers (HIPAA Safe Harbor and Sweeney's list). */
const QUASI_IDENTIFIER_WORDS = [
  'zip',
  'zipcode',
  'postcode',
  'postal',
  'dob',
  'birth',
  'birthdate',
  'birthday',
  'age',
  'gender',
  'sex',
  'race',
  'ethnicity',
  'nationality',
  'city',
  'county',
  'marital',
  'occupation',
  'profession',
  'education',
  'religion',
];

export function isQuasiIdentifier(column: string): boolean {
  const words = column
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/);
  return words.some((w) => QUASI_IDENTIFIER_WORDS.includes(w));
}

export interface KAnonymityResult {
  readonly columns: readonly string[];
  /** The smallest class size: every record shares its values with at least k − 1 others. Null when not computed. */
  readonly k: number | null;
  readonly classes: number;
  /** Records whose combination of values is unique in the dataset. */
  readonly uniqueRecords: number;
  /** Why k is null (too many distinct combinations to count within the memory bound). */
  readonly note?: string;
}

const MAX_COMBINATIONS = 12;

export class KAnonymityCounter {
  readonly #sets: {
    columns: string[];
    indexes: number[];
    counts: Map<number | string, number>;
    overflow: boolean;
  }[] = [];
  readonly #maxClasses: number;
  readonly #dictionaries: Map<string, number>[];
  #exhausted = false;

  constructor(quasiIdentifiers: readonly string[], maxClasses = 500_000) {
    this.#maxClasses = Math.min(maxClasses, 1_000_000);
    const qi = [...quasiIdentifiers];
    this.#dictionaries = qi.map(() => new Map());
    if (qi.length === 0) return;
    const sets: string[][] = [qi];
    if (qi.length > 2)
      for (let i = 0; i < qi.length; i++)
        for (let j = i + 1; j < qi.length; j++) sets.push([qi[i] as string, qi[j] as string]);
    for (const columns of sets.slice(0, MAX_COMBINATIONS))
      this.#sets.push({
        columns,
        indexes: columns.map((c) => qi.indexOf(c)),
        counts: new Map(),
        overflow: false,
      });
  }

  get columns(): readonly string[] {
    return this.#sets[0]?.columns ?? [];
  }

  /** `value(column)` gives a record's value in that column (missing values form their own class). */
  add(value: (column: string) => string | undefined): void {
    if (this.#exhausted) return;
    // Values become small integers first, so that class keys are short strings of ids and cheap to hash.
    const ids = this.columns.map((c, i) => {
      const v = value(c) ?? '';
      const dictionary = this.#dictionaries[i] as Map<string, number>;
      let id = dictionary.get(v);
      if (id === undefined) {
        id = dictionary.size;
        dictionary.set(v, id);
      }
      return id;
    });
    if (ids.some((id) => id >= this.#maxClasses)) for (const set of this.#sets) this.#overflow(set);
    for (const set of this.#sets) {
      if (set.overflow) continue;
      // Two ids (each below 2^20, as maxClasses is) pack exactly into one number, a cheaper key than a string.
      let key: number | string;
      if (set.indexes.length === 2)
        key =
          (ids[set.indexes[0] as number] as number) * 1_048_576 + (ids[set.indexes[1] as number] as number);
      else {
        key = '';
        for (const i of set.indexes) key += `${ids[i]},`;
      }
      const n = set.counts.get(key);
      if (n !== undefined) set.counts.set(key, n + 1);
      else if (set.counts.size >= this.#maxClasses) this.#overflow(set);
      else set.counts.set(key, 1);
    }
  }

  #overflow(set: { counts: Map<number | string, number>; overflow: boolean }): void {
    set.overflow = true;
    set.counts.clear();
    if (this.#sets.every((s) => s.overflow)) {
      this.#exhausted = true;
      for (const d of this.#dictionaries) d.clear();
    }
  }

  results(): KAnonymityResult[] {
    return this.#sets.map((set) => {
      if (set.overflow)
        return {
          columns: set.columns,
          k: null,
          classes: this.#maxClasses,
          uniqueRecords: 0,
          note: `more than ${this.#maxClasses} distinct combinations; k is very likely 1`,
        };
      let k = Number.POSITIVE_INFINITY;
      let unique = 0;
      for (const n of set.counts.values()) {
        if (n < k) k = n;
        if (n === 1) unique++;
      }
      return {
        columns: set.columns,
        k: set.counts.size === 0 ? null : k,
        classes: set.counts.size,
        uniqueRecords: unique,
      };
    });
  }
}
