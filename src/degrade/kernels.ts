/**
 * Blur kernels (DEGRADATIONS.md §1–3): Gaussian family, generalised Gaussian, plateau, defocus, box, line
 * (motion), random-trajectory motion (the PSF-bank substitute) and sinc (ringing), plus the mixed-kernel
 * and sinc samplers. A kernel is k×k, row-major, float64, normalised to sum 1.
 */
import { besselJ1, cos, exp, pow, sin } from './detmath.js';
import type { DegradeRng } from './random.js';

export interface Kernel {
  size: number;
  data: Float64Array;
}

export type KernelType =
  | 'iso' | 'aniso' | 'generalized_iso' | 'generalized_aniso' | 'plateau_iso' | 'plateau_aniso'
  | 'defocus' | 'box' | 'line' | 'psf' | 'sinc';

/** Parameters that produced a kernel (recorded in sidecars). */
export interface KernelParams {
  type: KernelType;
  size: number;
  sigmaX?: number;
  sigmaY?: number;
  theta?: number;
  beta?: number;
  noise?: boolean;
  angle?: number;
  lineIndex?: number;
  omegaC?: number;
  steps?: number;
}

function checkSize(k: number): void {
  if (!Number.isInteger(k) || k < 1 || k % 2 === 0 || k > 99) throw new RangeError(`kernel size must be an odd integer in 1..99, got ${k}`);
}

export function normalizeKernel(kern: Kernel): Kernel {
  let s = 0;
  for (let i = 0; i < kern.data.length; i++) s += kern.data[i]!;
  if (s === 0 || !Number.isFinite(s)) throw new RangeError('kernel sums to zero');
  for (let i = 0; i < kern.data.length; i++) kern.data[i] = kern.data[i]! / s;
  return kern;
}

/** Σ⁻¹ entries for Σ = R diag(σx², σy²) Rᵀ. */
function inverseSigma(sigmaX: number, sigmaY: number, theta: number): [number, number, number] {
  const c = cos(theta), s = sin(theta);
  const a = sigmaX * sigmaX, b = sigmaY * sigmaY;
  // Σ = [[c²a + s²b, cs(a−b)], [cs(a−b), s²a + c²b]]
  const s11 = c * c * a + s * s * b, s12 = c * s * (a - b), s22 = s * s * a + c * c * b;
  const det = s11 * s22 - s12 * s12;
  return [s22 / det, -s12 / det, s11 / det];
}

function quadGrid(k: number, sigmaX: number, sigmaY: number, theta: number, iso: boolean): Float64Array {
  const [i11, i12, i22] = iso ? [1 / (sigmaX * sigmaX), 0, 1 / (sigmaX * sigmaX)] : inverseSigma(sigmaX, sigmaY, theta);
  const r = (k - 1) / 2;
  const q = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    const y = i - r;
    for (let j = 0; j < k; j++) {
      const x = j - r;
      q[i * k + j] = i11 * x * x + 2 * i12 * x * y + i22 * y * y;
    }
  }
  return q;
}

/** Bivariate Gaussian, exp(−½ Q). `sigmaY`/`theta` ignored when isotropic (sigmaY undefined). */
export function gaussianKernel(k: number, sigmaX: number, sigmaY?: number, theta = 0): Kernel {
  checkSize(k);
  checkSigma(sigmaX, sigmaY);
  const q = quadGrid(k, sigmaX, sigmaY ?? sigmaX, theta, sigmaY === undefined);
  const d = new Float64Array(k * k);
  for (let i = 0; i < d.length; i++) d[i] = exp(-0.5 * q[i]!);
  return normalizeKernel({ size: k, data: d });
}

/** Generalised Gaussian exp(−½ Q^β). */
export function generalizedGaussianKernel(k: number, beta: number, sigmaX: number, sigmaY?: number, theta = 0): Kernel {
  checkSize(k);
  checkSigma(sigmaX, sigmaY);
  if (!(beta > 0)) throw new RangeError(`beta must be > 0, got ${beta}`);
  const q = quadGrid(k, sigmaX, sigmaY ?? sigmaX, theta, sigmaY === undefined);
  const d = new Float64Array(k * k);
  for (let i = 0; i < d.length; i++) d[i] = exp(-0.5 * pow(q[i]!, beta));
  return normalizeKernel({ size: k, data: d });
}

/** Plateau 1/(Q^β + 1). */
export function plateauKernel(k: number, beta: number, sigmaX: number, sigmaY?: number, theta = 0): Kernel {
  checkSize(k);
  checkSigma(sigmaX, sigmaY);
  if (!(beta > 0)) throw new RangeError(`beta must be > 0, got ${beta}`);
  const q = quadGrid(k, sigmaX, sigmaY ?? sigmaX, theta, sigmaY === undefined);
  const d = new Float64Array(k * k);
  for (let i = 0; i < d.length; i++) d[i] = 1 / (pow(q[i]!, beta) + 1);
  return normalizeKernel({ size: k, data: d });
}

function checkSigma(sx: number, sy?: number): void {
  if (!(sx > 0) || !Number.isFinite(sx)) throw new RangeError(`sigma must be > 0, got ${sx}`);
  if (sy !== undefined && (!(sy > 0) || !Number.isFinite(sy))) throw new RangeError(`sigmaY must be > 0, got ${sy}`);
}

/** Disk (defocus): 1 where (i−c)² + (j−c)² < (c+1)²; k = 3, 5 also drop the corners. */
export function defocusKernel(k: number): Kernel {
  checkSize(k);
  const c = Math.floor(k / 2);
  const d = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) {
    if ((i - c) * (i - c) + (j - c) * (j - c) < (c + 1) * (c + 1)) d[i * k + j] = 1;
  }
  if (k === 3 || k === 5) { d[0] = 0; d[k - 1] = 0; d[(k - 1) * k] = 0; d[k * k - 1] = 0; }
  return normalizeKernel({ size: k, data: d });
}

export function boxKernel(k: number): Kernel {
  checkSize(k);
  return { size: k, data: new Float64Array(k * k).fill(1 / (k * k)) };
}

/** skimage.draw.line (Bresenham) from (r0, c0) to (r1, c1): the pixels in order. */
export function bresenham(r0: number, c0: number, r1: number, c1: number): Array<[number, number]> {
  let r = r0, c = c0;
  let dr = Math.abs(r1 - r0), dc = Math.abs(c1 - c0);
  let sc = c1 - c > 0 ? 1 : -1, sr = r1 - r > 0 ? 1 : -1;
  let steep = false;
  if (dr > dc) { steep = true; [c, r] = [r, c]; [dc, dr] = [dr, dc]; [sc, sr] = [sr, sc]; }
  let d = 2 * dr - dc;
  const out: Array<[number, number]> = [];
  for (let i = 0; i < dc; i++) {
    out.push(steep ? [c, r] : [r, c]);
    while (d >= 0) { r += sr; d -= 2 * dc; }
    c += sc;
    d += 2 * dr;
  }
  out.push([r1, c1]);
  return out;
}

/** The 2k−2 end-point pairs of the line kernels of size k (DEGRADATIONS.md §2), in angle order. */
export function lineEndpoints(k: number): Array<[[number, number], [number, number]]> {
  checkSize(k);
  const a = (k - 1) / 2, b = (k + 1) / 2;
  const lines: Array<[[number, number], [number, number]]> = [];
  for (let i = a; i <= k - 1; i++) lines.push([[i, 0], [k - 1 - i, k - 1]]);
  for (let j = 1; j <= b - 1; j++) lines.push([[k - 1, j], [0, k - 1 - j]]);
  for (let j = b; j <= k - 1; j++) lines.push([[0, k - 1 - j], [k - 1, j]]);
  for (let i = 1; i <= a - 1; i++) lines.push([[i, 0], [k - 1 - i, k - 1]]);
  return lines;
}

/**
 * Line (linear motion) kernel of size k at line index m (angle m·180°/(2k−2)); k > 15 becomes k − 10 as in
 * the reference. `index` undefined: give `angleDeg` instead (snapped to the nearest line).
 */
export function lineKernel(k: number, index: number): Kernel {
  checkSize(k);
  const kk = k > 15 ? k - 10 : k;
  const lines = lineEndpoints(kk);
  if (!Number.isInteger(index) || index < 0 || index >= lines.length) throw new RangeError(`line index must be in 0..${lines.length - 1}`);
  const [[r0, c0], [r1, c1]] = lines[index]!;
  const d = new Float64Array(kk * kk);
  for (const [r, c] of bresenham(r0, c0, r1, c1)) d[r * kk + c] = 1;
  return normalizeKernel({ size: kk, data: d });
}

export function lineIndexForAngle(k: number, angleDeg: number): number {
  const kk = k > 15 ? k - 10 : k;
  const n = 2 * kk - 2;
  const step = 180 / n;
  let m = Math.round((((angleDeg % 180) + 180) % 180) / step);
  if (m >= n) m -= n;
  return m;
}

/**
 * Anti-aliased straight segment of length `length` through the centre at angle `angle` (radians, 0 =
 * horizontal, counter-clockwise with rows pointing down), normalised. Used by rain streaks.
 */
export function segmentKernel(length: number, angle: number): Kernel {
  const half = Math.max(1, Math.ceil(length / 2));
  const k = 2 * half + 1;
  const d = new Float64Array(k * k);
  const n = Math.max(2, Math.ceil(length * 2));
  const dx = cos(angle), dy = -sin(angle);
  for (let s = 0; s <= n; s++) {
    const t = (s / n - 0.5) * length;
    splat(d, k, half + t * dy, half + t * dx, 1);
  }
  return normalizeKernel({ size: k, data: d });
}

function splat(d: Float64Array, k: number, y: number, x: number, w: number): void {
  const y0 = Math.floor(y), x0 = Math.floor(x);
  const fy = y - y0, fx = x - x0;
  const put = (r: number, c: number, v: number): void => { if (r >= 0 && r < k && c >= 0 && c < k) d[r * k + c] = d[r * k + c]! + v; };
  put(y0, x0, w * (1 - fy) * (1 - fx));
  put(y0, x0 + 1, w * (1 - fy) * fx);
  put(y0 + 1, x0, w * fy * (1 - fx));
  put(y0 + 1, x0 + 1, w * fy * fx);
}

/**
 * Random-trajectory camera-shake kernel (project substitute for the measured PSF bank): a random walk of
 * 8–24 steps with momentum, centred, scaled to fit k×k, rasterised with bilinear splatting.
 */
export function randomMotionKernel(k: number, rng: DegradeRng): { kernel: Kernel; steps: number } {
  checkSize(k);
  const steps = rng.int(8, 24);
  let ang = rng.uniform(-Math.PI, Math.PI);
  let vx = cos(ang), vy = sin(ang);
  const xs = [0], ys = [0];
  let x = 0, y = 0;
  for (let s = 0; s < steps; s++) {
    // momentum: keep most of the previous direction, add a random turn and a random speed
    ang = rng.uniform(-Math.PI, Math.PI);
    const m = 0.7;
    vx = m * vx + (1 - m) * cos(ang);
    vy = m * vy + (1 - m) * sin(ang);
    const len = rng.uniform(0.5, 1.5);
    const norm = Math.sqrt(vx * vx + vy * vy) || 1;
    x += (vx / norm) * len;
    y += (vy / norm) * len;
    xs.push(x); ys.push(y);
  }
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (let i = 0; i < xs.length; i++) { minX = Math.min(minX, xs[i]!); maxX = Math.max(maxX, xs[i]!); minY = Math.min(minY, ys[i]!); maxY = Math.max(maxY, ys[i]!); }
  const extent = Math.max(maxX - minX, maxY - minY, 1e-9);
  const fit = Math.min(1, (k - 2) / extent) * rng.uniform(0.5, 1);
  const cx = (minX + maxX) / 2, cy = (minY + maxY) / 2;
  const c = (k - 1) / 2;
  const d = new Float64Array(k * k);
  for (let i = 0; i < xs.length - 1; i++) {
    const sub = 4;
    for (let s = 0; s < sub; s++) {
      const t = s / sub;
      const px = xs[i]! + (xs[i + 1]! - xs[i]!) * t, py = ys[i]! + (ys[i + 1]! - ys[i]!) * t;
      splat(d, k, c + (py - cy) * fit, c + (px - cx) * fit, 1);
    }
  }
  splat(d, k, c + (ys[ys.length - 1]! - cy) * fit, c + (xs[xs.length - 1]! - cx) * fit, 1);
  return { kernel: normalizeKernel({ size: k, data: d }), steps };
}

/** Circular low-pass (sinc / ringing) kernel: ωc J₁(ωc r)/(2π r), centre ωc²/(4π), normalised. */
export function sincKernel(k: number, omegaC: number): Kernel {
  checkSize(k);
  if (!(omegaC > 0) || omegaC > Math.PI + 1e-12) throw new RangeError(`sinc cutoff must be in (0, π], got ${omegaC}`);
  const c = (k - 1) / 2;
  const d = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) {
    const r = Math.sqrt((i - c) * (i - c) + (j - c) * (j - c));
    d[i * k + j] = r === 0 ? (omegaC * omegaC) / (4 * Math.PI) : (omegaC * besselJ1(omegaC * r)) / (2 * Math.PI * r);
  }
  return normalizeKernel({ size: k, data: d });
}

/** Multiply entries by U(lo, hi) independently and renormalise. */
export function kernelNoise(kern: Kernel, rng: DegradeRng, lo = 0.9, hi = 1.1): Kernel {
  for (let i = 0; i < kern.data.length; i++) kern.data[i] = kern.data[i]! * rng.uniform(lo, hi);
  return normalizeKernel(kern);
}

export const MIXED_KERNEL_TYPES: KernelType[] = [
  'iso', 'aniso', 'generalized_iso', 'generalized_aniso', 'plateau_iso', 'plateau_aniso', 'defocus', 'box', 'line', 'psf',
];
export const MIXED_KERNEL_PROBS = [0.35, 0.2, 0.1, 0.03, 0.1, 0.03, 0.1, 0.03, 0.03, 0.03];

export interface KernelSamplerOptions {
  sigmaRange?: [number, number];
  betaGeneralized?: [number, number];
  betaPlateau?: [number, number];
  noiseRange?: [number, number] | null;
}

/** β for the generalised and plateau kernels: half the draws below 1, half above (DEGRADATIONS.md §1, §3). */
export function drawBeta(rng: DegradeRng, range: [number, number]): number {
  return rng.random() < 0.5 ? rng.uniform(range[0], 1) : rng.uniform(1, range[1]);
}

/**
 * One kernel of a given type with random parameters. Draw order: σx; (anisotropic: σy, θ); (β); (noise).
 */
export function randomKernelOfType(type: KernelType, k: number, rng: DegradeRng, opts: KernelSamplerOptions = {}): { kernel: Kernel; params: KernelParams } {
  const sr = opts.sigmaRange ?? [0.2, 3];
  const bg = opts.betaGeneralized ?? [0.5, 2];
  const bp = opts.betaPlateau ?? [1, 1.5];
  const nr = opts.noiseRange === undefined ? [0.9, 1.1] as [number, number] : opts.noiseRange;
  const aniso = type === 'aniso' || type === 'generalized_aniso' || type === 'plateau_aniso';
  const draws = (): { sx: number; sy?: number; th: number } => {
    const sx = rng.uniform(sr[0], sr[1]);
    if (!aniso) return { sx, th: 0 };
    const sy = rng.uniform(sr[0], sr[1]);
    const th = rng.uniform(-Math.PI, Math.PI);
    return { sx, sy, th };
  };
  switch (type) {
    case 'iso': case 'aniso': {
      const { sx, sy, th } = draws();
      let kern = gaussianKernel(k, sx, sy, th);
      if (nr) kern = kernelNoise(kern, rng, nr[0], nr[1]);
      return { kernel: kern, params: { type, size: k, sigmaX: sx, ...(aniso ? { sigmaY: sy, theta: th } : {}), noise: !!nr } };
    }
    case 'generalized_iso': case 'generalized_aniso': {
      const { sx, sy, th } = draws();
      const beta = drawBeta(rng, bg);
      let kern = generalizedGaussianKernel(k, beta, sx, sy, th);
      if (nr) kern = kernelNoise(kern, rng, nr[0], nr[1]);
      return { kernel: kern, params: { type, size: k, sigmaX: sx, ...(aniso ? { sigmaY: sy, theta: th } : {}), beta, noise: !!nr } };
    }
    case 'plateau_iso': case 'plateau_aniso': {
      const { sx, sy, th } = draws();
      const beta = drawBeta(rng, bp);
      return { kernel: plateauKernel(k, beta, sx, sy, th), params: { type, size: k, sigmaX: sx, ...(aniso ? { sigmaY: sy, theta: th } : {}), beta } };
    }
    case 'defocus': return { kernel: defocusKernel(k), params: { type, size: k } };
    case 'box': return { kernel: boxKernel(k), params: { type, size: k } };
    case 'line': {
      const kk = k > 15 ? k - 10 : k;
      const m = rng.int(0, 2 * kk - 3);
      return { kernel: lineKernel(k, m), params: { type, size: kk, lineIndex: m, angle: (m * 180) / (2 * kk - 2) } };
    }
    case 'psf': {
      const { kernel, steps } = randomMotionKernel(k, rng);
      return { kernel, params: { type, size: k, steps } };
    }
    case 'sinc': {
      const wc = k < 13 ? rng.uniform(Math.PI / 3, Math.PI) : rng.uniform(Math.PI / 5, Math.PI);
      return { kernel: sincKernel(k, wc), params: { type, size: k, omegaC: wc } };
    }
  }
}

/** `predefined_mixed_kernel(k, blurRange)` (§3). */
export function randomMixedKernel(k: number, rng: DegradeRng, sigmaRange: [number, number]): { kernel: Kernel; params: KernelParams } {
  const type = MIXED_KERNEL_TYPES[rng.weightedIndex(MIXED_KERNEL_PROBS)]!;
  return randomKernelOfType(type, k, rng, { sigmaRange });
}

/** `predefined_sinc_kernel(k)` (§3). */
export function randomSincKernel(k: number, rng: DegradeRng): { kernel: Kernel; params: KernelParams } {
  return randomKernelOfType('sinc', k, rng);
}
