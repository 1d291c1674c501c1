/** Noise operators (DEGRADATIONS.md §6). All draws come from the DegradeRng passed in. */
import { createImage, type FloatImage } from '../image/types.js';
import { takeImageBuffer } from '../image/buffers.js';
import { quantizeInPlace, toUint8 } from '../image/convert.js';
import { rgbToLuma } from '../image/color.js';
import { poissonCdf, type DegradeRng } from './random.js';
import { wasmMemory } from '../common/wasm-simd.js';
import { NOISE_FREE_AT, noiseKernel, pairsBytes, poissonKernel, type NoiseKernel } from './noise-kernel.js';

function clip01(v: number): number { return v < 0 ? 0 : v > 1 ? 1 : v; }

/**
 * Additive Gaussian noise, σ on the 0..255 scale: one H×W field shared by all channels (`grey`) or
 * independent per channel; out = clip(img + n, 0, 1) (`clip: false` keeps it unclipped).
 */
export function gaussianNoise(img: FloatImage, sigma255: number, rng: DegradeRng, opts: { grey?: boolean; clip?: boolean } = {}): FloatImage {
  if (!(sigma255 >= 0) || !Number.isFinite(sigma255)) throw new RangeError(`noise sigma must be >= 0 (0..255 scale), got ${sigma255}`);
  const { width: W, height: H, channels: C } = img;
  const out = { data: takeImageBuffer(W * H * C), width: W, height: H, channels: C };
  const s = img.data, d = out.data;
  const sd = sigma255 / 255;
  const clip = opts.clip ?? true;
  const group = opts.grey ? C : 1; // values per draw
  const kernel = s.length / group >= WASM_NOISE_FROM ? noiseKernel() : null;
  if (kernel) { addGaussianWasm(kernel, rng, s, d, group, sd, clip); return out; }
  // one N(0,1) per pixel (grey) or per value, drawn in pixel order
  const normals = new Float64Array(opts.grey ? W * H : s.length);
  rng.fillNormal(normals);
  if (opts.grey) {
    for (let p = 0; p < W * H; p++) {
      const n = normals[p]! * sd;
      for (let c = 0; c < C; c++) { const v = s[p * C + c]! + n; d[p * C + c] = clip ? clip01(v) : v; }
    }
  } else {
    for (let i = 0; i < s.length; i++) { const v = s[i]! + normals[i]! * sd; d[i] = clip ? clip01(v) : v; }
  }
  return out;
}

/** Below this many draws the copies in and out of the kernel cost more than they save. */
const WASM_NOISE_FROM = 256;
/** Draws per kernel call for Gaussian noise: the normals, input and output of a chunk stay in cache. */
const GAUSS_CHUNK = 16384;

/**
 * gaussianNoise in the kernel: normals drawn straight into its memory and d = clip(s + n·sd) applied there, chunk
 * by chunk, instead of a float64 array of normals and a second pass. The same draws (a pending spare first, an odd
 * count leaves one) and the same float64 arithmetic, so the same bits.
 */
function addGaussianWasm(kernel: NoiseKernel, rng: DegradeRng, s: Float32Array, d: Float32Array, group: number, sd: number, clip: boolean): void {
  const draws = s.length / group;
  rng.continueIn(kernel.memory, (spare) => {
    let j = 0;
    if (spare !== null) {
      const n = (0 + 1 * spare) * sd; // as fillNormal hands out the spare
      for (let c = 0; c < group; c++) { const v = s[c]! + n; d[c] = clip ? clip01(v) : v; }
      j = 1;
    }
    const most = Math.min(GAUSS_CHUNK, draws - j);
    const zAt = NOISE_FREE_AT, srcAt = zAt + pairsBytes((most + 1) >> 1);
    const dstAt = srcAt + 4 * most * group;
    const buf = wasmMemory(kernel.memory, dstAt + 4 * most * group);
    const sv = new Float32Array(buf, srcAt, most * group), dv = new Float32Array(buf, dstAt, most * group);
    let left: number | null = null;
    while (j < draws) {
      const n = Math.min(GAUSS_CHUNK, draws - j); // even but for the last chunk
      kernel.pairs(zAt, (n + 1) >> 1);
      sv.set(s.subarray(j * group, (j + n) * group));
      kernel.addScaled(srcAt, dstAt, zAt, n, group, sd, clip ? 1 : 0);
      d.set(n === most ? dv : dv.subarray(0, n * group), j * group);
      if (n & 1) left = new Float64Array(buf, zAt + 8 * n, 1)[0]!;
      j += n;
    }
    return left;
  });
}

/**
 * A Poisson inversion table for the noise: random.ts's cumulative table for the rate, and a fine guide. For bucket
 * j of FINE_BUCKETS, k0 = the first k with cdf[k] > j/FINE_BUCKETS (hi if none); when cdf[k0] ≥ (j+1)/FINE_BUCKETS
 * (EXACT), every u in the bucket has cdf[k0 − 1] ≤ j/FINE_BUCKETS ≤ u < cdf[k0], so the first k with cdf[k] > u is
 * k0 with no search: about 92 % of the draws on a natural image (7.6 % search on the Set5 baby crop, V = 256),
 * where the 64 buckets of PoissonTable's guide left 42 % of them to a (mispredicted) search step. Otherwise the
 * search runs on from k0, as PoissonTable.invert's does from its guide: the same answer either way. One byte per
 * bucket keeps the tables of an image in cache: guide[j] = (k0 − base) | EXACT-bit, base = k0 of bucket 1 (k0 spans
 * about ±3.1σ ≤ 100 values above bucket 0 for rates ≤ 256); a k0 out of that range (bucket 0 of the larger rates)
 * is FROM_ZERO, a search from k = 0. 4096 buckets (2.3 % search) made the kernel's `poisson` on 256² RGB faster
 * alone (1.26 → 1.12 ms) but not inside the wild pipeline (its noise share the same within noise), for 2.7 times
 * the tables' memory: not taken.
 */
interface NoiseTable { cdf: Float64Array; guide: Uint8Array; base: number }
const FINE_BITS = 10, FINE_BUCKETS = 1 << FINE_BITS;
const EXACT = 0x80, FROM_ZERO = 0x7f;

/**
 * The tables of every rate used so far, shared by all calls: a table depends only on its rate (b/255)·V, and with
 * V a power of two up to 256 there are at most 9 · 255 of them (4.1 MB), while building the ~250 of one image
 * took longer than drawing its noise.
 */
const noiseTables = new Map<number, NoiseTable>();

function noiseTable(lambda: number): NoiseTable {
  let t = noiseTables.get(lambda);
  if (!t) {
    const cdf = poissonCdf(lambda), hi = cdf.length - 1;
    const k0 = new Int32Array(FINE_BUCKETS), exact = new Uint8Array(FINE_BUCKETS);
    let k = 0;
    for (let j = 0; j < FINE_BUCKETS; j++) {
      while (k < hi && cdf[k]! <= j / FINE_BUCKETS) k++;
      k0[j] = k; exact[j] = cdf[k]! >= (j + 1) / FINE_BUCKETS ? 1 : 0;
    }
    const base = k0[1]!;
    const guide = new Uint8Array(FINE_BUCKETS);
    for (let j = 0; j < FINE_BUCKETS; j++) {
      const off = k0[j]! - base;
      guide[j] = off >= 0 && off < (exact[j] ? 128 : 127) ? off | (exact[j] ? EXACT : 0) : FROM_ZERO;
    }
    t = { cdf, guide, base };
    noiseTables.set(lambda, t);
  }
  return t;
}

/** The first k with cdf[k] > u (u in [0, 1)), or the last index if none: PoissonTable.invert's answer. */
function invert(t: NoiseTable, u: number): number {
  const e = t.guide[(u * FINE_BUCKETS) | 0]!;
  if (e & EXACT) return t.base + (e & ~EXACT);
  let k = e === FROM_ZERO ? 0 : t.base + e;
  const cdf = t.cdf, hi = cdf.length - 1;
  while (k < hi && cdf[k]! <= u) k++;
  return k;
}

/**
 * Poisson (shot) noise as BasicSR: base = q(img) (or q(luma) when grey), V = 2^⌈log₂(#distinct values)⌉,
 * n = (Poisson(base·V)/V − base)·scale, out = clip(img + n, 0, 1).
 */
export function poissonNoise(img: FloatImage, scale: number, rng: DegradeRng, opts: { grey?: boolean } = {}): FloatImage {
  if (!(scale >= 0) || !Number.isFinite(scale)) throw new RangeError(`Poisson scale must be >= 0, got ${scale}`);
  const { width: W, height: H, channels: C } = img;
  // grey on two channels reads past each pixel (rgbToLuma takes three): left to the TypeScript
  const kernel = img.data.length >= WASM_NOISE_FROM && !(opts.grey && C === 2) ? poissonKernel() : null;
  if (kernel) return poissonWasm(kernel, img, scale, rng, opts.grey ?? false);
  const src = opts.grey ? rgbToLuma(img) : img;
  const base = toUint8(src); // q(·) as bytes
  const seen = new Uint8Array(256);
  let draws = 0;
  for (let i = 0; i < base.length; i++) { const b = base[i]!; seen[b] = 1; if (b) draws++; }
  let distinct = 0;
  for (let b = 0; b < 256; b++) distinct += seen[b]!;
  let V = 1;
  while (V < distinct) V *= 2; // 2^ceil(log2(#distinct))
  // The rate depends only on the byte value, so find each value's table once, not once per pixel.
  // Byte 0 has rate 0: no draw, no noise (as `PoissonTable.sample`); every other pixel takes one uniform,
  // in pixel order, so they are drawn up front.
  const tables: NoiseTable[] = [];
  for (let b = 0; b < 256; b++) tables.push(seen[b] && b > 0 ? noiseTable((b / 255) * V) : EMPTY_TABLE);
  const u = new Float64Array(draws);
  rng.fillUniform(u);
  const noise = new Float32Array(base.length);
  for (let i = 0, j = 0; i < base.length; i++) {
    const byte = base[i]!;
    if (byte === 0) { noise[i] = 0; continue; }
    noise[i] = (invert(tables[byte]!, u[j++]!) / V - byte / 255) * scale;
  }
  const out = createImage(W, H, C);
  const s = img.data, d = out.data;
  if (opts.grey) {
    for (let p = 0; p < W * H; p++) for (let c = 0; c < C; c++) d[p * C + c] = clip01(s[p * C + c]! + noise[p]!);
  } else {
    for (let i = 0; i < s.length; i++) d[i] = clip01(s[i]! + noise[i]!);
  }
  return out;
}

/** For tests: `invert` on the noise table of rate `lambda` (must equal PoissonTable.invert on its cdf and guide). */
export function poissonNoiseInvert(lambda: number, u: number): number {
  return invert(noiseTable(lambda), u);
}

const EMPTY_TABLE: NoiseTable = { cdf: new Float64Array(0), guide: new Uint8Array(0), base: 0 };

// The Poisson kernel's memory (its own instance): the state and the kernel's generator blocks (below NOISE_FREE_AT),
// per byte value 16 bytes of table addresses and 256 f64 of b/255, the histogram (4 KB: the kernel counts four values
// at a time in four histograms, then sums them into the first 1 KB), then the tables (kept: each is copied in once,
// on first use), then one chunk of the image.
const TABS_AT = NOISE_FREE_AT, HIST_AT = TABS_AT + 4096 + 2048, ARENA_AT = HIST_AT + 4096;
let arenaEnd = ARENA_AT;
const residentAt = new Map<NoiseTable, number>();
/**
 * Pixels per kernel call (11 bytes each for colour): bounds the kernel's memory for any image. WebAssembly memory
 * never shrinks, so a whole large image there would stay allocated for the life of the process.
 */
const POISSON_CHUNK = 1 << 18;

/**
 * poissonNoise in the kernel: q(·) of the image (or of its luma) with the byte histogram, then per pixel the draw,
 * the table inversion and the clipped output, with no array of uniforms or of noise in between. The same
 * operations as the TypeScript, so the same bits. Chunk by chunk: every pixel is independent but for the draws,
 * whose stream continues from chunk to chunk in the kernel's state words; the histogram (V depends on the whole
 * image) takes a first pass, and a large image's bytes are recomputed in the second.
 */
function poissonWasm(kernel: NoiseKernel, img: FloatImage, scale: number, rng: DegradeRng, grey: boolean): FloatImage {
  const { width: W, height: H, channels: C } = img;
  const n = img.data.length;
  const npix = grey ? W * H : n, group = grey ? C : 1;
  const chunk = Math.min(npix, POISSON_CHUNK);
  let srcAt = 0, dstAt = 0, bytesAt = 0, ksAt = 0;
  const layout = (): void => {
    srcAt = (arenaEnd + 15) & ~15; dstAt = srcAt + 4 * chunk * group; ksAt = dstAt + 4 * chunk * group; bytesAt = ksAt + 2 * chunk;
    wasmMemory(kernel.memory, bytesAt + chunk + 16); // 4-byte loads near the end
  };
  // q(·) of pixels [p0, p0 + m) to the bytes; their histogram at HIST_AT
  const quantize = (p0: number, m: number): void => {
    new Float32Array(kernel.memory.buffer, srcAt, m * group).set(img.data.subarray(p0 * group, (p0 + m) * group));
    // grey on one channel: its luma is the channel itself (rgbToLuma copies it)
    kernel.bytes(srcAt, m, grey && C >= 3 ? 1 : 0, grey ? C : 1, bytesAt, HIST_AT);
  };
  layout();
  const hist = new Int32Array(256);
  for (let p0 = 0; p0 < npix; p0 += chunk) {
    quantize(p0, Math.min(chunk, npix - p0));
    const h = new Int32Array(kernel.memory.buffer, HIST_AT, 256);
    for (let b = 0; b < 256; b++) hist[b] = hist[b]! + h[b]!;
  }
  // one chunk: its bytes are still in place, unless new tables go over them
  let bytesReady = chunk === npix;
  let distinct = 0;
  for (let b = 0; b < 256; b++) if (hist[b]! > 0) distinct++;
  let V = 1;
  while (V < distinct) V *= 2; // 2^ceil(log2(#distinct))
  const tables: Array<NoiseTable | null> = [];
  const missing: NoiseTable[] = [];
  for (let b = 0; b < 256; b++) {
    const t = b > 0 && hist[b]! > 0 ? noiseTable((b / 255) * V) : null;
    tables.push(t);
    if (t && !residentAt.has(t)) missing.push(t);
  }
  if (missing.length) {
    // New tables go after the others, over the image chunk, which moves up.
    let end = arenaEnd;
    for (const t of missing) end = (end + 8 * t.cdf.length + t.guide.length + 7) & ~7;
    const buf = wasmMemory(kernel.memory, end);
    for (const t of missing) {
      new Float64Array(buf, arenaEnd, t.cdf.length).set(t.cdf);
      new Uint8Array(buf, arenaEnd + 8 * t.cdf.length, t.guide.length).set(t.guide);
      residentAt.set(t, arenaEnd);
      arenaEnd = (arenaEnd + 8 * t.cdf.length + t.guide.length + 7) & ~7;
    }
    layout();
    bytesReady = false;
  }
  const tabs = new Int32Array(kernel.memory.buffer, TABS_AT, 1024);
  for (let b = 0; b < 256; b++) {
    const t = tables[b];
    const at = t ? residentAt.get(t)! : 0;
    tabs[4 * b] = at;
    tabs[4 * b + 1] = t ? at + 8 * t.cdf.length : 0;
    tabs[4 * b + 2] = t ? t.cdf.length - 1 : 0;
    tabs[4 * b + 3] = t ? t.base : 0;
  }
  const out = { data: takeImageBuffer(W * H * C), width: W, height: H, channels: C };
  rng.continueIn(kernel.memory, (spare) => {
    for (let p0 = 0; p0 < npix; p0 += chunk) {
      const m = Math.min(chunk, npix - p0);
      if (!bytesReady) quantize(p0, m); // (the same bytes as in the first pass)
      kernel.poisson(bytesAt, m, srcAt, dstAt, group, 1 / V, scale, TABS_AT, FINE_BITS, ksAt);
      out.data.set(new Float32Array(kernel.memory.buffer, dstAt, m * group), p0 * group);
    }
    return spare;
  });
  return out;
}

export interface NoiseStep { op: 'gaussian_noise' | 'poisson_noise'; sigma255?: number; scale?: number; grey: boolean }

/**
 * `random_noise`: with prob 0.6 Gaussian σ255 ~ U(1, 5), grey w.p. 0.4; independently with prob 0.4 Poisson
 * scale ~ U(0.01, 0.5), grey w.p. 0.4; then q(·).
 */
export function randomNoise(img: FloatImage, rng: DegradeRng): { image: FloatImage; steps: NoiseStep[] } {
  const steps: NoiseStep[] = [];
  let out = img;
  if (rng.random() < 0.6) {
    const sigma255 = rng.uniform(1, 5);
    const grey = rng.random() < 0.4;
    out = gaussianNoise(out, sigma255, rng, { grey });
    steps.push({ op: 'gaussian_noise', sigma255, grey });
  }
  if (rng.random() < 0.4) {
    const scale = rng.uniform(0.01, 0.5);
    const grey = rng.random() < 0.4;
    out = poissonNoise(out, scale, rng, { grey });
    steps.push({ op: 'poisson_noise', scale, grey });
  }
  if (out === img) out = { ...img, data: img.data.slice() };
  quantizeInPlace(out);
  return { image: out, steps };
}
