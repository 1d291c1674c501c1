/**
 * Seeded random numbers that are bit-identical in Node and in every browser.
 *
 * Core: xoshiro128** (Blackman & Vigna), 128-bit state, 32-bit integer arithmetic only (Math.imul, shifts,
 * `>>> 0`). Seeding: splitmix32-style mixing of the seed's low and high 32-bit words (numbers) or of a
 * 64-bit hash of the UTF-8 bytes (strings). Normals use the Marsaglia polar method with our own port of
 * fdlibm's `log` (plain IEEE double +,−,×,÷ and exact `Math.sqrt`), so no engine-specific transcendental
 * function can change a single bit. The spare normal is part of `state()`, so a resumed stream continues
 * exactly where it stopped. Long normal fills run the same operations in WebAssembly SIMD (wasm/normals.wat), which
 * gives the same values and leaves the same state ~6× faster than the TypeScript loop; tests compare the two.
 */
import { IrsdeError } from '../common/errors.js';
import { normalsWasmBase64 } from './wasm/normals.wasm.js';
import { lazySimdKernel, wasmMemory } from '../common/wasm-simd.js';

/** Everything needed to resume a stream bit-for-bit; plain JSON. */
export interface RngState {
  kind: 'xoshiro128**';
  s: [number, number, number, number];
  /** The cached second value of the last polar-method pair, or null. */
  spare: number | null;
}

export type Seed = number | string;

const TWO_POW_32 = 4294967296;
const INV_2_32 = 1 / 4294967296;
const INV_2_24 = 1 / 16777216;
const INV_2_31 = 1 / 2147483648;

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A 32-bit bijective mixer (the splitmix32 finaliser: 0x21f0aaad / 0x735a2d97 with shifts 16, 15, 15). */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x21f0aaad);
  x ^= x >>> 15;
  x = Math.imul(x, 0x735a2d97);
  x ^= x >>> 15;
  return x >>> 0;
}

const GOLDEN = 0x9e3779b9;

/** Two 32-bit words from a string (cyrb53-style over its UTF-8 bytes). */
export function hashString(s: string): [number, number] {
  const bytes = new TextEncoder().encode(s);
  let h1 = 0xdeadbeef ^ bytes.length;
  let h2 = 0x41c6ce57 ^ bytes.length;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h1 >>> 0, h2 >>> 0];
}

function seedWords(seed: Seed): [number, number] {
  if (typeof seed === 'string') return hashString(seed);
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
    throw new IrsdeError('bad-seed', `seed must be a safe integer or a string, got ${String(seed)}`, { hint: 'use e.g. --seed 42' });
  }
  const lo = seed >>> 0; // ToUint32: two's complement for negatives
  const hi = Math.floor(seed / TWO_POW_32) >>> 0;
  return [lo, hi];
}

/**
 * 128-bit state from two seed words: splitmix32 on each word, then the keyed 128-bit mixer so that every
 * state word (and so the very first output) depends on both. Injective: distinct seeds, distinct states.
 */
function stateFromWords(lo: number, hi: number): [number, number, number, number] {
  let a = lo >>> 0;
  let b = (hi ^ 0x6a09e667) >>> 0;
  a = (a + GOLDEN) >>> 0;
  const x0 = mix32(a);
  a = (a + GOLDEN) >>> 0;
  const x1 = mix32(a);
  b = (b + GOLDEN) >>> 0;
  const y0 = mix32(b);
  b = (b + GOLDEN) >>> 0;
  const y1 = mix32(b);
  return mixState([x0, x1, y0, y1], 0xbb67ae85, 0x3c6ef372);
}

function nonZero(s: [number, number, number, number]): [number, number, number, number] {
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1; // the one state xoshiro cannot leave
  return s;
}

/** A keyed bijection of 128-bit states (used by fork/split): a different key gives an unrelated stream. */
function mixState(s: readonly number[], k0: number, k1: number): [number, number, number, number] {
  const k2 = mix32(k0 ^ 0x85ebca6b);
  const k3 = mix32(k1 ^ 0xc2b2ae35);
  let c0 = mix32(s[0]! ^ k0);
  let c1 = mix32(s[1]! ^ k1 ^ c0);
  let c2 = mix32(s[2]! ^ k2 ^ c1);
  let c3 = mix32(s[3]! ^ k3 ^ c2);
  c0 = mix32(c0 ^ c3);
  c1 = mix32(c1 ^ c0);
  c2 = mix32(c2 ^ c1);
  c3 = mix32(c3 ^ c2);
  return nonZero([c0, c1, c2, c3]);
}

// ---------------------------------------------------------------------------------------------------------
// Deterministic natural log: a port of fdlibm's __ieee754_log (as used by V8's Math.log). Only IEEE double
// arithmetic, so every engine gives the same bits.

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LO = 1 - HI;

const ln2_hi = 6.93147180369123816490e-01;
const ln2_lo = 1.90821492927058770002e-10;
const two54 = 1.80143985094819840000e+16;
const Lg1 = 6.666666666666735130e-01;
const Lg2 = 3.999999999940941908e-01;
const Lg3 = 2.857142874366239149e-01;
const Lg4 = 2.222219843214978396e-01;
const Lg5 = 1.818357216161805012e-01;
const Lg6 = 1.531383769920937332e-01;
const Lg7 = 1.479819860511658591e-01;

export function detLog(x: number): number {
  f64[0] = x;
  let hx = u32[HI]! | 0;
  const lx = u32[LO]!;
  let k = 0;
  if (hx < 0x00100000) {
    if (((hx & 0x7fffffff) | lx) === 0) return -Infinity;
    if (hx < 0) return NaN;
    k -= 54;
    x *= two54;
    f64[0] = x;
    hx = u32[HI]! | 0;
  }
  if (hx >= 0x7ff00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  const i0 = (hx + 0x95f64) & 0x100000;
  u32[HI] = hx | (i0 ^ 0x3ff00000);
  x = f64[0]!;
  k += i0 >> 20;
  return logTail(x - 1.0, k, hx);
}

/**
 * fdlibm's log from f = x' − 1 (x' the mantissa, scaled into [√2/2, √2)), the exponent k and hx, the top 20
 * mantissa bits of the original argument, which pick the branch.
 */
function logTail(f: number, k: number, hx: number): number {
  if ((0x000fffff & (2 + hx)) < 3) {
    if (f === 0) {
      if (k === 0) return 0;
      return k * ln2_hi + k * ln2_lo;
    }
    const R = f * f * (0.5 - 0.33333333333333333 * f);
    if (k === 0) return f - R;
    return k * ln2_hi - ((R - k * ln2_lo) - f);
  }
  const s = f / (2.0 + f);
  const dk = k;
  const z = s * s;
  let i = hx - 0x6147a;
  const w = z * z;
  const j = 0x6b851 - hx;
  const t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
  const t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
  i |= j;
  const R = t2 + t1;
  if (i > 0) {
    const hfsq = 0.5 * f * f;
    if (k === 0) return f - (hfsq - s * (hfsq + R));
    return dk * ln2_hi - ((hfsq - (s * (hfsq + R) + dk * ln2_lo)) - f);
  }
  if (k === 0) return f - s * (f - R);
  return dk * ln2_hi - ((s * (f - R) - dk * ln2_lo) - f);
}

/**
 * `detLog(x)` for 0 < x < 1 (normal numbers), bit for bit, without reading the bits through a typed array
 * (that round trip through memory made the polar method's log the bulk of a normal draw). The exponent comes
 * from exact doublings; `hx`, the top 20 mantissa bits fdlibm branches on, is ⌊(m − 1)·2²⁰⌋, also exact.
 */
export function detLogOpenUnit(x: number): number {
  let m = x, k = 0;
  while (m < 1) { m *= 2; k -= 1; } // m = x·2^−k in [1, 2), exactly
  const hx = Math.floor((m - 1) * 1048576); // the high word's mantissa bits
  // fdlibm: i0 = (hx + 0x95f64) & 0x100000 picks m/2 when m ≥ 1 + 0x6a09c·2^−20 (about √2)
  if (hx >= 0x6a09c) { m *= 0.5; k += 1; }
  return logTail(m - 1.0, k, hx);
}

// ---------------------------------------------------------------------------------------------------------

/**
 * Below this many values the WebAssembly call costs more than it saves: whatever the count, the kernel makes one
 * block of 4096 generator outputs (about 2 µs here); the TypeScript loop takes about 1.7 µs for 64 values, 3.3 for 128.
 */
const WASM_NORMALS_FROM = 128;
/** Pairs per kernel call: bounds the kernel's memory (NORMALS_FREE_AT + 1 MiB) for any fill length. */
const NORMALS_CHUNK = 65536;
/** The first byte of the kernel's memory free for the caller (normals.wat keeps its generator blocks and arrays below). */
const NORMALS_FREE_AT = 55424;
export let useWasmNormals = true;
/** For tests and benchmarks: draw normals in TypeScript only. */
export function setWasmNormals(on: boolean): void { useWasmNormals = on; }

interface NormalsKernel {
  memory: WebAssembly.Memory;
  /**
   * k ≥ 1 pairs from the state at byte 0 (written back): 2k values mean + std·z at `dst` as f32 (`f32` 1) or f64, and
   * room for two more; returns the last pair's second z itself (the spare of an odd count).
   */
  fill: (dst: number, k: number, mean: number, std: number, f32: number) => number;
  /** n values in (0, 1) at `at` replaced by their logs. */
  logs: (at: number, n: number) => void;
}
/** The normals kernel (WebAssembly SIMD), or null where that is unavailable (then the TypeScript loop draws the same values). */
const normalsKernel = lazySimdKernel<NormalsKernel>(normalsWasmBase64);
/** For tests: the kernel's log of values in (0, 1), or null without the kernel; must equal `detLogOpenUnit` bit for bit. */
export function kernelLogOpenUnit(values: Float64Array): Float64Array | null {
  const k = normalsKernel();
  if (!k) return null;
  const buf = wasmMemory(k.memory, NORMALS_FREE_AT + 8 * values.length);
  new Float64Array(buf, NORMALS_FREE_AT, values.length).set(values);
  k.logs(NORMALS_FREE_AT, values.length);
  return new Float64Array(buf, NORMALS_FREE_AT, values.length).slice();
}

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | null = null;

  /** A stream from a seed: a safe integer (negative allowed) or any string. */
  constructor(seed: Seed = 0) {
    const [lo, hi] = seedWords(seed);
    [this.s0, this.s1, this.s2, this.s3] = stateFromWords(lo, hi);
  }

  /** Resume a stream saved with `state()`. */
  static fromState(st: RngState): Rng {
    if (!st || st.kind !== 'xoshiro128**' || !Array.isArray(st.s) || st.s.length !== 4 ||
        !st.s.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_POW_32) ||
        (st.spare !== null && typeof st.spare !== 'number')) {
      throw new IrsdeError('bad-rng-state', 'RNG state is not a saved xoshiro128** state', { hint: 'the checkpoint may be corrupt or from another program' });
    }
    if ((st.s[0] | st.s[1] | st.s[2] | st.s[3]) === 0) throw new IrsdeError('bad-rng-state', 'RNG state is all zero');
    const r = Object.create(Rng.prototype) as Rng;
    r.s0 = st.s[0] | 0;
    r.s1 = st.s[1] | 0;
    r.s2 = st.s[2] | 0;
    r.s3 = st.s[3] | 0;
    r.spare = st.spare;
    return r;
  }

  private static fromWords(s: [number, number, number, number]): Rng {
    return Rng.fromState({ kind: 'xoshiro128**', s, spare: null });
  }

  /** A copy of the current position (JSON-serialisable). */
  state(): RngState {
    return { kind: 'xoshiro128**', s: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0], spare: this.spare };
  }

  /** An independent copy at the same position. */
  clone(): Rng {
    return Rng.fromState(this.state());
  }

  /** The next 32-bit unsigned integer. */
  nextU32(): number {
    const s0 = this.s0, s1 = this.s1;
    let s2 = this.s2, s3 = this.s3;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    this.s1 = s1 ^ s2;
    this.s0 = s0 ^ s3;
    this.s2 = s2 ^ t;
    this.s3 = rotl(s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 32-bit resolution (multiples of 2^-32). */
  uniform(): number {
    return this.nextU32() * INV_2_32;
  }

  /** Uniform in [0, 1) with 24-bit resolution: exactly representable as float32, so never rounds to 1. */
  uniform24(): number {
    return (this.nextU32() >>> 8) * INV_2_24;
  }

  /** Uniform in [0, 1) with 53-bit resolution (two draws). */
  uniform53(): number {
    const a = this.nextU32() >>> 5, b = this.nextU32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** Uniform integer in [0, n), unbiased (rejection), for 1 ≤ n ≤ 2^32. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) {
      throw new IrsdeError('bad-argument', `rng.int(n) needs an integer 1 ≤ n ≤ 2^32, got ${n}`);
    }
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    let r = this.nextU32();
    while (r >= limit) r = this.nextU32();
    return r % n;
  }

  /** Standard normal (Marsaglia polar; pairs, the second cached). */
  normal(): number {
    const sp = this.spare;
    if (sp !== null) {
      this.spare = null;
      return sp;
    }
    let u: number, v: number, s: number;
    do {
      u = this.nextU32() * INV_2_31 - 1;
      v = this.nextU32() * INV_2_31 - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * detLogOpenUnit(s)) / s);
    this.spare = v * m;
    return u * m;
  }

  /**
   * Fill with uniforms in [lo, hi). Float32Array gets 24-bit values (exact in float32, never equal to 1);
   * Float64Array gets 32-bit values.
   */
  fillUniform<T extends Float32Array | Float64Array>(arr: T, lo = 0, hi = 1): T {
    const span = hi - lo;
    if (arr instanceof Float32Array) {
      for (let i = 0; i < arr.length; i++) arr[i] = lo + span * ((this.nextU32() >>> 8) * INV_2_24);
    } else {
      for (let i = 0; i < arr.length; i++) arr[i] = lo + span * (this.nextU32() * INV_2_32);
    }
    return arr;
  }

  /** Fill with N(mean, std²); the same values as `mean + std * normal()` called in a loop. */
  fillNormal<T extends Float32Array | Float64Array>(arr: T, mean = 0, std = 1): T {
    const n = arr.length;
    let i = 0;
    if (i < n && this.spare !== null) {
      arr[i++] = mean + std * this.spare;
      this.spare = null;
    }
    const kernel = n - i >= WASM_NORMALS_FROM && useWasmNormals ? normalsKernel() : null;
    if (kernel) {
      // Whole pairs in WebAssembly (the same operations in the same order, so the same values, mean + std·z included),
      // in bounded chunks; an odd count leaves the last pair's second value as the spare, as below.
      const f32 = arr instanceof Float32Array;
      let left = n - i;
      while (left > 0) {
        const k = Math.min((left + 1) >> 1, NORMALS_CHUNK);
        const buf = wasmMemory(kernel.memory, NORMALS_FREE_AT + (2 * k + 2) * (f32 ? 4 : 8));
        const st = new Int32Array(buf, 0, 4);
        st[0] = this.s0; st[1] = this.s1; st[2] = this.s2; st[3] = this.s3;
        const lastSecond = kernel.fill(NORMALS_FREE_AT, k, mean, std, f32 ? 1 : 0);
        this.s0 = st[0]!; this.s1 = st[1]!; this.s2 = st[2]!; this.s3 = st[3]!;
        const take = Math.min(left, 2 * k);
        arr.set(f32 ? new Float32Array(buf, NORMALS_FREE_AT, take) : new Float64Array(buf, NORMALS_FREE_AT, take), i);
        i += take;
        left -= take;
        if (take < 2 * k) this.spare = lastSecond;
      }
      return arr;
    }
    while (i < n) {
      let u: number, v: number, s: number;
      do {
        u = this.nextU32() * INV_2_31 - 1;
        v = this.nextU32() * INV_2_31 - 1;
        s = u * u + v * v;
      } while (s >= 1 || s === 0);
      const m = Math.sqrt((-2 * detLogOpenUnit(s)) / s);
      arr[i++] = mean + std * (u * m);
      if (i < n) arr[i++] = mean + std * (v * m);
      else this.spare = v * m;
    }
    return arr;
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T>(arr: T[]): T[] {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = arr[i]!;
      arr[i] = arr[j]!;
      arr[j] = t;
    }
    return arr;
  }

  /**
   * A child stream named by `label`, derived from this stream's current position without advancing it:
   * the same label at the same position always gives the same child; different labels give unrelated ones.
   */
  fork(label: string | number): Rng {
    const [a, b] = typeof label === 'string' ? hashString(label) : seedWords(label);
    return Rng.fromWords(mixState([this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0], mix32(a ^ 0x243f6a88), mix32(b ^ 0x13198a2e)));
  }

  /** A new independent stream; advances this one (by four draws), so each call gives a different child. */
  split(): Rng {
    const w = [this.nextU32(), this.nextU32(), this.nextU32(), this.nextU32()];
    return Rng.fromWords(mixState(w, 0xa4093822, 0x299f31d0));
  }
}

/** Shorthand for `new Rng(seed)`. */
export function createRng(seed: Seed = 0): Rng {
  return new Rng(seed);
}
