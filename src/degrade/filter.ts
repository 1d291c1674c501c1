/**
 * 2-D correlation of an image with a k×k kernel, output the same size, reflect-101 borders, per channel
 * (DEGRADATIONS.md §0). Kernels up to about 25×25 (or sparse ones) run directly over the non-zero taps, in
 * WebAssembly SIMD where available (a TypeScript loop with the same arithmetic elsewhere): float32 sums over
 * groups of kernel rows, added in float64 (≤ 3e-7 from the exact result); larger ones by FFT in float64 (the
 * choice is made by a cost model, both paths agree to ~3e-7). Taps of negligible weight (< 1e-12 of the kernel
 * together) are skipped.
 */
import { createImage, type FloatImage } from '../image/types.js';
import { takeImageBuffer } from '../image/buffers.js';
import { reflect101 } from '../image/pad.js';
import { fftAxis0, goodFFTSize, transposeComplex } from './fft.js';
import type { Kernel } from './kernels.js';
import { correlateWasmBase64 } from './wasm/correlate.wasm.js';
import { wasmMemory, lazySimdKernel } from '../common/wasm-simd.js';

export type FilterMethod = 'auto' | 'direct' | 'fft';

// Relative costs (ns) per tap-pixel for the direct path and per N·log2(N) for one 2-D complex FFT,
// measured on the development machine; only their ratio matters. Session 14 (24-pixel direct blocks, SIMD FFT
// butterflies with real-input transforms): direct 0.075 ns per tap-pixel (21×21 on 256² RGB in 6.7 ms), FFT
// path 8.5–8.9 ms at 256² whatever the kernel; the measured break-even is at 25×25 kernels on 256² and 183×201
// images (both paths within 10 % there), which these constants reproduce. The choice deliberately does not
// depend on whether SIMD is available: the two paths round differently, and the same (seed, image) must give
// the same bytes everywhere.
const DIRECT_NS = 0.075;
const FFT_NS = 1.5;

function nonZeroTaps(kern: Kernel): number {
  let n = 0;
  for (let i = 0; i < kern.data.length; i++) if (kern.data[i] !== 0) n++;
  return n;
}

export function chooseFilterMethod(width: number, height: number, channels: number, kern: Kernel): 'direct' | 'fft' {
  const r = (kern.size - 1) >> 1;
  const nnz = nonZeroTaps(kern);
  const direct = nnz * width * height * channels * DIRECT_NS;
  const n1 = goodFFTSize(height + 2 * r), n2 = goodFFTSize(width + 2 * r);
  const nn = n1 * n2;
  const fft = (2 * Math.ceil(channels / 2) + 0.55) * nn * Math.log2(nn) * FFT_NS;
  return direct <= fft ? 'direct' : 'fft';
}

/** Correlate `img` with `kern` (reflect-101 borders). Returns a new image. */
export function filter2D(img: FloatImage, kern: Kernel, method: FilterMethod = 'auto'): FloatImage {
  const k = kern.size;
  if (k % 2 !== 1 || kern.data.length !== k * k) throw new RangeError(`kernel must be k×k with odd k, got size ${k}`);
  if (k === 1) {
    const out = createImage(img.width, img.height, img.channels);
    const w = kern.data[0]!;
    for (let i = 0; i < out.data.length; i++) out.data[i] = img.data[i]! * w;
    return out;
  }
  const used = trimNegligible(kern);
  const m = method === 'auto' ? chooseFilterMethod(img.width, img.height, img.channels, used) : method;
  return m === 'direct' ? filterDirect(img, used) : filterFFT(img, used);
}

/**
 * Taps of a kernel whose absolute weights add up to at most this fraction of the kernel's total are left out.
 * A Gaussian of σ 0.5 drawn on a 19×19 grid is non-zero everywhere, but everything beyond radius 4 weighs
 * < 1e-12 of it; an anisotropic one of σ 0.3 across its axis is as negligible two pixels off that axis:
 * skipping those taps changes each output by < 1e-12 of the largest input, five orders of magnitude below the
 * float32 the result is stored in, and can cut the work many times over.
 */
const NEGLIGIBLE = 1e-12;

/**
 * `kern` without its negligible taps (together at most NEGLIGIBLE of the total absolute weight): first whole
 * outer rings, which shrinks the kernel (and the padding), then, with what is left of the budget, the smallest
 * taps inside, set to zero (the correlation skips zero taps). Inside, every tap at or below a threshold goes, so
 * taps of equal weight — the mirror images of a symmetric kernel — go together and symmetry is kept.
 */
export function trimNegligible(kern: Kernel): Kernel {
  const k = kern.size, d = kern.data;
  let total = 0;
  for (let i = 0; i < d.length; i++) total += Math.abs(d[i]!);
  const budget = NEGLIGIBLE * total;
  let trimmed = 0, dropped = 0;
  while (2 * (trimmed + 1) < k) {
    // the outermost remaining ring: rows `a` and `b`, and columns `a` and `b` between them
    const a = trimmed, b = k - 1 - trimmed;
    let ring = 0;
    for (let j = a; j <= b; j++) ring += Math.abs(d[a * k + j]!) + Math.abs(d[b * k + j]!);
    for (let i = a + 1; i < b; i++) ring += Math.abs(d[i * k + a]!) + Math.abs(d[i * k + b]!);
    if (dropped + ring > budget) break;
    dropped += ring;
    trimmed++;
  }
  const kk = k - 2 * trimmed;
  const data = new Float64Array(kk * kk);
  for (let i = 0; i < kk; i++) for (let j = 0; j < kk; j++) data[i * kk + j] = d[(i + trimmed) * k + j + trimmed]!;
  // the largest threshold whose taps (all of them, ties included) fit in the rest of the budget
  const sorted = Float64Array.from(data, Math.abs).sort();
  let threshold = 0;
  for (let i = 0; i < sorted.length;) {
    let j = i, run = 0;
    for (; j < sorted.length && sorted[j] === sorted[i]; j++) run += sorted[j]!;
    if (dropped + run > budget) break;
    dropped += run;
    threshold = sorted[i]!;
    i = j;
  }
  if (threshold > 0) for (let i = 0; i < data.length; i++) if (Math.abs(data[i]!) <= threshold) data[i] = 0;
  return trimmed === 0 && threshold === 0 ? kern : { size: kk, data };
}

/**
 * Reflect-101 padded single channel plane of size (H+2r)×(W+2r), rows `stride` apart, zero beyond it up to
 * `rowsOut` rows (the FFT frame). Float32 for the direct path (the image's own values), float64 for the FFT.
 */
function paddedPlane(img: FloatImage, c: number, r: number, out: Float32Array | Float64Array, stride: number, rowsOut: number): void {
  const { width: W, height: H, channels: C } = img;
  const PW = W + 2 * r, PH = H + 2 * r;
  const xs = new Int32Array(PW);
  for (let x = 0; x < PW; x++) xs[x] = reflect101(x - r, W) * C + c;
  const s = img.data;
  for (let y = 0; y < PH; y++) {
    const row = reflect101(y - r, H) * W * C;
    const o = y * stride;
    for (let x = 0; x < PW; x++) out[o + x] = s[row + xs[x]!]!;
    for (let x = PW; x < stride; x++) out[o + x] = 0;
  }
  for (let y = PH; y < rowsOut; y++) out.fill(0, y * stride, (y + 1) * stride);
}

/**
 * Taps per float32 partial sum: whole kernel rows are grouped up to this many (a longer row stands alone).
 * Each group ends in a float64 flush of the block's sums, ~15 % of the loop at one 13-tap row per group; 40
 * (two rows of 19, three of 13) measured 8–15 % faster than 24 with the same worst error against exact sums
 * (2.6e-7 vs 2.9e-7 over sinc, Gaussian and disk kernels 11–21; 64 reached 3.6e-7).
 */
const GROUP_TAPS = 40;

/**
 * Non-zero taps of a kernel as offsets into a plane of row length `rowLen` and their float32 weights, in
 * row-major order, with `ends[g]` = the index one past the last tap of group g. A group is one or more whole
 * kernel rows with at most GROUP_TAPS taps (or one longer row): the taps of a group are summed in float32,
 * the groups in float64, which keeps the float32 error near one rounding (≤ 3e-7 on 21×21 kernels).
 */
function tapList(kern: Kernel, rowLen: number, pairPlane = 0): Taps {
  const k = kern.size, half = (k - 1) >> 1;
  const pairs = pairPlane > 0 && k >= 3 && verticallySymmetric(kern) ? half : 0;
  const offs: number[] = [], ws: number[] = [], ends: number[] = [];
  let groupStart = 0;
  for (let i = 0; i < (pairs ? half + 1 : k); i++) {
    const rowStart = offs.length;
    // row i < half of a symmetric kernel reads plane i + 1, which holds rows z and z + k − 1 − 2i summed
    const base = i < pairs ? (i + 1) * pairPlane + i * rowLen : i * rowLen;
    for (let j = 0; j < k; j++) {
      const w = kern.data[i * k + j]!;
      if (w !== 0) { offs.push(base + j); ws.push(w); }
    }
    if (offs.length === rowStart) continue;
    // close the open group before this row if the row would push it past the budget
    if (rowStart > groupStart && offs.length - groupStart > GROUP_TAPS) { ends.push(rowStart); groupStart = rowStart; }
  }
  if (offs.length > groupStart) ends.push(offs.length);
  return { off: Int32Array.from(offs), wt: Float32Array.from(ws), ends: Int32Array.from(ends), pairs };
}

interface Taps {
  off: Int32Array;
  wt: Float32Array;
  ends: Int32Array;
  /**
   * Row pairs folded into planes: for a kernel whose row k − 1 − i equals row i (sinc, disk, box and noise-free
   * isotropic kernels), w·a + w·b = w·(a + b), so plane i + 1 (i < pairs) holds the padded plane's rows z and
   * z + k − 1 − 2i summed (in float32) and the taps of rows i < pairs read it: about half the multiply-adds for
   * the price of `pairs` cheap passes of additions.
   */
  pairs: number;
}

function verticallySymmetric(kern: Kernel): boolean {
  const k = kern.size, d = kern.data;
  for (let i = 0; i < k >> 1; i++) for (let j = 0; j < k; j++) if (d[i * k + j] !== d[(k - 1 - i) * k + j]) return false;
  return true;
}

/** Planes 1 … pairs of `planes` (each `planeLen` values, rows of `rowLen`): plane i + 1 row z = plane 0 rows z + (z + k − 1 − 2i). */
function pairPlanes(planes: Float32Array, planeLen: number, rowLen: number, rows: number, k: number, pairs: number): void {
  const f = Math.fround;
  for (let i = 0; i < pairs; i++) {
    const shift = (k - 1 - 2 * i) * rowLen, o = (i + 1) * planeLen, n = (rows - (k - 1 - 2 * i)) * rowLen;
    for (let q = 0; q < n; q++) planes[o + q] = f(planes[q]! + planes[q + shift]!);
  }
}

/**
 * The direct correlation kernel in WebAssembly SIMD (`wasm/correlate.wat`): the same sums in the same order
 * as `correlatePlane` below, so both give identical bits; the SIMD one is several times faster. Null where
 * WebAssembly SIMD is unavailable (the TypeScript loop is used instead).
 */
interface WasmCorrelator {
  memory: WebAssembly.Memory;
  pad: (src: number, rowAt: number, colAt: number, pw: number, ph: number, plane: number, lo: number, hi: number) => void;
  addPlanes: (a: number, b: number, out: number, n: number) => void;
  correlate: (plane: number, pw: number, out: number, step: number, w: number, h: number, taps: number, ends: number, ngroups: number, acc: number) => void;
}
const getWasmCorrelator = lazySimdKernel<WasmCorrelator>(correlateWasmBase64);

/**
 * o(y, x) = Σ_groups f64(Σ_{t in group} wt[t]·plane[y·PW + x + off[t]]) for a W×H output, the group sums in float32
 * (Math.fround after every multiply and add is exactly float32 arithmetic: float64 holds the exact product, and
 * rounding a float64 sum of two float32 values to float32 is the correctly rounded float32 sum), the total in
 * float64. The portable twin of the SIMD kernel, bit for bit.
 */
function correlatePlane(plane: Float32Array, PW: number, W: number, H: number, off: Int32Array, wt: Float32Array, ends: Int32Array, out: FloatImage, c: number): void {
  const f = Math.fround, C = out.channels, d = out.data;
  for (let y = 0; y < H; y++) {
    const rb = y * PW;
    for (let x = 0; x < W; x++) {
      const b = rb + x;
      let s = 0, t = 0;
      for (let g = 0; g < ends.length; g++) {
        let r = 0;
        for (const end = ends[g]!; t < end; t++) r = f(r + f(wt[t]! * plane[b + off[t]!]!));
        s += r;
      }
      d[(y * W + x) * C + c] = s;
    }
  }
}

/**
 * Direct correlation; `simd: false` forces the portable TypeScript loop (for tests: both give the same bits);
 * `rowPairs: false` turns off the row-pair planes of kernels whose rows mirror (for tests and measurements: they
 * were faster at every size from 5×5 up, and equal at 3×3, on 183×201 to 358² RGB images).
 */
export function filterDirect(img: FloatImage, kern: Kernel, opts: { simd?: boolean; rowPairs?: boolean } = {}): FloatImage {
  const { width: W, height: H, channels: C } = img;
  const k = kern.size, r = (k - 1) >> 1;
  const PW = W + 2 * r, PH = H + 2 * r;
  const taps = tapList(kern, PW, opts.rowPairs === false ? 0 : PW * PH);
  const wasm = opts.simd === false ? null : getWasmCorrelator();
  if (wasm) return filterDirectWasm(wasm, img, r, taps);
  const out = createImage(W, H, C);
  {
    const planes = new Float32Array((taps.pairs + 1) * PW * PH);
    for (let c = 0; c < C; c++) {
      paddedPlane(img, c, r, planes, PW, PH);
      pairPlanes(planes, PW * PH, PW, PH, k, taps.pairs);
      correlatePlane(planes, PW, W, H, taps.off, taps.wt, taps.ends, out, c);
    }
  }
  return out;
}

/**
 * `filterDirect` in the WebAssembly module. Every channel takes the same kernel, so the correlation runs once
 * over the interleaved padded image, as a plane whose rows are PW·C floats and whose taps are C floats per
 * pixel apart: each output value still gets its own sums (the same operations in the same order as one plane per
 * channel), but the padding is one pass, the 24-value blocks run along whole interleaved rows (no ragged block
 * per channel row) and the results are stored contiguously.
 */
function filterDirectWasm(wasm: WasmCorrelator, img: FloatImage, r: number, taps: Taps): FloatImage {
  const { width: W, height: H, channels: C } = img;
  const PW = W + 2 * r, PH = H + 2 * r, T = taps.off.length, G = taps.ends.length, n = W * H * C;
  // memory layout (byte offsets, 16-aligned): the kernel's scratch for a block's float64 totals, tap records
  // (32 bytes: the weight in four float32 lanes, then the byte offset), group ends, row and column tables,
  // image, result, padded image
  const align = (b: number): number => (b + 15) & ~15;
  const accAt = 0, tapsAt = 192, endsAt = align(tapsAt + 32 * T), rowAt = align(endsAt + 4 * G), colAt = align(rowAt + 4 * PH);
  const srcAt = align(colAt + 4 * PW * C), dstAt = align(srcAt + 4 * n), planeAt = align(dstAt + 4 * n);
  const planeBytes = 4 * PW * PH * C;
  const buf = wasmMemory(wasm.memory, planeAt + (taps.pairs + 1) * planeBytes);
  const weights = new Float32Array(buf, tapsAt, 8 * T), offsets = new Int32Array(buf, tapsAt, 8 * T);
  for (let t = 0; t < T; t++) {
    weights.fill(taps.wt[t]!, 8 * t, 8 * t + 4);
    // tap (i, j) is at i·PW + j pixels, i.e. C times as many floats, in the interleaved plane
    offsets[8 * t + 4] = taps.off[t]! * C * 4;
  }
  const ends = new Int32Array(buf, endsAt, G);
  for (let g = 0; g < G; g++) ends[g] = taps.ends[g]! * 32;
  const rows = new Int32Array(buf, rowAt, PH);
  for (let y = 0; y < PH; y++) rows[y] = reflect101(y - r, H) * W * C * 4;
  const cols = new Int32Array(buf, colAt, PW * C);
  for (let x = 0; x < PW; x++) {
    const sx = reflect101(x - r, W) * C;
    for (let c = 0; c < C; c++) cols[x * C + c] = (sx + c) * 4;
  }
  new Float32Array(buf, srcAt, n).set(img.data);
  // columns r … r + W − 1 are the image's own, in order: the padding copies them in bulk
  wasm.pad(srcAt, rowAt, colAt, PW * C, PH, planeAt, r * C, (r + W) * C);
  const k = 2 * r + 1, rowBytes = 4 * PW * C;
  for (let i = 0; i < taps.pairs; i++) {
    const shift = k - 1 - 2 * i;
    wasm.addPlanes(planeAt, planeAt + shift * rowBytes, planeAt + (i + 1) * planeBytes, (PH - shift) * PW * C);
  }
  wasm.correlate(planeAt, PW * C, dstAt, 4, W * C, H, tapsAt, endsAt, G, accAt);
  const data = takeImageBuffer(n);
  data.set(new Float32Array(buf, dstAt, n));
  return { data, width: W, height: H, channels: C };
}

let bufs: Float64Array[] = [];
function buffers(n: number): Float64Array[] {
  if (bufs.length === 0 || bufs[0]!.length < n) bufs = Array.from({ length: 6 }, () => new Float64Array(n));
  return bufs.map((b) => b.subarray(0, n));
}

/**
 * FFT correlation. Layout: column transforms on the n1×n2 padded planes (only the columns that hold data),
 * a transpose, column transforms again; the spectrum stays transposed for the product and the inverse.
 * Two channels ride in one complex transform (real and imaginary parts); the kernel is real, so they separate.
 */
function filterFFT(img: FloatImage, kern: Kernel): FloatImage {
  const { width: W, height: H, channels: C } = img;
  const k = kern.size, r = (k - 1) >> 1;
  const PW = W + 2 * r;
  const n1 = goodFFTSize(H + 2 * r), n2 = goodFFTSize(PW);
  const nn = n1 * n2;
  const [re, im, tr, ti, kr, ki] = buffers(nn) as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  // kernel spectrum (transposed layout n2×n1); correlation multiplies by its conjugate
  re.fill(0); im.fill(0);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) re[i * n2 + j] = kern.data[i * k + j]!;
  fftAxis0(re, im, n1, n2, k);
  transposeComplex(re, im, n1, n2, kr, ki);
  fftAxis0(kr, ki, n2, n1, n1);
  const out = createImage(W, H, C);
  const d = out.data;
  const scale = 1 / nn;
  for (let c = 0; c < C; c += 2) {
    const pair = c + 1 < C;
    paddedPlane(img, c, r, re, n2, n1);
    if (pair) paddedPlane(img, c + 1, r, im, n2, n1); else im.fill(0);
    fftAxis0(re, im, n1, n2, PW);
    transposeComplex(re, im, n1, n2, tr, ti);
    fftAxis0(tr, ti, n2, n1, n1);
    for (let i = 0; i < nn; i++) {
      const a = tr[i]!, b = ti[i]!, x = kr[i]!, y = -ki[i]!;
      tr[i] = a * x - b * y;
      ti[i] = a * y + b * x;
    }
    fftAxis0(tr, ti, n2, n1, n1, true);
    transposeComplex(tr, ti, n2, n1, re, im);
    fftAxis0(re, im, n1, n2, W, true);
    for (let y = 0; y < H; y++) {
      let o = y * W * C + c;
      const row = y * n2;
      for (let x = 0; x < W; x++, o += C) {
        d[o] = re[row + x]! * scale;
        if (pair) d[o + 1] = im[row + x]! * scale;
      }
    }
  }
  return out;
}
