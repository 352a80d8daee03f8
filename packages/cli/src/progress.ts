import type { Io } from './io.ts';

/** A one-line progress bar on stderr, drawn only on a terminal and at most ten times a second. */
export class Progress {
  readonly #io: Io;
  readonly #enabled: boolean;
  #total = 0;
  #last = 0;

  constructor(io: Io, enabled: boolean) {
    this.#io = io;
    this.#enabled = enabled && io.stderr.isTTY === true;
  }

  /** A terminal whose size is unknown (`script`, some CI consoles) reports 0 columns: assume 80. */
  #columns(): number {
    const columns = this.#io.stderr.columns ?? 0;
    return columns > 1 ? columns : 80;
  }

  start(total: number): void {
    this.#total = total;
  }

  update(done: number, label: string): void {
    if (!this.#enabled || this.#total < 2) return;
    const now = Date.now();
    if (now - this.#last < 100 && done < this.#total) return;
    this.#last = now;
    const width = 24;
    const filled = Math.round((done / this.#total) * width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const columns = this.#columns();
    const text = `${bar} ${done}/${this.#total} ${label}`;
    this.#io.stderr.write(`\r${text.slice(0, columns - 1).padEnd(columns - 1)}`);
  }

  done(): void {
    if (this.#enabled && this.#total >= 2) this.#io.stderr.write(`\r${' '.repeat(this.#columns() - 1)}\r`);
  }
}
