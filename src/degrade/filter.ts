/**
 * 2-D correlation of an image with a k×k kernel, output the same size, reflect-101 borders, per channel
 * (DEGRADATIONS.md §0). Small or sparse kernels run directly over the non-zero taps; larger ones by FFT
 * (exact up to float rounding; the choice is made by a cost model, both paths agree to ~1e-7).
 */
import { createImage, type FloatImage } from '../image/types.js';
import { reflect101 } from '../image/pad.js';
import { fftAxis0, goodFFTSize, transposeComplex } from './fft.js';
import type { Kernel } from './kernels.js';

export type FilterMethod = 'auto' | 'direct' | 'fft';

// Relative costs (ns) per tap-pixel for the direct path and per N·log2(N) for one 2-D complex FFT,
// measured on the development machine; only their ratio matters.
const DIRECT_NS = 3.9;
const FFT_NS = 5.6;

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
  const m = method === 'auto' ? chooseFilterMethod(img.width, img.height, img.channels, kern) : method;
  return m === 'direct' ? filterDirect(img, kern) : filterFFT(img, kern);
}

/** Reflect-101 padded single channel plane (float64) of size (H+2r)×(W+2r). */
function paddedPlane(img: FloatImage, c: number, r: number, out: Float64Array, stride: number, rowsOut: number): void {
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

function filterDirect(img: FloatImage, kern: Kernel): FloatImage {
  const { width: W, height: H, channels: C } = img;
  const k = kern.size, r = (k - 1) >> 1;
  const PW = W + 2 * r, PH = H + 2 * r;
  const offs: number[] = [], ws: number[] = [];
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) {
    const w = kern.data[i * k + j]!;
    if (w !== 0) { offs.push(i * PW + j); ws.push(w); }
  }
  const T = offs.length;
  const off = Int32Array.from(offs), wt = Float64Array.from(ws);
  const plane = new Float64Array(PW * PH);
  const out = createImage(W, H, C);
  const d = out.data;
  for (let c = 0; c < C; c++) {
    paddedPlane(img, c, r, plane, PW, PH);
    for (let y = 0; y < H; y++) {
      const rb = y * PW;
      let o = y * W * C + c;
      for (let x = 0; x < W; x++, o += C) {
        const b = rb + x;
        let s = 0;
        for (let t = 0; t < T; t++) s += wt[t]! * plane[b + off[t]!]!;
        d[o] = s;
      }
    }
  }
  return out;
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
