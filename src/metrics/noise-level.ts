/**
 * Blind estimation of the level of additive white Gaussian noise in an image, for denoisers that need σ
 * (the Denoising-SDE picks its start step from it). The method of Chen, Zhu & Heng, "An Efficient Statistical
 * Method for Image Noise Level Estimation" (ICCV 2015):
 *
 * Natural-image patches live near a low-dimensional subspace, so most eigenvalues of the patch covariance
 * are pure noise, each ≈ σ². Sort the eigenvalues; drop the largest ones until the remaining set looks like
 * noise alone, i.e. until its mean no longer exceeds its median (as many values above the mean as below it);
 * σ² is that mean. Colour patches are taken jointly over the channels (7×7×3 = 147 dimensions): the channels
 * of natural images are strongly correlated, which leaves more dimensions that carry noise only.
 */

import { IrsdeError } from '../common/errors.js';
import { channelsEqual } from '../image/convert.js';

export interface NoiseEstimateInput {
  /** Interleaved H×W×C samples (channels last); uint8/uint16 samples are scaled by `valueScale`. */
  data: ArrayLike<number>;
  width: number;
  height: number;
  channels: number;
}

/** A wrong image description is an error, not a NaN estimate. */
function checkInput(img: NoiseEstimateInput): void {
  if (typeof img !== 'object' || img === null) throw new IrsdeError('bad-input', `estimateNoiseLevel needs { data, width, height, channels }, got ${String(img)}`);
  const { width, height, channels, data } = img;
  for (const [k, v] of [['width', width], ['height', height], ['channels', channels]] as const) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new IrsdeError('bad-input', `estimateNoiseLevel: ${k} must be a positive integer, got ${typeof v === 'string' ? `the string '${v}'` : String(v)}`);
  }
  if (!data || typeof data.length !== 'number') throw new IrsdeError('bad-input', 'estimateNoiseLevel: data must be an array of pixel values');
  if (data.length !== width * height * channels) {
    throw new IrsdeError('bad-input', `estimateNoiseLevel: data has ${data.length} values, expected ${width}×${height}×${channels} = ${width * height * channels}`);
  }
}

export interface NoiseEstimateOptions {
  /** Multiplies each sample to give values on the [0, 1] scale (default 1; 1/255 for uint8 data). */
  valueScale?: number;
  /** Channels to use, from the first (default: the colour channels — 1 for grey+alpha, else min(channels, 3) — so alpha is ignored). */
  useChannels?: number;
  /** Patch side (default 7). */
  patch?: number;
  /** At most this many patches, on a regular grid (default 5000): bounds the time on huge images. */
  maxPatches?: number;
}

/** The channels the estimate looks at, from the first. */
function channelsUsed(img: { channels: number; data?: ArrayLike<number> }, useChannels?: number): number {
  const C = img.channels;
  // Colour channels only: grey+alpha has one, RGB(A) three (a flat alpha channel would read as noise-free).
  const used = Math.min(useChannels ?? (C === 2 ? 1 : Math.min(C, 3)), C);
  // A grey image stored as RGB: noise shared by identical channels leaves two thirds of the joint dimensions
  // without any, and the estimate collapses to ~0. Its first channel holds all there is to see.
  return used > 1 && img.data && channelsEqual(img.data, C, used) ? 1 : used;
}

/**
 * Whether an image is large enough for `estimateNoiseLevel` to see its noise: the patch covariance needs about
 * twice as many 7×7 patches as it has dimensions (49 per colour channel), i.e. about 24×24 pixels for RGB and
 * 16×16 for grey. Smaller images are estimated σ 0 whatever their noise.
 */
export function canEstimateNoiseLevel(img: { width: number; height: number; channels: number; data?: ArrayLike<number> }, options: Pick<NoiseEstimateOptions, 'patch' | 'useChannels'> = {}): boolean {
  const p = options.patch ?? 7;
  const used = channelsUsed(img, options.useChannels);
  return img.width >= p && img.height >= p && (img.width - p + 1) * (img.height - p + 1) >= 2 * p * p * used;
}

/**
 * σ of the additive Gaussian noise on the [0, 1] scale (multiply by 255 for the usual 8-bit σ). Returns 0 for
 * images smaller than one patch. Deterministic (no sampling); the cost is bounded by maxPatches, not the image size.
 */
export function estimateNoiseLevel(img: NoiseEstimateInput, options: NoiseEstimateOptions = {}): number {
  checkInput(img);
  const { width: W, height: H, channels: C, data } = img;
  const scale = options.valueScale ?? 1;
  const used = channelsUsed(img, options.useChannels);
  const p = options.patch ?? 7;
  const maxPatches = options.maxPatches ?? 5000;
  if (W < p || H < p || used < 1) return 0;
  const ny = H - p + 1, nx = W - p + 1;
  const stride = Math.max(1, Math.ceil(Math.sqrt((nx * ny) / maxPatches)));
  const d = p * p * used;
  const mean = new Float64Array(d);
  const cov = new Float64Array(d * d); // upper triangle accumulated, mirrored below
  // Patches are gathered in blocks, stored dimension-major (block[i·B + k] = value i of patch k), so each
  // covariance entry is one contiguous dot product per block instead of a read-modify-write per patch.
  const B = 256;
  const block = new Float64Array(d * B);
  let n = 0, inBlock = 0;
  const flush = (): void => {
    for (let i = 0; i < d; i++) {
      const oi = i * B;
      let m = 0;
      for (let k = 0; k < inBlock; k++) m += block[oi + k]!;
      mean[i]! += m;
    }
    // cov[i][j] += Σ_k block[i][k]·block[j][k] for j ≥ i. Rows in pairs (i, i+1) against four columns at a time:
    // eight independent sums (hiding the adds' latency) from six loads per k. Every entry is still summed over k
    // in order, so the values are those of one entry at a time.
    const dot = (i: number, j: number): void => {
      const oi = i * B, oj = j * B;
      let sum = 0;
      for (let k = 0; k < inBlock; k++) sum += block[oi + k]! * block[oj + k]!;
      cov[i * d + j]! += sum;
    };
    let i = 0;
    for (; i + 1 < d; i += 2) {
      dot(i, i);
      const oa = i * B, ob = oa + B;
      let j = i + 1;
      for (; j + 3 < d; j += 4) {
        const o0 = j * B, o1 = o0 + B, o2 = o1 + B, o3 = o2 + B;
        let a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
        for (let k = 0; k < inBlock; k++) {
          const x = block[oa + k]!, y = block[ob + k]!;
          const c0 = block[o0 + k]!, c1 = block[o1 + k]!, c2 = block[o2 + k]!, c3 = block[o3 + k]!;
          a0 += x * c0; a1 += x * c1; a2 += x * c2; a3 += x * c3;
          b0 += y * c0; b1 += y * c1; b2 += y * c2; b3 += y * c3;
        }
        const ra = i * d + j, rb = ra + d;
        cov[ra]! += a0; cov[ra + 1]! += a1; cov[ra + 2]! += a2; cov[ra + 3]! += a3;
        cov[rb]! += b0; cov[rb + 1]! += b1; cov[rb + 2]! += b2; cov[rb + 3]! += b3;
      }
      for (; j < d; j++) { dot(i, j); dot(i + 1, j); }
    }
    if (i < d) dot(i, i);
    n += inBlock;
    inBlock = 0;
  };
  for (let y = 0; y < ny; y += stride) {
    for (let x = 0; x < nx; x += stride) {
      let k = inBlock;
      for (let c = 0; c < used; c++) {
        for (let dy = 0; dy < p; dy++) {
          let s = ((y + dy) * W + x) * C + c;
          for (let dx = 0; dx < p; dx++, s += C, k += B) block[k] = data[s]! * scale;
        }
      }
      if (++inBlock === B) flush();
    }
  }
  if (inBlock > 0) flush();
  for (let i = 0; i < d; i++) mean[i]! /= n;
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const c = cov[i * d + j]! / n - mean[i]! * mean[j]!;
      cov[i * d + j] = c;
      cov[j * d + i] = c;
    }
  }
  const eig = symmetricEigenvalues(cov, d);
  return Math.sqrt(Math.max(0, noiseVariance(eig)));
}

/**
 * The estimator's mean response to clipped Gaussian noise: [estimate, true σ] pairs (8-bit units), measured
 * by `tools/calibrate-noise-estimate.ts` on 48 BSDS400 training images (noise clipped to [0, 1], as in 8-bit
 * photos and the evaluation convention). The estimate reads low as σ grows (−6 % at 25, −12 % at 50): the
 * clipped part of the noise is missing and the eigenvalue cut drops some noise-only dimensions.
 */
export const NOISE_CALIBRATION: ReadonlyArray<readonly [number, number]> = [
  [0.43, 0], [2.5, 2.5], [4.88, 5], [7.28, 7.5], [9.65, 10], [14.32, 15], [18.89, 20], [23.38, 25], [27.74, 30],
  [32.03, 35], [36.1, 40], [40.08, 45], [43.86, 50], [47.48, 55], [50.99, 60], [57.61, 70],
];

/**
 * The true σ (8-bit units) that gives the estimate `estimate255` on average: NOISE_CALIBRATION inverted by
 * linear interpolation (0 below its first point, the last segment extended above its end).
 */
export function calibratedNoiseLevel(estimate255: number): number {
  const t = NOISE_CALIBRATION;
  if (!(estimate255 > t[0]![0])) return 0;
  for (let i = 1; i < t.length; i++) {
    const [e1, s1] = t[i]!, [e0, s0] = t[i - 1]!;
    if (estimate255 <= e1 || i === t.length - 1) return s0 + ((estimate255 - e0) * (s1 - s0)) / (e1 - e0);
  }
  return estimate255; // unreachable: the loop returns on its last segment
}

/**
 * Given ascending eigenvalues, the mean of the smallest k for the largest k whose values split evenly around
 * their mean (at least as many above the mean as below): the noise-only part of the spectrum.
 */
export function noiseVariance(ascending: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < ascending.length; i++) sum += ascending[i]!;
  for (let k = ascending.length; k >= 1; k--) {
    const tau = sum / k;
    let above = 0, below = 0;
    for (let i = 0; i < k; i++) {
      const e = ascending[i]!;
      if (e > tau) above++;
      else if (e < tau) below++;
    }
    if (above >= below) return tau;
    sum -= ascending[k - 1]!;
  }
  return ascending.length ? ascending[0]! : 0;
}

/**
 * Eigenvalues (ascending) of a symmetric d×d matrix (row-major; overwritten): Householder reduction to a
 * symmetric tridiagonal matrix, then bisection on Sturm sequence counts for each eigenvalue. O(d³) with a
 * small constant (~10 ms for d = 192), no iteration-count tuning, and accurate to rounding.
 */
export function symmetricEigenvalues(a: Float64Array, d: number): Float64Array {
  const diag = new Float64Array(d), off = new Float64Array(Math.max(0, d - 1));
  const v = new Float64Array(d), p = new Float64Array(d);
  for (let k = 0; k + 2 < d; k++) {
    // reflect x = A[k+1.., k] onto α·e₁
    let norm2 = 0;
    for (let i = k + 1; i < d; i++) norm2 += a[i * d + k]! ** 2;
    const x0 = a[(k + 1) * d + k]!;
    const alpha = -(x0 >= 0 ? 1 : -1) * Math.sqrt(norm2);
    diag[k] = a[k * d + k]!;
    off[k] = alpha;
    let vn2 = 0;
    for (let i = k + 1; i < d; i++) { v[i] = a[i * d + k]!; }
    v[k + 1]! -= alpha;
    for (let i = k + 1; i < d; i++) vn2 += v[i]! ** 2;
    if (vn2 === 0) continue; // already zero below the subdiagonal
    const inv = 1 / Math.sqrt(vn2);
    for (let i = k + 1; i < d; i++) v[i]! *= inv;
    // trailing block A₂₂ ← H A₂₂ H = A₂₂ − 2(v wᵀ + w vᵀ), p = A₂₂v, w = p − (vᵀp)v
    let K = 0;
    for (let i = k + 1; i < d; i++) {
      let sum = 0;
      for (let j = k + 1; j < d; j++) sum += a[i * d + j]! * v[j]!;
      p[i] = sum;
      K += v[i]! * sum;
    }
    for (let i = k + 1; i < d; i++) p[i]! -= K * v[i]!;
    for (let i = k + 1; i < d; i++) {
      const vi = v[i]!, wi = p[i]!;
      for (let j = k + 1; j < d; j++) a[i * d + j]! -= 2 * (vi * p[j]! + wi * v[j]!);
    }
  }
  if (d >= 2) {
    diag[d - 2] = a[(d - 2) * d + d - 2]!;
    off[d - 2] = a[(d - 1) * d + d - 2]!;
  }
  if (d >= 1) diag[d - 1] = a[(d - 1) * d + d - 1]!;
  return tridiagonalEigenvalues(diag, off);
}

/** Ascending eigenvalues of the symmetric tridiagonal matrix (diag, off) by Sturm-count bisection. */
function tridiagonalEigenvalues(diag: Float64Array, off: Float64Array): Float64Array {
  const d = diag.length;
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < d; i++) { // Gershgorin bounds
    const r = (i > 0 ? Math.abs(off[i - 1]!) : 0) + (i < d - 1 ? Math.abs(off[i]!) : 0);
    lo = Math.min(lo, diag[i]! - r);
    hi = Math.max(hi, diag[i]! + r);
  }
  const tiny = Number.MIN_VALUE * 1e10;
  const countBelow = (x: number): number => {
    let count = 0, q = 1;
    for (let i = 0; i < d; i++) {
      q = diag[i]! - x - (i > 0 ? off[i - 1]! ** 2 / q : 0);
      if (q === 0) q = -tiny;
      if (q < 0) count++;
    }
    return count;
  };
  const out = new Float64Array(d);
  for (let k = 0; k < d; k++) {
    let a = lo, b = hi; // eigenvalue k (0-based) is the smallest x with countBelow(x) > k
    for (let it = 0; it < 200 && b - a > 1e-15 * Math.max(Math.abs(a), Math.abs(b), 1e-300); it++) {
      const m = 0.5 * (a + b);
      if (m === a || m === b) break;
      if (countBelow(m) > k) b = m;
      else a = m;
    }
    out[k] = 0.5 * (a + b);
  }
  return out;
}
