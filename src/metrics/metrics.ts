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
import { ssimWasmBase64 } from './wasm/ssim.wasm.js';
import { wasmMemory, lazySimdKernel } from '../common/wasm-simd.js';

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
  const wasm = getWasmSsim();
  let se = 0, n = 0;
  const add = (x: Float64Array, y: Float64Array): void => {
    for (let i = 0; i < x.length; i++) { const d = x[i]! - y[i]!; se += d * d; }
    n += x.length;
  };
  if (wasm && !opts.roundY) withWasmPlanes(wasm, pred, gt, opts, (x, y) => add(x, y));
  else {
    const a = metricPlanes(pred, opts), b = metricPlanes(gt, opts);
    for (let c = 0; c < a.planes.length; c++) add(a.planes[c]!, b.planes[c]!);
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

/**
 * Horizontal 'valid' pass of the symmetric 11-tap window over one row, for the four statistics SSIM needs:
 * x, y, x² + y² and xy (σx² and σy² only ever appear as their sum, so one filtered map serves both). Writes
 * VW = W − 10 values per statistic at offset `o`. `sq` and `xy` are row scratch of length W.
 */
function hpassRow(
  x: Float64Array, y: Float64Array, rowStart: number, W: number, sq: Float64Array, xy: Float64Array,
  ox: Float64Array, oy: Float64Array, osq: Float64Array, oxy: Float64Array, o: number,
): void {
  const g = SSIM_WINDOW;
  const g0 = g[0]!, g1 = g[1]!, g2 = g[2]!, g3 = g[3]!, g4 = g[4]!, g5 = g[5]!;
  for (let i = 0; i < W; i++) {
    const a = x[rowStart + i]!, b = y[rowStart + i]!;
    sq[i] = a * a + b * b; xy[i] = a * b;
  }
  const VW = W - 10;
  for (let c = 0; c < VW; c++) {
    const b = rowStart + c;
    ox[o + c] = g5 * x[b + 5]! + g4 * (x[b + 4]! + x[b + 6]!) + g3 * (x[b + 3]! + x[b + 7]!) +
      g2 * (x[b + 2]! + x[b + 8]!) + g1 * (x[b + 1]! + x[b + 9]!) + g0 * (x[b]! + x[b + 10]!);
    oy[o + c] = g5 * y[b + 5]! + g4 * (y[b + 4]! + y[b + 6]!) + g3 * (y[b + 3]! + y[b + 7]!) +
      g2 * (y[b + 2]! + y[b + 8]!) + g1 * (y[b + 1]! + y[b + 9]!) + g0 * (y[b]! + y[b + 10]!);
    osq[o + c] = g5 * sq[c + 5]! + g4 * (sq[c + 4]! + sq[c + 6]!) + g3 * (sq[c + 3]! + sq[c + 7]!) +
      g2 * (sq[c + 2]! + sq[c + 8]!) + g1 * (sq[c + 1]! + sq[c + 9]!) + g0 * (sq[c]! + sq[c + 10]!);
    oxy[o + c] = g5 * xy[c + 5]! + g4 * (xy[c + 4]! + xy[c + 6]!) + g3 * (xy[c + 3]! + xy[c + 7]!) +
      g2 * (xy[c + 2]! + xy[c + 8]!) + g1 * (xy[c + 1]! + xy[c + 9]!) + g0 * (xy[c]! + xy[c + 10]!);
  }
}

/** Vertical 'valid' tap at column c over the 11 ring rows at offsets r0..r10 (oldest first). */
function vtap(h: Float64Array, c: number, r0: number, r1: number, r2: number, r3: number, r4: number, r5: number,
  r6: number, r7: number, r8: number, r9: number, r10: number,
  g0: number, g1: number, g2: number, g3: number, g4: number, g5: number): number {
  return g5 * h[r5 + c]! + g4 * (h[r4 + c]! + h[r6 + c]!) + g3 * (h[r3 + c]! + h[r7 + c]!) +
    g2 * (h[r2 + c]! + h[r8 + c]!) + g1 * (h[r1 + c]! + h[r9 + c]!) + g0 * (h[r0 + c]! + h[r10 + c]!);
}

let scratch = new Float64Array(0);

/**
 * Mean SSIM of one pair of planes (0..255 scale), 'valid' 11×11 Gaussian window, computed separably in one
 * sweep: each input row is filtered horizontally into a ring holding the last 11 filtered rows, and each
 * output row is filtered vertically from that ring and scored at once, so the working set stays in cache
 * instead of spilling full-size intermediate maps.
 */
export function ssimPlane(x: Float64Array, y: Float64Array, W: number, H: number): number {
  if (W < 11 || H < 11) throw new RangeError(`SSIM needs at least 11x11 pixels after cropping, got ${W}x${H}`);
  const C1 = (0.01 * 255) * (0.01 * 255), C2 = (0.03 * 255) * (0.03 * 255);
  const wasm = getWasmSsim();
  if (wasm) return ssimPlaneWasm(wasm, x, y, W, H, C1, C2);
  const g = SSIM_WINDOW;
  const g0 = g[0]!, g1 = g[1]!, g2 = g[2]!, g3 = g[3]!, g4 = g[4]!, g5 = g[5]!;
  const VW = W - 10, VH = H - 10;
  const RING = 11, ringLen = RING * VW;
  const need = 2 * W + 4 * ringLen;
  if (scratch.length < need) scratch = new Float64Array(need);
  let at = 0;
  const take = (n: number): Float64Array => { const a = scratch.subarray(at, at + n); at += n; return a; };
  const sq = take(W), xy = take(W);
  const hx = take(ringLen), hy = take(ringLen), hsq = take(ringLen), hxy = take(ringLen);
  for (let r = 0; r < RING - 1; r++) hpassRow(x, y, r * W, W, sq, xy, hx, hy, hsq, hxy, r * VW);
  let total = 0;
  for (let r = 0; r < VH; r++) {
    const newest = r + RING - 1;
    hpassRow(x, y, newest * W, W, sq, xy, hx, hy, hsq, hxy, (newest % RING) * VW);
    const ring = (t: number): number => ((r + t) % RING) * VW; // offset of input row r + t in the ring
    const r0 = ring(0), r1 = ring(1), r2 = ring(2), r3 = ring(3), r4 = ring(4), r5 = ring(5);
    const r6 = ring(6), r7 = ring(7), r8 = ring(8), r9 = ring(9), r10 = ring(10);
    // even and odd columns in separate sums, as the two SIMD lanes of the WebAssembly kernel
    let evenSum = 0, oddSum = 0;
    for (let c = 0; c < VW; c++) {
      const m1 = vtap(hx, c, r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, g0, g1, g2, g3, g4, g5);
      const m2 = vtap(hy, c, r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, g0, g1, g2, g3, g4, g5);
      const m11 = m1 * m1, m22 = m2 * m2, m12 = m1 * m2;
      const s1s2 = vtap(hsq, c, r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, g0, g1, g2, g3, g4, g5) - m11 - m22;
      const s12 = vtap(hxy, c, r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, g0, g1, g2, g3, g4, g5) - m12;
      const score = ((2 * m12 + C1) * (2 * s12 + C2)) / ((m11 + m22 + C1) * (s1s2 + C2));
      if (c & 1) oddSum += score; else evenSum += score;
    }
    total += evenSum + oddSum;
  }
  return total / (VW * VH);
}

/**
 * `ssimPlane` in WebAssembly SIMD (`wasm/ssim.wat`): the same expressions in the same order as the loop above,
 * two columns at a time, so the same bits about four times faster. Null where WebAssembly SIMD is unavailable.
 */
interface WasmSsim {
  memory: WebAssembly.Memory;
  ssimSum: (x: number, y: number, w: number, h: number, scratch: number, c1: number, c2: number) => number;
  plane: (src: number, imgW: number, ch: number, c: number, crop: number, w: number, h: number, luma: number, out: number) => void;
}
const getWasmSsim = lazySimdKernel<WasmSsim>(ssimWasmBase64);

/** Scratch bytes `ssimSum` needs for a W-wide plane: two rows and four rings of 11 filtered rows. */
const ssimScratchBytes = (W: number): number => 8 * (2 * W + 4 * 11 * (W - 10));

function ssimPlaneWasm(wasm: WasmSsim, x: Float64Array, y: Float64Array, W: number, H: number, C1: number, C2: number): number {
  const N = W * H;
  // memory: window weights at 0, then x, y and the scratch
  const xAt = 64, yAt = xAt + 8 * N, scratchAt = yAt + 8 * N;
  const buf = wasmMemory(wasm.memory, scratchAt + ssimScratchBytes(W));
  new Float64Array(buf, 0, 6).set(SSIM_WINDOW.subarray(0, 6));
  new Float64Array(buf, xAt, N).set(x.subarray(0, N));
  new Float64Array(buf, yAt, N).set(y.subarray(0, N));
  return wasm.ssimSum(xAt, yAt, W, H, scratchAt, C1, C2) / ((W - 10) * (H - 10));
}

/**
 * Makes the metric planes (q(·), crop, Y) of both images in the module, one plane pair at a time, with the
 * same arithmetic as `metricPlanes`, and hands each pair (as views of the module's memory, valid during the
 * call) to `use` together with their byte offsets and the scratch offset for `ssimSum`.
 */
function withWasmPlanes(wasm: WasmSsim, pred: FloatImage, gt: FloatImage, opts: MetricOptions,
  use: (x: Float64Array, y: Float64Array, at: { x: number; y: number; scratch: number; width: number; height: number }) => void): void {
  const crop = opts.crop ?? 0;
  if (!Number.isInteger(crop) || crop < 0) throw new RangeError(`crop must be a non-negative integer, got ${crop}`);
  const W = pred.width - 2 * crop, H = pred.height - 2 * crop;
  if (W <= 0 || H <= 0) throw new RangeError(`crop ${crop} leaves nothing of a ${pred.width}x${pred.height} image`);
  const C = pred.channels;
  if (opts.y && C < 3) throw new RangeError(`Y-channel metrics need an RGB image, got ${C} channel(s)`);
  const planes = opts.y ? 1 : C === 4 ? 3 : C === 2 ? 1 : C; // alpha is not scored
  const n = pred.data.length, N = W * H;
  const predAt = 64, gtAt = predAt + 4 * n, xAt = (gtAt + 4 * n + 15) & ~15, yAt = xAt + 8 * N, scratchAt = yAt + 8 * N;
  const buf = wasmMemory(wasm.memory, scratchAt + (W > 10 ? ssimScratchBytes(W) : 0));
  new Float64Array(buf, 0, 6).set(SSIM_WINDOW.subarray(0, 6));
  new Float32Array(buf, predAt, n).set(pred.data);
  new Float32Array(buf, gtAt, n).set(gt.data);
  const x = new Float64Array(buf, xAt, N), y = new Float64Array(buf, yAt, N);
  for (let c = 0; c < planes; c++) {
    wasm.plane(predAt, pred.width, C, c, crop, W, H, opts.y ? 1 : 0, xAt);
    wasm.plane(gtAt, gt.width, C, c, crop, W, H, opts.y ? 1 : 0, yAt);
    use(x, y, { x: xAt, y: yAt, scratch: scratchAt, width: W, height: H });
  }
}

/** SSIM between a prediction and the ground truth (mean over channels). */
export function ssim(pred: FloatImage, gt: FloatImage, opts: MetricOptions = {}): number {
  checkPair(pred, gt);
  const wasm = getWasmSsim();
  if (wasm && !opts.roundY) { // (rounded Y is made by metricPlanes only)
    const C1 = (0.01 * 255) * (0.01 * 255), C2 = (0.03 * 255) * (0.03 * 255);
    let s = 0, planes = 0;
    withWasmPlanes(wasm, pred, gt, opts, (_x, _y, at) => {
      const { width: W, height: H } = at;
      if (W < 11 || H < 11) throw new RangeError(`SSIM needs at least 11x11 pixels after cropping, got ${W}x${H}`);
      s += wasm.ssimSum(at.x, at.y, W, H, at.scratch, C1, C2) / ((W - 10) * (H - 10));
      planes++;
    });
    return s / planes;
  }
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
