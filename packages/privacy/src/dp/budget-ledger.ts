import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { PalisadeError } from '@palisade/core';
import type { PrivacyCost } from './mechanisms.ts';

export interface BudgetStatus {
  readonly dataset: string;
  readonly budget: PrivacyCost;
  readonly spent: PrivacyCost;
  readonly releases: number;
}

export interface Release {
  readonly query: string;
  readonly mechanism: string;
  readonly cost: PrivacyCost;
}

/** Floating-point sums of ε may exceed the budget by rounding alone; this much is forgiven. */
const SLACK = 1e-9;

/**
 * The privacy budget of each dataset (keyed by its SHA-256) and every release charged against it, in SQLite.
 * Sequential composition: the ε and δ of releases add up, and a release that would pass the budget is refused
 * before any noise is drawn. The check and the charge run in one IMMEDIATE transaction, so two processes cannot
 * both spend the last of a budget.
 */
export class PrivacyBudgetLedger {
  readonly #db: DatabaseSync;

  private constructor(db: DatabaseSync) {
    this.#db = db;
  }

  static async open(path: string): Promise<PrivacyBudgetLedger> {
    const { DatabaseSync } = await import('node:sqlite');
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    let db: DatabaseSync;
    try {
      db = new DatabaseSync(path);
    } catch (error) {
      throw new PalisadeError(
        'INPUT_UNREADABLE',
        `Cannot open the privacy-budget ledger ${path}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA busy_timeout = 5000;
      CREATE TABLE IF NOT EXISTS budgets (
        dataset TEXT PRIMARY KEY, epsilon REAL NOT NULL, delta REAL NOT NULL, created_at TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS releases (
        id INTEGER PRIMARY KEY, dataset TEXT NOT NULL REFERENCES budgets(dataset), query TEXT NOT NULL,
        mechanism TEXT NOT NULL, epsilon REAL NOT NULL, delta REAL NOT NULL, created_at TEXT NOT NULL);
    `);
    return new PrivacyBudgetLedger(db);
  }

  status(dataset: string): BudgetStatus | undefined {
    const budget = this.#db.prepare('SELECT epsilon, delta FROM budgets WHERE dataset = ?').get(dataset) as
      | { epsilon: number; delta: number }
      | undefined;
    if (!budget) return undefined;
    const spent = this.#db
      .prepare(
        'SELECT COALESCE(SUM(epsilon), 0) AS e, COALESCE(SUM(delta), 0) AS d, COUNT(*) AS n FROM releases WHERE dataset = ?',
      )
      .get(dataset) as { e: number; d: number; n: number };
    return {
      dataset,
      budget: { epsilon: budget.epsilon, delta: budget.delta },
      spent: { epsilon: spent.e, delta: spent.d },
      releases: spent.n,
    };
  }

  /**
   * Charges a release. `budget` sets the dataset's total on first use; afterwards it must match (a budget is
   * fixed once spending starts). Throws LIMIT_EXCEEDED, spending nothing, when the release does not fit.
   */
  charge(dataset: string, release: Release, budget?: PrivacyCost): BudgetStatus {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const current = this.status(dataset);
      if (!current) {
        if (!budget)
          throw new PalisadeError(
            'USAGE',
            'This dataset has no privacy budget yet: set its total once with --budget EPSILON[,DELTA].',
          );
        this.#db
          .prepare('INSERT INTO budgets (dataset, epsilon, delta, created_at) VALUES (?, ?, ?, ?)')
          .run(dataset, budget.epsilon, budget.delta, new Date().toISOString());
      } else if (
        budget &&
        (budget.epsilon !== current.budget.epsilon || budget.delta !== current.budget.delta)
      ) {
        throw new PalisadeError(
          'USAGE',
          `This dataset's budget is fixed at ε=${current.budget.epsilon}, δ=${current.budget.delta}; it cannot be changed once set.`,
        );
      }
      const total = current?.budget ?? (budget as PrivacyCost);
      const spent = current?.spent ?? { epsilon: 0, delta: 0 };
      if (
        spent.epsilon + release.cost.epsilon > total.epsilon + SLACK ||
        spent.delta + release.cost.delta > total.delta + SLACK
      )
        throw new PalisadeError(
          'LIMIT_EXCEEDED',
          `Refused: this release (ε=${release.cost.epsilon}, δ=${release.cost.delta}) would exceed the dataset's privacy budget ` +
            `(ε=${total.epsilon}, δ=${total.delta}; spent ε=${round(spent.epsilon)}, δ=${spent.delta}).`,
        );
      this.#db
        .prepare(
          'INSERT INTO releases (dataset, query, mechanism, epsilon, delta, created_at) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(
          dataset,
          release.query,
          release.mechanism,
          release.cost.epsilon,
          release.cost.delta,
          new Date().toISOString(),
        );
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
    return this.status(dataset) as BudgetStatus;
  }

  close(): void {
    this.#db.close();
  }
}

function round(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}
