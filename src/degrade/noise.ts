/** Noise operators (DEGRADATIONS.md §6). All draws come from the DegradeRng passed in. */
import { createImage, type FloatImage } from '../image/types.js';
import { quantizeInPlace, toUint8 } from '../image/convert.js';
import { rgbToLuma } from '../image/color.js';
import { PoissonTable, type DegradeRng } from './random.js';

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

const EMPTY_F64 = new Float64Array(0), EMPTY_I32 = new Int32Array(0);

/**
 * Poisson (shot) noise as BasicSR: base = q(img) (or q(luma) when grey), V = 2^⌈log₂(#distinct values)⌉,
 * n = (Poisson(base·V)/V − base)·scale, out = clip(img + n, 0, 1).
 */
export function poissonNoise(img: FloatImage, scale: number, rng: DegradeRng, opts: { grey?: boolean } = {}): FloatImage {
  if (!(scale >= 0) || !Number.isFinite(scale)) throw new RangeError(`Poisson scale must be >= 0, got ${scale}`);
  const { width: W, height: H, channels: C } = img;
  const src = opts.grey ? rgbToLuma(img) : img;
  const base = toUint8(src); // q(·) as bytes
  const seen = new Uint8Array(256);
  let draws = 0;
  for (let i = 0; i < base.length; i++) { const b = base[i]!; seen[b] = 1; if (b) draws++; }
  let distinct = 0;
  for (let b = 0; b < 256; b++) distinct += seen[b]!;
  let V = 1;
  while (V < distinct) V *= 2; // 2^ceil(log2(#distinct))
  const table = new PoissonTable();
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
