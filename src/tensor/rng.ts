/**
 * The one seeded random number generator: xoshiro128** (Blackman & Vigna 2018)
 * seeded through splitmix32. 32-bit integer arithmetic only, so it is fast in
 * JavaScript and bit-identical on every platform. Randomness is always an
 * explicit argument (Equinox style): nothing in the library draws from a global.
 */
export type RngState = readonly [number, number, number, number];

function splitmix32(seed: number): () => number {
  let z = seed >>> 0;
  return () => {
    z = (z + 0x9e3779b9) >>> 0;
    let t = z;
    t = Math.imul(t ^ (t >>> 16), 0x21f0aaad);
    t = Math.imul(t ^ (t >>> 15), 0x735a2d97);
    return (t ^ (t >>> 15)) >>> 0;
  };
}

export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  /** @param seed any finite number; its integer part (mod 2³²) selects the stream. */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
    const next = splitmix32(Math.floor(seed) >>> 0 ^ Math.floor(seed / 4294967296));
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform on [0, 1) with 53 random bits. */
  uniform(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** Uniform on [low, high). */
  uniformIn(low: number, high: number): number {
    return low + (high - low) * this.uniform();
  }

  /** A standard normal draw (Box–Muller; one draw per call, so the state stays four words). */
  normal(): number {
    let u = this.uniform();
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** An integer uniform on {0, …, n−1} (n ≤ 2³²), without modulo bias. */
  int(n: number): number {
    if (!(n >= 1 && n <= 4294967296 && Number.isInteger(n))) throw new RangeError(`int(n) needs an integer 1 ≤ n ≤ 2^32, got ${n}`);
    const limit = 4294967296 - (4294967296 % n);
    let r = this.nextUint32();
    while (r >= limit) r = this.nextUint32();
    return r % n;
  }

  /** +1 or −1 with equal probability. */
  sign(): number {
    return this.nextUint32() & 1 ? 1 : -1;
  }

  /** Fills `out` with independent ±1 signs, 32 signs per generator call. */
  fillSigns(out: { length: number; [i: number]: number }): void {
    let bits = 0;
    for (let i = 0; i < out.length; i++) {
      if ((i & 31) === 0) bits = this.nextUint32();
      out[i] = 2 * (bits & 1) - 1; // +1 or −1 without a branch: a random bit mispredicts half the time
      bits >>>= 1;
    }
  }

  /** A new generator whose stream is independent of this one's continuation. */
  split(): Rng {
    const child = new Rng(0);
    // `| 1` keeps the state nonzero; `>>> 0` keeps the word unsigned.
    child.setState([this.nextUint32(), this.nextUint32(), this.nextUint32(), (this.nextUint32() | 1) >>> 0]);
    return child;
  }

  /** The full state, for checkpoints: restoring it continues the stream bit for bit. */
  getState(): RngState {
    // The XORs leave int32 words; report them unsigned, the form setState accepts.
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }

  setState(state: RngState): void {
    if (state.length !== 4 || state.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff)) {
      throw new RangeError('rng state must be four unsigned 32-bit integers');
    }
    if (state.every((w) => w === 0)) throw new RangeError('rng state must not be all zeros');
    [this.s0, this.s1, this.s2, this.s3] = state;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
