/**
 * The degradation RNG: xoshiro128** on 32-bit integers (Math.imul, >>> 0), seeded through splitmix32, so the
 * same seed gives the same stream in every JavaScript engine. Derived draws (uniform, normal, Poisson) use
 * only exactly specified float operations and the deterministic functions of `detmath.ts`.
 *
 * One stream per sample: `new DegradeRng(seed)` or `DegradeRng.forSample(seed, index)`.
 */
import { exp, log, logGamma, logOpenUnit } from './detmath.js';
import { wasmMemory } from '../common/wasm-simd.js';
import { NOISE_FREE_AT, noiseKernel, pairsBytes } from './noise-kernel.js';

/** Below this many normals the WebAssembly call costs more than it saves. */
const WASM_NORMALS_FROM = 64;
/** Pairs per kernel call: bounds the kernel's memory (1 MiB) for any fill length. */
const NORMALS_CHUNK = 65536;

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) >>> 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** FNV-1a hash of a string to 32 bits (for string seeds and stream labels). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export type Seed = number | string;

function seedWords(seed: Seed, stream: number): [number, number, number] {
  if (typeof seed === 'string') return [hashString(seed), 0x5eed, stream >>> 0];
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  const s = Math.trunc(seed);
  const neg = s < 0 ? 1 : 0;
  const a = Math.abs(s);
  const lo = a % 4294967296;
  const hi = Math.floor(a / 4294967296) % 4294967296;
  return [lo >>> 0, (hi ^ (neg ? 0x80000000 : 0)) >>> 0, stream >>> 0];
}

export class DegradeRng {
  // xoshiro128** state as int32 words (the same 32-bit patterns as unsigned words: only bitwise operations
  // and Math.imul touch them). A typed array keeps them unboxed, which matters for per-pixel draws.
  private readonly st = new Int32Array(4);
  private spare: number | null = null;

  constructor(seed: Seed = 0, stream = 0) {
    const [a, b, c] = seedWords(seed, stream);
    const st = { s: (a ^ Math.imul(b, 0x27d4eb2f) ^ Math.imul(c, 0x165667b1)) >>> 0 };
    // Mix every word of the seed into the state.
    this.st[0] = splitmix32(st) ^ a;
    this.st[1] = splitmix32(st) ^ b;
    this.st[2] = splitmix32(st) ^ c;
    this.st[3] = splitmix32(st);
    if ((this.st[0]! | this.st[1]! | this.st[2]! | this.st[3]!) === 0) this.st[0] = 1;
    for (let i = 0; i < 8; i++) this.nextU32();
  }

  /** An independent stream for sample `index` of a run seeded with `seed`. */
  static forSample(seed: Seed, index: number): DegradeRng {
    return new DegradeRng(seed, (index + 1) >>> 0);
  }

  /** A child stream derived from this one (advances this stream by two draws). */
  fork(): DegradeRng {
    const a = this.nextU32();
    const b = this.nextU32();
    return new DegradeRng(a + (b & 0x1fffff) * 4294967296, 0x9e37);
  }

  /** Next 32-bit unsigned integer. */
  nextU32(): number {
    const st = this.st;
    const s0 = st[0]!, s1 = st[1]!, s2 = st[2]!, s3 = st[3]!;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    let n2 = s2 ^ s0;
    let n3 = s3 ^ s1;
    const n1 = s1 ^ n2;
    const n0 = s0 ^ n3;
    n2 ^= t;
    n3 = (n3 << 11) | (n3 >>> 21);
    st[0] = n0; st[1] = n1; st[2] = n2; st[3] = n3;
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  random(): number {
    const a = this.nextU32() >>> 5; // 27 bits
    const b = this.nextU32() >>> 6; // 26 bits
    return (a * 67108864 + b) / 9007199254740992;
  }

  /**
   * Fill `out` with uniforms in [0, 1): the same values in the same order as calling `random()` for each
   * element, with the generator state in locals (per-pixel draws).
   */
  fillUniform(out: Float64Array): void {
    const st = this.st;
    let s0 = st[0]!, s1 = st[1]!, s2 = st[2]!, s3 = st[3]!;
    for (let i = 0; i < out.length; i++) {
      let m5 = Math.imul(s1, 5);
      const a = Math.imul((m5 << 7) | (m5 >>> 25), 9) >>> 5; // 27 bits
      let t = s1 << 9; s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
      m5 = Math.imul(s1, 5);
      const b = Math.imul((m5 << 7) | (m5 >>> 25), 9) >>> 6; // 26 bits
      t = s1 << 9; s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
      out[i] = (a * 67108864 + b) / 9007199254740992;
    }
    st[0] = s0; st[1] = s1; st[2] = s2; st[3] = s3;
  }

  /** Uniform in [lo, hi). */
  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.random();
  }

  /** Integer uniform in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    if (hi < lo) throw new RangeError(`int(${lo}, ${hi}): empty range`);
    return lo + Math.floor(this.random() * (hi - lo + 1));
  }

  /** True with probability p (u < p). */
  bernoulli(p: number): boolean {
    return this.random() < p;
  }

  /** One element, uniformly. */
  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('choice from an empty list');
    return items[Math.floor(this.random() * items.length)]!;
  }

  /** Index drawn with the given (unnormalised) weights. */
  weightedIndex(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let u = this.random() * total;
    for (let i = 0; i < weights.length; i++) {
      u -= weights[i]!;
      if (u < 0) return i;
    }
    return weights.length - 1;
  }

  /** Fisher-Yates shuffle of a copy. */
  shuffle<T>(items: readonly T[]): T[] {
    const a = items.slice();
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      const t = a[i]!; a[i] = a[j]!; a[j] = t;
    }
    return a;
  }

  /** Standard normal (Marsaglia polar method: only log and sqrt, both deterministic here). */
  normal(mean = 0, std = 1): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return mean + std * v;
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * this.random() - 1;
      v = 2 * this.random() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt(-2 * logOpenUnit(s) / s); // 0 < s < 1: the same value as log(s), faster
    this.spare = v * m;
    return mean + std * u * m;
  }

  /**
   * Fill `out` with N(0,1) draws: the same values in the same order as calling `normal()` for each element
   * (pairs from the polar method, a leftover half kept as the spare), without the per-call overhead.
   */
  fillNormal(out: Float32Array | Float64Array): void {
    const n = out.length;
    let i = 0;
    if (n > 0 && this.spare !== null) { out[i++] = 0 + 1 * this.spare; this.spare = null; }
    const kernel = n - i >= WASM_NORMALS_FROM ? noiseKernel() : null;
    if (kernel) {
      // Whole pairs in WebAssembly (the same operations in the same order, so the same values), in bounded chunks;
      // an odd count leaves the last pair's second value as the spare, as below.
      let left = n - i;
      while (left > 0) {
        const k = Math.min((left + 1) >> 1, NORMALS_CHUNK);
        const buf = wasmMemory(kernel.memory, NOISE_FREE_AT + pairsBytes(k));
        const words = new Int32Array(buf, 0, 4);
        words.set(this.st);
        kernel.pairs(NOISE_FREE_AT, k);
        this.st.set(words);
        const z = new Float64Array(buf, NOISE_FREE_AT, 2 * k);
        const take = Math.min(left, 2 * k);
        out.set(take === 2 * k ? z : z.subarray(0, take), i); // a Float32Array rounds each value as a store would
        if (take < 2 * k) this.spare = z[take]!;
        i += take; left -= take;
      }
      return;
    }
    // The same draws as random() (xoshiro128** steps as nextU32), written out with the state in locals:
    // helper closures would move the state into a context object and cost more than they save.
    const st = this.st;
    let s0 = st[0]!, s1 = st[1]!, s2 = st[2]!, s3 = st[3]!;
    let m5: number, r: number, t: number, hiBits = 0;
    while (i < n) {
      let u: number, v: number, s: number;
      do {
        // four 32-bit outputs: u from the first two, v from the last two (as random(): 27 + 26 bits)
        u = v = 0;
        for (let k = 0; k < 4; k++) {
          m5 = Math.imul(s1, 5); r = Math.imul((m5 << 7) | (m5 >>> 25), 9) >>> 0;
          t = s1 << 9; s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
          if ((k & 1) === 0) hiBits = r >>> 5;
          else if (k === 1) u = 2 * ((hiBits * 67108864 + (r >>> 6)) / 9007199254740992) - 1;
          else v = 2 * ((hiBits * 67108864 + (r >>> 6)) / 9007199254740992) - 1;
        }
        s = u * u + v * v;
      } while (s >= 1 || s === 0);
      const m = Math.sqrt(-2 * logOpenUnit(s) / s);
      out[i++] = 0 + 1 * u * m; // as normal(): mean + std·u·m with mean 0, std 1
      const second = v * m;
      if (i < n) out[i++] = 0 + 1 * second;
      else this.spare = second;
    }
    st[0] = s0; st[1] = s1; st[2] = s2; st[3] = s3;
  }

  /**
   * For the WebAssembly kernels that continue this stream (noise.ts): the four state words go to bytes 0..15 of
   * `memory`, `run` steps them there (the kernels' convention), and the generator continues from the words it
   * leaves. `run` gets the pending spare normal (null: none) and returns the one to keep. The words are read
   * through fresh views, so `run` may grow the memory.
   * @internal
   */
  continueIn(memory: WebAssembly.Memory, run: (spare: number | null) => number | null): void {
    new Int32Array(wasmMemory(memory, 16), 0, 4).set(this.st);
    const spare = run(this.spare);
    this.st.set(new Int32Array(memory.buffer, 0, 4));
    this.spare = spare;
  }

  /** log-uniform in [lo, hi). */
  logUniform(lo: number, hi: number): number {
    return exp(this.uniform(log(lo), log(hi)));
  }

  /** Poisson(lambda): inversion for small lambda, PTRS (Hörmann 1993, as numpy) for lambda >= 10. */
  poisson(lambda: number): number {
    if (!(lambda >= 0)) throw new RangeError(`poisson: lambda must be >= 0, got ${lambda}`);
    if (lambda === 0) return 0;
    if (lambda < 10) {
      // sequential search inversion
      let p = exp(-lambda);
      let f = p;
      const u = this.random();
      let k = 0;
      while (u > f && k < 1000) {
        k += 1;
        p *= lambda / k;
        f += p;
      }
      return k;
    }
    const { loglam, b, a, logInvalpha, vr } = ptrsConstants(lambda);
    for (;;) {
      const U = this.random() - 0.5;
      const V = this.random();
      const us = 0.5 - Math.abs(U);
      const k = Math.floor((2 * a / us + b) * U + lambda + 0.43);
      if (us >= 0.07 && V <= vr) return k;
      if (k < 0 || (us < 0.013 && V > us)) continue;
      if (log(V) + logInvalpha - log(a / (us * us) + b) <= -lambda + k * loglam - logFactorial(k)) return k;
    }
  }
}

interface PtrsConstants { loglam: number; b: number; a: number; logInvalpha: number; vr: number }

// Per-pixel Poisson draws (low light: rate = curve(pixel)·photons) repeat a few hundred rates per image; their
// PTRS set-up is a pure function of the rate, so it is computed once per rate (the same values, so the same draws).
const ptrsCache = new Map<number, PtrsConstants>();
const PTRS_CACHE_SIZE = 4096;

function ptrsConstants(lambda: number): PtrsConstants {
  let c = ptrsCache.get(lambda);
  if (c) return c;
  const slam = Math.sqrt(lambda);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invalpha = 1.1239 + 1.1328 / (b - 3.4);
  c = { loglam: log(lambda), b, a, logInvalpha: log(invalpha), vr: 0.9277 - 3.6224 / (b - 2) };
  if (ptrsCache.size >= PTRS_CACHE_SIZE) ptrsCache.clear();
  ptrsCache.set(lambda, c);
  return c;
}

// log(k!) = logGamma(k + 1) for the integers PTRS asks about, computed once each (the same values).
let logFactorials: Float64Array | null = null;
const LOG_FACTORIALS = 4096;

function logFactorial(k: number): number {
  if (k >= LOG_FACTORIALS) return logGamma(k + 1);
  logFactorials ??= new Float64Array(LOG_FACTORIALS).fill(NaN);
  let v = logFactorials[k]!;
  if (Number.isNaN(v)) { v = logGamma(k + 1); logFactorials[k] = v; }
  return v;
}

/**
 * Poisson draws for many pixels whose rates take few distinct values (quantised images): one cumulative
 * table per rate, sampled by inversion. Exact, and much faster than a rejection sampler per pixel.
 */
export class PoissonTable {
  private tables = new Map<number, PoissonInverse>();

  sample(rng: DegradeRng, lambda: number): number {
    if (lambda <= 0) return 0;
    return PoissonTable.draw(rng, this.table(lambda));
  }

  /** The inversion table for rate `lambda` > 0 (built once per rate). */
  table(lambda: number): PoissonInverse {
    let t = this.tables.get(lambda);
    if (!t) {
      t = withGuide(poissonCdf(lambda));
      this.tables.set(lambda, t);
    }
    return t;
  }

  /** One draw by inversion (one uniform from `rng`): the first k with cdf[k] > u. */
  static draw(rng: DegradeRng, t: PoissonInverse): number {
    return PoissonTable.invert(t.cdf, t.guide, rng.random());
  }

  /** The first k with cdf[k] > u (u in [0, 1)). */
  static invert(cdf: Float64Array, guide: Int32Array, u: number): number {
    const hi = cdf.length - 1;
    if (u >= cdf[hi]!) return hi;
    // The guide gives the answer for the bottom of u's bucket; the answer for u is at or after it, a step
    // or two on. Same result as a binary search over the whole table.
    let k = guide[(u * GUIDE_BUCKETS) | 0]!;
    while (cdf[k]! <= u) k++;
    return k;
  }
}

/** A Poisson cumulative table with a guide: guide[j] = first k with cdf[k] > j/GUIDE_BUCKETS. */
export interface PoissonInverse { cdf: Float64Array; guide: Int32Array }

const GUIDE_BUCKETS = 64;

function withGuide(cdf: Float64Array): PoissonInverse {
  const guide = new Int32Array(GUIDE_BUCKETS);
  const hi = cdf.length - 1;
  let k = 0;
  for (let j = 0; j < GUIDE_BUCKETS; j++) {
    const t = j / GUIDE_BUCKETS;
    while (k < hi && cdf[k]! <= t) k++;
    guide[j] = k;
  }
  return { cdf, guide };
}

/** The cumulative Poisson(λ) table up to λ + 12√λ + 20, normalised to end at 1 (PoissonTable's, and poissonNoise's). */
export function poissonCdf(lambda: number): Float64Array {
  // Work in logs from the mode outwards to stay accurate for any lambda.
  const mode = Math.floor(lambda);
  const lmode = mode * log(lambda) - lambda - logGamma(mode + 1);
  const hi = Math.ceil(lambda + 12 * Math.sqrt(lambda) + 20);
  const p = new Float64Array(hi + 1);
  p[mode] = exp(lmode);
  for (let k = mode + 1; k <= hi; k++) p[k] = p[k - 1]! * lambda / k;
  for (let k = mode - 1; k >= 0; k--) p[k] = p[k + 1]! * (k + 1) / lambda;
  let s = 0;
  for (let k = 0; k <= hi; k++) { s += p[k]!; p[k] = s; }
  for (let k = 0; k <= hi; k++) p[k] = p[k]! / s;
  return p;
}
