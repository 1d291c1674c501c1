/**
 * PSNR and SSIM with the MATLAB / BasicSR conventions the papers report:
 * - images are rounded to uint8 first (q(·), round half to even as numpy);
 * - `crop` pixels are shaved from every border (SR: the scale);
 * - `y: true` scores the BT.601 luma Y = 16 + (65.481 R + 128.553 G + 24.966 B)/255 on the 0..255 scale,
 *   not rounded (BasicSR / IR-SDE); `roundY: true` rounds it as MATLAB's rgb2ycbcr on uint8 does;
 * - PSNR = 10 log10(255² / MSE) over all pixels and channels (Infinity when identical);
 * - SSIM (Wang et al. 2004): 11×11 Gaussian window σ = 1.5, K1 = 0.01, K2 = 0.03, L = 255, 'valid' filtering,
 *   mean of the SSIM map, averaged over channels for RGB.
 */
import type { FloatImage } from '../image/types.js';
import { toByte } from '../image/convert.js';

export interface MetricOptions {
  /** border pixels to shave on each side (default 0) */
  crop?: number;
  /** score the Y channel (default false: all channels) */
  y?: boolean;
  /** round Y to integers like MATLAB on uint8 (default false, BasicSR) */
  roundY?: boolean;
}

const lut = (k: number): Float64Array => { const t = new Float64Array(256); for (let i = 0; i < 256; i++) t[i] = (k * i) / 255; return t; };
const Y_R = lut(65.481), Y_G = lut(128.553), Y_B = lut(24.966);

/** Planes on the 0..255 scale (float64), after uint8 rounding, crop and optional Y conversion. */
export function metricPlanes(img: FloatImage, opts: MetricOptions = {}): { planes: Float64Array[]; width: number; height: number } {
  const crop = opts.crop ?? 0;
  if (!Number.isInteger(crop) || crop < 0) throw new RangeError(`crop must be a non-negative integer, got ${crop}`);
  const W = img.width - 2 * crop, H = img.height - 2 * crop;
  if (W <= 0 || H <= 0) throw new RangeError(`crop ${crop} leaves nothing of a ${img.width}x${img.height} image`);
  const C = img.channels;
  const src = img.data;
  if (opts.y) {
    if (C < 3) throw new RangeError(`Y-channel metrics need an RGB image, got ${C} channel(s)`);
    const p = new Float64Array(W * H);
    for (let y = 0; y < H; y++) {
      let i = ((y + crop) * img.width + crop) * C;
      const o = y * W;
      for (let x = 0; x < W; x++, i += C) {
        const v = Y_R[toByte(src[i]!)]! + Y_G[toByte(src[i + 1]!)]! + Y_B[toByte(src[i + 2]!)]! + 16;
        p[o + x] = opts.roundY ? Math.round(v) : v;
      }
    }
    return { planes: [p], width: W, height: H };
  }
  const nc = C === 4 ? 3 : C === 2 ? 1 : C; // alpha is not scored
  const planes: Float64Array[] = [];
  for (let c = 0; c < nc; c++) {
    const p = new Float64Array(W * H);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) p[y * W + x] = toByte(src[((y + crop) * img.width + x + crop) * C + c]!);
    planes.push(p);
  }
  return { planes, width: W, height: H };
}

function checkPair(a: FloatImage, b: FloatImage): void {
  if (a.width !== b.width || a.height !== b.height) throw new RangeError(`image sizes differ: ${a.width}x${a.height} vs ${b.width}x${b.height}`);
  if (a.channels !== b.channels) throw new RangeError(`channel counts differ: ${a.channels} vs ${b.channels}`);
}

/** PSNR in dB between a prediction and the ground truth. */
export function psnr(pred: FloatImage, gt: FloatImage, opts: MetricOptions = {}): number {
  checkPair(pred, gt);
  const a = metricPlanes(pred, opts), b = metricPlanes(gt, opts);
  let se = 0, n = 0;
  for (let c = 0; c < a.planes.length; c++) {
    const x = a.planes[c]!, y = b.planes[c]!;
    for (let i = 0; i < x.length; i++) { const d = x[i]! - y[i]!; se += d * d; }
    n += x.length;
  }
  const mse = se / n;
  if (mse === 0) return Infinity;
  return 10 * Math.log10((255 * 255) / mse);
}

/** cv2.getGaussianKernel(11, 1.5) */
export const SSIM_WINDOW = (() => {
  const g = new Float64Array(11);
  let s = 0;
  for (let i = 0; i < 11; i++) { g[i] = Math.exp(-((i - 5) * (i - 5)) / (2 * 1.5 * 1.5)); s += g[i]!; }
  for (let i = 0; i < 11; i++) g[i] = g[i]! / s;
  return g;
})();

/** Horizontal 'valid' pass of the symmetric 11-tap window over one plane (H rows, W-10 output columns). */
function hpass(p: Float64Array, W: number, H: number, out: Float64Array): void {
  const g = SSIM_WINDOW;
  const g0 = g[0]!, g1 = g[1]!, g2 = g[2]!, g3 = g[3]!, g4 = g[4]!, g5 = g[5]!;
  const VW = W - 10;
  for (let r = 0; r < H; r++) {
    const row = r * W, o = r * VW;
    for (let c = 0; c < VW; c++) {
      const b = row + c;
      out[o + c] = g5 * p[b + 5]! + g4 * (p[b + 4]! + p[b + 6]!) + g3 * (p[b + 3]! + p[b + 7]!) +
        g2 * (p[b + 2]! + p[b + 8]!) + g1 * (p[b + 1]! + p[b + 9]!) + g0 * (p[b]! + p[b + 10]!);
    }
  }
}

/** Vertical 'valid' pass for output row r at column c over a plane of width VW. */
function vtap(h: Float64Array, o: number, VW: number, g0: number, g1: number, g2: number, g3: number, g4: number, g5: number): number {
  return g5 * h[o + 5 * VW]! + g4 * (h[o + 4 * VW]! + h[o + 6 * VW]!) + g3 * (h[o + 3 * VW]! + h[o + 7 * VW]!) +
    g2 * (h[o + 2 * VW]! + h[o + 8 * VW]!) + g1 * (h[o + VW]! + h[o + 9 * VW]!) + g0 * (h[o]! + h[o + 10 * VW]!);
}

let scratch = new Float64Array(0);

/** Mean SSIM of one pair of planes (0..255 scale), 'valid' 11×11 Gaussian window. */
export function ssimPlane(x: Float64Array, y: Float64Array, W: number, H: number): number {
  if (W < 11 || H < 11) throw new RangeError(`SSIM needs at least 11x11 pixels after cropping, got ${W}x${H}`);
  const C1 = (0.01 * 255) * (0.01 * 255), C2 = (0.03 * 255) * (0.03 * 255);
  const g = SSIM_WINDOW;
  const g0 = g[0]!, g1 = g[1]!, g2 = g[2]!, g3 = g[3]!, g4 = g[4]!, g5 = g[5]!;
  const VW = W - 10, VH = H - 10;
  const N = W * H, n = VW * H;
  if (scratch.length < N + 5 * n) scratch = new Float64Array(N + 5 * n);
  const sq = scratch.subarray(0, N);
  const hx = scratch.subarray(N, N + n), hy = scratch.subarray(N + n, N + 2 * n), hxx = scratch.subarray(N + 2 * n, N + 3 * n);
  const hyy = scratch.subarray(N + 3 * n, N + 4 * n), hxy = scratch.subarray(N + 4 * n, N + 5 * n);
  hpass(x, W, H, hx);
  hpass(y, W, H, hy);
  for (let i = 0; i < N; i++) sq[i] = x[i]! * x[i]!;
  hpass(sq, W, H, hxx);
  for (let i = 0; i < N; i++) sq[i] = y[i]! * y[i]!;
  hpass(sq, W, H, hyy);
  for (let i = 0; i < N; i++) sq[i] = x[i]! * y[i]!;
  hpass(sq, W, H, hxy);
  let total = 0;
  for (let r = 0; r < VH; r++) {
    let rowSum = 0;
    const base = r * VW;
    for (let c = 0; c < VW; c++) {
      const o = base + c;
      const m1 = vtap(hx, o, VW, g0, g1, g2, g3, g4, g5), m2 = vtap(hy, o, VW, g0, g1, g2, g3, g4, g5);
      const m11 = m1 * m1, m22 = m2 * m2, m12 = m1 * m2;
      const s1 = vtap(hxx, o, VW, g0, g1, g2, g3, g4, g5) - m11;
      const s2 = vtap(hyy, o, VW, g0, g1, g2, g3, g4, g5) - m22;
      const s12 = vtap(hxy, o, VW, g0, g1, g2, g3, g4, g5) - m12;
      rowSum += ((2 * m12 + C1) * (2 * s12 + C2)) / ((m11 + m22 + C1) * (s1 + s2 + C2));
    }
    total += rowSum;
  }
  return total / (VW * VH);
}

/** SSIM between a prediction and the ground truth (mean over channels). */
export function ssim(pred: FloatImage, gt: FloatImage, opts: MetricOptions = {}): number {
  checkPair(pred, gt);
  const a = metricPlanes(pred, opts), b = metricPlanes(gt, opts);
  let s = 0;
  for (let c = 0; c < a.planes.length; c++) s += ssimPlane(a.planes[c]!, b.planes[c]!, a.width, a.height);
  return s / a.planes.length;
}

export interface Scores { psnr: number; ssim: number; psnrY: number; ssimY: number }

/** PSNR and SSIM on RGB and on Y in one call (grey images: Y scores equal the grey scores). */
export function scoreAll(pred: FloatImage, gt: FloatImage, opts: { crop?: number; roundY?: boolean } = {}): Scores {
  const crop = opts.crop ?? 0;
  const rgb = { crop };
  const hasColour = pred.channels >= 3;
  const yo = hasColour ? { crop, y: true, roundY: opts.roundY } : rgb;
  return { psnr: psnr(pred, gt, rgb), ssim: ssim(pred, gt, rgb), psnrY: psnr(pred, gt, yo), ssimY: ssim(pred, gt, yo) };
}
