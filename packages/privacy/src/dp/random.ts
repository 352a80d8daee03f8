import { createHash, randomFillSync } from 'node:crypto';

/** Uniform integers for the samplers. Production noise always comes from the operating system's CSPRNG. */
export interface RandomSource {
  /** A uniform integer in [0, n). */
  below(n: bigint): bigint;
}

abstract class ByteRandom implements RandomSource {
  protected abstract bytes(n: number): Uint8Array;

  below(n: bigint): bigint {
    if (n <= 0n) throw new RangeError('below(n) needs n > 0');
    if (n === 1n) return 0n;
    const bits = (n - 1n).toString(2).length;
    const length = Math.ceil(bits / 8);
    const excess = BigInt(length * 8 - bits);
    // Rejection sampling: masking to the bit length keeps the acceptance rate above one half.
    for (;;) {
      let v = 0n;
      for (const b of this.bytes(length)) v = (v << 8n) | BigInt(b);
      v >>= excess;
      if (v < n) return v;
    }
  }
}

/** crypto.randomFillSync, drawn in 4 KiB blocks. */
export class CryptoRandom extends ByteRandom {
  #pool = new Uint8Array(4096);
  #at = 4096;

  protected bytes(n: number): Uint8Array {
    if (this.#at + n > this.#pool.length) {
      randomFillSync(this.#pool);
      this.#at = 0;
    }
    const out = this.#pool.subarray(this.#at, this.#at + n);
    this.#at += n;
    return out;
  }
}

/**
 * SHA-256 in counter mode from a seed. For tests of the samplers' distributions only: noise from a known seed
 * gives no privacy, so nothing outside tests may use it.
 */
export class SeededTestRandom extends ByteRandom {
  readonly #seed: string;
  #counter = 0;
  #block = new Uint8Array(0);
  #at = 0;

  constructor(seed: string) {
    super();
    this.#seed = seed;
  }

  protected bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (this.#at >= this.#block.length) {
        this.#block = createHash('sha256')
          .update(`${this.#seed}/${this.#counter++}`)
          .digest();
        this.#at = 0;
      }
      out[i] = this.#block[this.#at++] as number;
    }
    return out;
  }
}
