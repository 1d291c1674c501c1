/** Random blur (`random_blur`), Wiener ringing and the under-display-camera PSF filter (DEGRADATIONS.md §4). */
import { createImage, type FloatImage } from '../image/types.js';
import { pad, crop } from '../image/pad.js';
import { fft2d } from './fft.js';
import { cos, sin } from './detmath.js';
import { filter2D } from './filter.js';
import { randomMixedKernel, randomSincKernel, type Kernel, type KernelParams } from './kernels.js';
import type { DegradeRng } from './random.js';

export type DegradeWord = 'blur' | 'ringing artifact' | 'noise' | 'jpeg block';

export interface BlurStep {
  op: 'blur';
  kernel: KernelParams;
  sinc: boolean;
  wiener?: boolean;
  wienerBlend?: number;
}

/**
 * Wiener "ringing": per channel, pad 20 px (symmetric), G = conj(H)/(|H|² + 0.006) with the kernel centred
 * and inverse-shifted in the padded frame, out = Re(F⁻¹(F(img)·G)), crop. Not clipped.
 */
export function wienerRinging(img: FloatImage, kern: Kernel, opts: { pad?: number; eps?: number } = {}): FloatImage {
  const p = opts.pad ?? 20, eps = opts.eps ?? 0.006;
  const padded = pad(img, p, p, p, p, 'symmetric');
  const { width: PW, height: PH, channels: C } = padded;
  const n = PW * PH, k = kern.size, r = (k - 1) >> 1;
  if (k > PW || k > PH) throw new RangeError(`image too small (${img.width}x${img.height}) for a ${k}x${k} Wiener kernel`);
  const { re: hr, im: hi } = kernelSpectrum(kern, PH, PW);
  const gr = new Float64Array(n), gi = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = hr[i]!, b = hi[i]!;
    const den = a * a + b * b + eps;
    gr[i] = a / den; gi[i] = -b / den;
  }
  return applySpectrum(padded, gr, gi, p, img.width, img.height);
}

/**
 * The 2-D DFT over a PH×PW frame of a k×k kernel centred at (0, 0) and wrapped circularly:
 * H(u, v) = Σ_ij w_ij e^{−2πi(u(i−r)/PH + v(j−r)/PW)}, as two separable sums (k·PW + k·PH·PW complex
 * multiply-adds). For the small kernels here this is 5–10× cheaper than an FFT of the frame, whose sizes
 * (e.g. 296 = 8·37) need Bluestein's algorithm; the values agree with the FFT to rounding.
 */
function kernelSpectrum(kern: Kernel, PH: number, PW: number): { re: Float64Array; im: Float64Array } {
  const k = kern.size, r = (k - 1) >> 1;
  const phase = (N: number, u: number, d: number): [number, number] => {
    const a = (-2 * Math.PI * ((((u * d) % N) + N) % N)) / N; // exact integer reduction keeps the angle accurate
    return [cos(a), sin(a)];
  };
  // C[i][v] = Σ_j w_ij e^{−2πi v (j−r)/PW}
  const cr = new Float64Array(k * PW), ci = new Float64Array(k * PW);
  for (let v = 0; v < PW; v++) for (let j = 0; j < k; j++) {
    const [c, s] = phase(PW, v, j - r);
    for (let i = 0; i < k; i++) {
      const w = kern.data[i * k + j]!;
      if (w === 0) continue;
      cr[i * PW + v] += w * c; ci[i * PW + v] += w * s;
    }
  }
  // H[u][v] = Σ_i e^{−2πi u (i−r)/PH} C[i][v]
  const re = new Float64Array(PH * PW), im = new Float64Array(PH * PW);
  for (let u = 0; u < PH; u++) {
    const o = u * PW;
    for (let i = 0; i < k; i++) {
      const [a, b] = phase(PH, u, i - r);
      const q = i * PW;
      for (let v = 0; v < PW; v++) {
        const x = cr[q + v]!, y = ci[q + v]!;
        re[o + v] += a * x - b * y; im[o + v] += a * y + b * x;
      }
    }
  }
  return { re, im };
}

/** Multiply each channel's spectrum by G (Hermitian, so real outputs) and crop the pad. */
function applySpectrum(padded: FloatImage, gr: Float64Array, gi: Float64Array, p: number, W: number, H: number): FloatImage {
  const { width: PW, height: PH, channels: C } = padded;
  const n = PW * PH;
  const re = new Float64Array(n), im = new Float64Array(n);
  const full = createImage(PW, PH, C);
  for (let c = 0; c < C; c += 2) {
    const pair = c + 1 < C;
    for (let i = 0; i < n; i++) { re[i] = padded.data[i * C + c]!; im[i] = pair ? padded.data[i * C + c + 1]! : 0; }
    fft2d(re, im, PH, PW, false);
    for (let i = 0; i < n; i++) {
      const a = re[i]!, b = im[i]!, x = gr[i]!, y = gi[i]!;
      re[i] = a * x - b * y; im[i] = a * y + b * x;
    }
    fft2d(re, im, PH, PW, true);
    for (let i = 0; i < n; i++) {
      full.data[i * C + c] = re[i]! / n;
      if (pair) full.data[i * C + c + 1] = im[i]! / n;
    }
  }
  return crop(full, p, p, W, H);
}

/** Filter by FFT with a (large) PSF, circular over a 20 px symmetric pad. */
export function psfFilterFFT(img: FloatImage, psf: Kernel): FloatImage {
  const p = 20;
  const padded = pad(img, p, p, p, p, 'symmetric');
  const { width: PW, height: PH } = padded;
  const { re, im } = kernelSpectrum(psf, PH, PW);
  return applySpectrum(padded, re, im, p, img.width, img.height);
}

function blend(a: FloatImage, b: FloatImage, p: number): FloatImage {
  const out = createImage(a.width, a.height, a.channels);
  for (let i = 0; i < out.data.length; i++) out.data[i] = p * a.data[i]! + (1 - p) * b.data[i]!;
  return out;
}

export interface RandomBlurOptions {
  maxRadius: number;
  sincProb: number;
  deblurProb: number;
  blurRange: [number, number];
}

/** `random_blur` (§4). Returns the image, the words it appends and the sampled parameters. */
export function randomBlur(img: FloatImage, rng: DegradeRng, o: RandomBlurOptions): { image: FloatImage; words: DegradeWord[]; step: BlurStep } {
  const sizes: number[] = [];
  for (let v = 2; v <= o.maxRadius - 1; v++) sizes.push(2 * v + 1);
  const k = rng.choice(sizes);
  const sinc = rng.random() < o.sincProb;
  const { kernel, params } = sinc ? randomSincKernel(k, rng) : randomMixedKernel(k, rng, o.blurRange);
  const blurred = filter2D(img, kernel);
  const words: DegradeWord[] = ['blur'];
  const step: BlurStep = { op: 'blur', kernel: params, sinc };
  let out = blurred;
  if (sinc) words.push('ringing artifact');
  else if (rng.random() < o.deblurProb && k < 8) {
    const wienered = wienerRinging(blurred, kernel);
    words.push('ringing artifact');
    step.wiener = true;
    out = wienered;
    if (rng.random() < 0.1) {
      const p = rng.uniform(0.1, 0.5);
      out = blend(blurred, wienered, p);
      step.wienerBlend = p;
    }
  }
  return { image: out, words, step };
}

export interface UdcStep { op: 'udc'; applied: boolean; psfIndex: number; blend: number }

/**
 * Under-display-camera PSF filter: out = p·filtered + (1−p)·img, p ~ U(0.1, 0.5), with a PSF drawn from
 * `bank`. With no bank (the default: the measured bank is not shippable) the draws are still made, so seeds
 * stay aligned, and the image is returned unchanged.
 */
export function udcFilter(img: FloatImage, rng: DegradeRng, bank: Kernel[] = []): { image: FloatImage; step: UdcStep } {
  const u = rng.random();
  const p = rng.uniform(0.1, 0.5);
  if (bank.length === 0) return { image: img, step: { op: 'udc', applied: false, psfIndex: -1, blend: p } };
  const idx = Math.min(bank.length - 1, Math.floor(u * bank.length));
  const filtered = psfFilterFFT(img, bank[idx]!);
  return { image: blend(filtered, img, p), step: { op: 'udc', applied: true, psfIndex: idx, blend: p } };
}
