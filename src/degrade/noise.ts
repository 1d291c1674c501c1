/** Noise operators (DEGRADATIONS.md §6). All draws come from the DegradeRng passed in. */
import { createImage, type FloatImage } from '../image/types.js';
import { quantizeInPlace, toUint8 } from '../image/convert.js';
import { rgbToLuma } from '../image/color.js';
import { GUIDE_BUCKETS, PoissonTable, type DegradeRng, type PoissonInverse } from './random.js';
import { wasmMemory } from '../common/wasm-simd.js';
import { noiseKernel, type NoiseKernel } from './noise-kernel.js';

function clip01(v: number): number { return v < 0 ? 0 : v > 1 ? 1 : v; }

/**
 * Additive Gaussian noise, σ on the 0..255 scale: one H×W field shared by all channels (`grey`) or
 * independent per channel; out = clip(img + n, 0, 1) (`clip: false` keeps it unclipped).
 */
export function gaussianNoise(img: FloatImage, sigma255: number, rng: DegradeRng, opts: { grey?: boolean; clip?: boolean } = {}): FloatImage {
  if (!(sigma255 >= 0) || !Number.isFinite(sigma255)) throw new RangeError(`noise sigma must be >= 0 (0..255 scale), got ${sigma255}`);
  const { width: W, height: H, channels: C } = img;
  const out = createImage(W, H, C);
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
    const zAt = 16, srcAt = zAt + 16 * ((((most + 1) >> 1) + 3) & ~3); // the kernel scales whole groups of 4 pairs
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

const EMPTY_F64 = new Float64Array(0), EMPTY_I32 = new Int32Array(0);

/**
 * The inversion tables of every rate used so far, shared by all calls: a table depends only on its rate (b/255)·V,
 * and with V a power of two up to 256 there are at most 9 · 255 of them (about 2 MB), while building the ~250 of
 * one image took longer than drawing its noise.
 */
const POISSON_TABLES = new PoissonTable();

/**
 * Poisson (shot) noise as BasicSR: base = q(img) (or q(luma) when grey), V = 2^⌈log₂(#distinct values)⌉,
 * n = (Poisson(base·V)/V − base)·scale, out = clip(img + n, 0, 1).
 */
export function poissonNoise(img: FloatImage, scale: number, rng: DegradeRng, opts: { grey?: boolean } = {}): FloatImage {
  if (!(scale >= 0) || !Number.isFinite(scale)) throw new RangeError(`Poisson scale must be >= 0, got ${scale}`);
  const { width: W, height: H, channels: C } = img;
  const kernel = img.data.length >= WASM_NOISE_FROM && !(opts.grey && C === 2) ? noiseKernel() : null;
  if (kernel) {
    const out = poissonWasm(kernel, img, scale, rng, opts.grey ?? false);
    if (out) return out;
  }
  const src = opts.grey ? rgbToLuma(img) : img;
  const base = toUint8(src); // q(·) as bytes
  const seen = new Uint8Array(256);
  let draws = 0;
  for (let i = 0; i < base.length; i++) { const b = base[i]!; seen[b] = 1; if (b) draws++; }
  let distinct = 0;
  for (let b = 0; b < 256; b++) distinct += seen[b]!;
  let V = 1;
  while (V < distinct) V *= 2; // 2^ceil(log2(#distinct))
  const table = POISSON_TABLES;
  // The rate depends only on the byte value, so find each value's table once, not once per pixel.
  // Byte 0 has rate 0: no draw, no noise (as `PoissonTable.sample`); every other pixel takes one uniform,
  // in pixel order, so they are drawn up front.
  const cdfOf: Float64Array[] = [], guideOf: Int32Array[] = [];
  for (let b = 0; b < 256; b++) {
    const t = seen[b] && b > 0 ? table.table((b / 255) * V) : null;
    cdfOf.push(t ? t.cdf : EMPTY_F64); guideOf.push(t ? t.guide : EMPTY_I32);
  }
  const u = new Float64Array(draws);
  rng.fillUniform(u);
  const noise = new Float32Array(base.length);
  for (let i = 0, j = 0; i < base.length; i++) {
    const byte = base[i]!;
    if (byte === 0) { noise[i] = 0; continue; }
    const k = PoissonTable.invert(cdfOf[byte]!, guideOf[byte]!, u[j++]!);
    noise[i] = (k / V - byte / 255) * scale;
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

/**
 * poissonNoise in the kernel: q(·) of the image (or of its luma) with the byte histogram, then per pixel the draw,
 * the table inversion and the clipped output, with no array of uniforms or of noise in between. The same
 * operations as the TypeScript, so the same bits. Null (nothing drawn) when a table does not end in cdf = 1: the
 * kernel's search relies on that to stop.
 */
function poissonWasm(kernel: NoiseKernel, img: FloatImage, scale: number, rng: DegradeRng, grey: boolean): FloatImage | null {
  const { width: W, height: H, channels: C } = img;
  const n = img.data.length;
  const npix = grey ? W * H : n, group = grey ? C : 1;
  // memory: state | 256 (cdf, guide) address pairs, 256 f64 b/255 | histogram | input | output | bytes | tables
  const tabsAt = 16, histAt = tabsAt + 4096, srcAt = histAt + 1024, dstAt = srcAt + 4 * n, bytesAt = dstAt + 4 * n;
  const tablesAt = (bytesAt + npix + 7) & ~7;
  let buf = wasmMemory(kernel.memory, tablesAt);
  new Float32Array(buf, srcAt, n).set(img.data);
  // grey on one channel: its luma is the channel itself (rgbToLuma copies it)
  kernel.bytes(srcAt, npix, grey && C >= 3 ? 1 : 0, grey ? C : 1, bytesAt, histAt);
  const hist = new Int32Array(buf, histAt, 256);
  let distinct = 0;
  for (let b = 0; b < 256; b++) if (hist[b]! > 0) distinct++;
  let V = 1;
  while (V < distinct) V *= 2; // 2^ceil(log2(#distinct))
  const tables: Array<PoissonInverse | null> = [];
  let bytes = tablesAt;
  for (let b = 0; b < 256; b++) {
    const t = b > 0 && hist[b]! > 0 ? POISSON_TABLES.table((b / 255) * V) : null;
    if (t && t.cdf[t.cdf.length - 1] !== 1) return null;
    tables.push(t);
    if (t) bytes += 8 * t.cdf.length + 4 * t.guide.length;
  }
  buf = wasmMemory(kernel.memory, bytes);
  const tabs = new Int32Array(buf, tabsAt, 512);
  let at = tablesAt;
  for (let b = 0; b < 256; b++) {
    const t = tables[b];
    if (!t) { tabs[2 * b] = tabs[2 * b + 1] = 0; continue; }
    new Float64Array(buf, at, t.cdf.length).set(t.cdf);
    tabs[2 * b] = at; at += 8 * t.cdf.length;
    new Int32Array(buf, at, t.guide.length).set(t.guide);
    tabs[2 * b + 1] = at; at += 4 * t.guide.length;
  }
  rng.continueIn(kernel.memory, (spare) => {
    kernel.poisson(bytesAt, npix, srcAt, dstAt, group, 1 / V, scale, tabsAt, GUIDE_BUCKETS);
    return spare;
  });
  return { data: new Float32Array(kernel.memory.buffer, dstAt, n).slice(), width: W, height: H, channels: C };
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
