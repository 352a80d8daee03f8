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
const WARMUP_RECORDS = 4096;

/**
 * A value read from a large chunk may be a view into it (V8 slices strings of 13+ characters); a dictionary that
 * kept such views would keep every chunk alive. Concatenating and slicing makes a flat copy.
 */
function ownCopy(value: string): string {
  return ` ${value}`.slice(1);
}

/** Class counts as a trie keyed by value ids (small integers), one level per column: exact and cheap to update. */
type Trie = Map<number, Trie | number>;

interface ColumnSet {
  readonly columns: string[];
  readonly indexes: number[];
  /** `indexes` in trie order. */
  levels: number[];
  root: Trie;
  classes: number;
  overflow: boolean;
}

export class KAnonymityCounter {
  readonly #sets: ColumnSet[] = [];
  readonly #maxClasses: number;
  readonly #dictionaries: Map<string, number>[];
  readonly #ids: number[];
  #exhausted = false;
  #warmup: number[][] | undefined = [];

  constructor(quasiIdentifiers: readonly string[], maxClasses = 500_000) {
    this.#maxClasses = maxClasses;
    const qi = [...quasiIdentifiers];
    this.#dictionaries = qi.map(() => new Map());
    this.#ids = qi.map(() => 0);
    if (qi.length === 0) return;
    const sets: string[][] = [qi];
    if (qi.length > 2)
      for (let i = 0; i < qi.length; i++)
        for (let j = i + 1; j < qi.length; j++) sets.push([qi[i] as string, qi[j] as string]);
    for (const columns of sets.slice(0, MAX_COMBINATIONS))
      this.#sets.push({
        columns,
        indexes: columns.map((c) => qi.indexOf(c)),
        levels: columns.map((c) => qi.indexOf(c)),
        root: new Map(),
        classes: 0,
        overflow: false,
      });
  }

  get columns(): readonly string[] {
    return this.#sets[0]?.columns ?? [];
  }

  /** `value(column)` gives a record's value in that column (missing values form their own class). */
  add(value: (column: string) => string | undefined): void {
    if (this.#exhausted) return;
    const columns = this.columns;
    const ids = this.#ids;
    for (let i = 0; i < columns.length; i++) {
      const v = value(columns[i] as string) ?? '';
      const dictionary = this.#dictionaries[i] as Map<string, number>;
      let id = dictionary.get(v);
      if (id === undefined) {
        id = dictionary.size;
        // More distinct values in one column than classes allowed: every set holding it overflows, and the
        // dictionary stops growing (its ids are no longer read).
        if (id >= this.#maxClasses) {
          for (const set of this.#sets) if (!set.overflow && set.indexes.includes(i)) this.#overflow(set);
          if (this.#exhausted) return;
        } else dictionary.set(v.length >= 13 ? ownCopy(v) : v, id);
      }
      ids[i] = id;
    }
    if (this.#warmup !== undefined) {
      this.#warmup.push([...ids]);
      if (this.#warmup.length >= WARMUP_RECORDS) this.#endWarmup();
      return;
    }
    this.#count(ids);
  }

  /**
   * Orders each set's trie levels by ascending number of distinct values seen in the first records (few inner
   * maps near the root), then counts the buffered records. k does not depend on the order.
   */
  #endWarmup(): void {
    const buffered = this.#warmup ?? [];
    this.#warmup = undefined;
    for (const set of this.#sets)
      set.levels = [...set.indexes].sort(
        (a, b) => (this.#dictionaries[a]?.size ?? 0) - (this.#dictionaries[b]?.size ?? 0),
      );
    for (const ids of buffered) this.#count(ids);
  }

  #count(ids: readonly number[]): void {
    for (const set of this.#sets) {
      if (set.overflow) continue;
      let node = set.root;
      const levels = set.levels;
      const last = levels.length - 1;
      for (let j = 0; j < last; j++) {
        const id = ids[levels[j] as number] as number;
        let next = node.get(id) as Trie | undefined;
        if (next === undefined) {
          next = new Map();
          node.set(id, next);
        }
        node = next;
      }
      const leaf = ids[levels[last] as number] as number;
      const n = node.get(leaf) as number | undefined;
      if (n !== undefined) node.set(leaf, n + 1);
      else if (set.classes >= this.#maxClasses) this.#overflow(set);
      else {
        node.set(leaf, 1);
        set.classes++;
      }
    }
  }

  #overflow(set: ColumnSet): void {
    set.overflow = true;
    set.root = new Map();
    if (this.#sets.every((s) => s.overflow)) {
      this.#exhausted = true;
      for (const d of this.#dictionaries) d.clear();
    }
  }

  results(): KAnonymityResult[] {
    if (this.#warmup !== undefined) this.#endWarmup();
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
      const walk = (node: Trie) => {
        for (const child of node.values()) {
          if (typeof child === 'number') {
            if (child < k) k = child;
            if (child === 1) unique++;
          } else walk(child);
        }
      };
      walk(set.root);
      return {
        columns: set.columns,
        k: set.classes === 0 ? null : k,
        classes: set.classes,
        uniqueRecords: unique,
      };
    });
  }
}
