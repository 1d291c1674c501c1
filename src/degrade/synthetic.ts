/**
 * The project's own generators (DEGRADATIONS.md §10): rain streaks, haze, low light and snow. Each takes an
 * RGB float image and a DegradeRng and returns the image with every sampled parameter.
 */
import { createImage, type FloatImage } from '../image/types.js';
import { quantizeInPlace } from '../image/convert.js';
import { exp, pow } from './detmath.js';
import { filter2D } from './filter.js';
import { gaussianKernel, segmentKernel } from './kernels.js';
import { resize } from './resize.js';
import type { DegradeRng } from './random.js';

function clip01(v: number): number { return v < 0 ? 0 : v > 1 ? 1 : v; }

type Range = [number, number];
function pick(rng: DegradeRng, v: number | Range): number {
  return typeof v === 'number' ? v : rng.uniform(v[0], v[1]);
}

// ---------------------------------------------------------------------------------------------------------
// Rain (§10.1)

export interface RainOptions {
  heavy?: boolean;
  /** seed density ρ (fixed or a range), default U(0.002, 0.02) */
  density?: number | Range;
  /** streak length ℓ in px, default U(10, 40) */
  length?: number | Range;
  /** streak angle in degrees from horizontal, default 90 ± U(−30, 30) */
  angle?: number | Range;
  /** streak width w ∈ {1, 2, 3} (default uniform) */
  width?: 1 | 2 | 3;
  /** layers for heavy rain, default 2–4 */
  layers?: number;
  /** streak gain g, default U(0.6, 1.0) */
  gain?: number | Range;
  mode?: 'add' | 'screen';
  /** heavy rain: probability of a haze veil (β ~ U(0.2, 0.6), d ≡ 1), default 0.5 */
  veilProb?: number;
}

export interface RainLayerParams { density: number; length: number; angle: number; width: number; gain: number }
export interface RainParams { op: 'rain'; heavy: boolean; mode: 'add' | 'screen'; layers: RainLayerParams[]; veil?: HazeParams }

function rainLayer(W: number, H: number, rng: DegradeRng, p: { density: number; length: number; angle: number; width: number; gain: number }): Float32Array {
  const w = p.width;
  const gw = Math.ceil(W / w), gh = Math.ceil(H / w);
  const seeds = createImage(W, H, 1);
  const grid = new Float32Array(gw * gh);
  for (let i = 0; i < grid.length; i++) {
    const u = rng.random();
    const v = rng.uniform(0.5, 1);
    grid[i] = u < p.density ? v : 0;
  }
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) seeds.data[y * W + x] = grid[Math.floor(y / w) * gw + Math.floor(x / w)]!;
  const kern = segmentKernel(p.length, (p.angle * Math.PI) / 180);
  const blurred = filter2D(seeds, kern);
  let mx = 0;
  for (let i = 0; i < blurred.data.length; i++) if (blurred.data[i]! > mx) mx = blurred.data[i]!;
  const out = new Float32Array(W * H);
  if (mx > 0) for (let i = 0; i < out.length; i++) out[i] = clip01((p.gain * blurred.data[i]!) / mx);
  return out;
}

export function addRain(img: FloatImage, rng: DegradeRng, o: RainOptions = {}): { image: FloatImage; params: RainParams } {
  const { width: W, height: H, channels: C } = img;
  const heavy = o.heavy ?? false;
  const mode = o.mode ?? 'add';
  const nLayers = heavy ? (o.layers ?? rng.int(2, 4)) : 1;
  const baseAngle = pick(rng, o.angle ?? [60, 120]);
  const R = new Float32Array(W * H);
  const layers: RainLayerParams[] = [];
  for (let l = 0; l < nLayers; l++) {
    const density = pick(rng, o.density ?? [0.002, 0.02]);
    const length = pick(rng, o.length ?? [10, 40]);
    const angle = heavy ? baseAngle + rng.uniform(-5, 5) : baseAngle;
    const width = o.width ?? rng.choice([1, 2, 3] as const);
    const gain = pick(rng, o.gain ?? [0.6, 1.0]);
    const lp = { density, length, angle, width, gain };
    layers.push(lp);
    const layer = rainLayer(W, H, rng, lp);
    for (let i = 0; i < R.length; i++) R[i] = clip01(R[i]! + layer[i]!);
  }
  const out = createImage(W, H, C);
  for (let p = 0; p < W * H; p++) {
    const r = R[p]!;
    for (let c = 0; c < C; c++) {
      const j = img.data[p * C + c]!;
      out.data[p * C + c] = mode === 'screen' ? 1 - (1 - j) * (1 - r) : clip01(j + r);
    }
  }
  const params: RainParams = { op: 'rain', heavy, mode, layers };
  let image = out;
  if (heavy && rng.random() < (o.veilProb ?? 0.5)) {
    const veil = addHaze(image, rng, { beta: [0.2, 0.6], depth: 'homogeneous' });
    image = veil.image;
    params.veil = veil.params;
  }
  return { image, params };
}

// ---------------------------------------------------------------------------------------------------------
// Haze (§10.2)

export interface HazeOptions {
  /** atmospheric light A, default U(0.7, 1.0) */
  airlight?: number | Range;
  /** per-channel jitter of A (±), default 0.03; 0 for grey A */
  jitter?: number;
  /** scattering coefficient β, default U(0.6, 1.8) */
  beta?: number | Range;
  /** depth proxy: 'homogeneous' (d ≡ 1), 'ramp' (vertical ramp + smooth field) or 'random' (0.3 / 0.7) */
  depth?: 'homogeneous' | 'ramp' | 'random';
  /** a measured depth map in [0, 1] (H×W, one channel); overrides `depth` */
  depthMap?: FloatImage;
}

export interface HazeParams { op: 'haze'; airlight: number[]; beta: number; depth: 'homogeneous' | 'ramp' | 'given'; fieldWeight?: number }

/** The scattering model for one value: I = J·t + A·(1 − t), t = exp(−β d). */
export function hazePixel(J: number, A: number, beta: number, d: number): number {
  const t = exp(-beta * d);
  return J * t + A * (1 - t);
}

/** Smooth random field in [0, 1]: Gaussian-blurred noise (σ = H/8), made on a coarse grid and upsampled. */
function smoothField(W: number, H: number, rng: DegradeRng): Float32Array {
  const f = 16;
  const gw = Math.max(4, Math.ceil(W / f)), gh = Math.max(4, Math.ceil(H / f));
  const g = createImage(gw, gh, 1);
  for (let i = 0; i < g.data.length; i++) g.data[i] = rng.normal();
  const sigma = Math.max(0.5, H / 8 / f);
  const k = 2 * Math.ceil(3 * sigma) + 1;
  const blurred = filter2D(g, gaussianKernel(k, sigma));
  const up = resize(blurred, W, H, 'bilinear');
  let lo = Infinity, hi = -Infinity;
  for (const v of up.data) { if (v < lo) lo = v; if (v > hi) hi = v; }
  const out = new Float32Array(W * H);
  const span = hi - lo || 1;
  for (let i = 0; i < out.length; i++) out[i] = (up.data[i]! - lo) / span;
  return out;
}

export function addHaze(img: FloatImage, rng: DegradeRng, o: HazeOptions = {}): { image: FloatImage; params: HazeParams } {
  const { width: W, height: H, channels: C } = img;
  const A0 = pick(rng, o.airlight ?? [0.7, 1.0]);
  const jitter = o.jitter ?? 0.03;
  const A: number[] = [];
  for (let c = 0; c < C; c++) A.push(jitter > 0 ? clip01(A0 + rng.uniform(-jitter, jitter)) : A0);
  const beta = pick(rng, o.beta ?? [0.6, 1.8]);
  let d: Float32Array;
  let kind: HazeParams['depth'];
  let fieldWeight: number | undefined;
  if (o.depthMap) {
    if (o.depthMap.width !== W || o.depthMap.height !== H) throw new RangeError('depth map size does not match the image');
    d = o.depthMap.data; kind = 'given';
  } else {
    const mode = o.depth ?? 'random';
    const homogeneous = mode === 'homogeneous' || (mode === 'random' && rng.random() < 0.3);
    if (homogeneous) {
      d = new Float32Array(W * H).fill(1); kind = 'homogeneous';
    } else {
      kind = 'ramp';
      fieldWeight = rng.uniform(0.2, 0.5);
      const field = smoothField(W, H, rng);
      d = new Float32Array(W * H);
      let lo = Infinity, hi = -Infinity;
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
        const v = (1 - fieldWeight) * (1 - y / H) + fieldWeight * field[y * W + x]!;
        d[y * W + x] = v;
        if (v < lo) lo = v; if (v > hi) hi = v;
      }
      const span = hi - lo || 1;
      for (let i = 0; i < d.length; i++) d[i] = (d[i]! - lo) / span;
    }
  }
  const out = createImage(W, H, C);
  const tCache = new Map<number, number>();
  for (let p = 0; p < W * H; p++) {
    const dv = d[p]!;
    let t = tCache.get(dv);
    if (t === undefined) { t = exp(-beta * dv); if (tCache.size < 65536) tCache.set(dv, t); }
    for (let c = 0; c < C; c++) out.data[p * C + c] = img.data[p * C + c]! * t + A[c]! * (1 - t);
  }
  return { image: out, params: { op: 'haze', airlight: A, beta, depth: kind, ...(fieldWeight !== undefined ? { fieldWeight } : {}) } };
}

// ---------------------------------------------------------------------------------------------------------
// Low light (§10.3)

export interface LowLightOptions {
  alpha?: number | Range;
  beta?: number | Range;
  gamma?: number | Range;
  /** photons at white P (fixed, or log-uniform range), default logU(30, 1000); null: no noise */
  photons?: number | Range | null;
  /** read-noise σ, default U(0, 0.02) */
  readNoise?: number | Range;
}

export interface LowLightParams { op: 'lowlight'; alpha: number; beta: number; gamma: number; photons: number | null; readNoise: number }

/** The darkening curve alone: β (α J)^γ. */
export function lowLightCurve(J: number, alpha: number, beta: number, gamma: number): number {
  return beta * pow(alpha * J, gamma);
}

export function lowLight(img: FloatImage, rng: DegradeRng, o: LowLightOptions = {}): { image: FloatImage; params: LowLightParams } {
  const alpha = pick(rng, o.alpha ?? [0.9, 1.0]);
  const beta = pick(rng, o.beta ?? [0.5, 1.0]);
  const gamma = pick(rng, o.gamma ?? [1.5, 5.0]);
  const P = o.photons === null ? null : typeof o.photons === 'number' ? o.photons : rng.logUniform((o.photons ?? [30, 1000])[0], (o.photons ?? [30, 1000])[1]);
  const sr = P === null ? 0 : pick(rng, o.readNoise ?? [0, 0.02]);
  const out = createImage(img.width, img.height, img.channels);
  const s = img.data, d = out.data;
  // the curve only takes 256 values on 8-bit input; cache it
  const cache = new Map<number, number>();
  for (let i = 0; i < s.length; i++) {
    const J = s[i]!;
    let L = cache.get(J);
    if (L === undefined) { L = lowLightCurve(J, alpha, beta, gamma); if (cache.size < 65536) cache.set(J, L); }
    let v = L;
    if (P !== null) v = rng.poisson(L * P) / P + (sr > 0 ? rng.normal() * sr : 0);
    d[i] = clip01(v);
  }
  quantizeInPlace(out);
  return { image: out, params: { op: 'lowlight', alpha, beta, gamma, photons: P, readNoise: sr } };
}

// ---------------------------------------------------------------------------------------------------------
// Snow (§10.5, optional)

export interface SnowParams { op: 'snow'; density: number; brightness: number; sigma: number }

export function addSnow(img: FloatImage, rng: DegradeRng, o: { density?: number | Range } = {}): { image: FloatImage; params: SnowParams } {
  const { width: W, height: H, channels: C } = img;
  const density = pick(rng, o.density ?? [0.0005, 0.003]);
  const brightness = rng.uniform(0.8, 1);
  const sigma = rng.uniform(0.5, 1.5);
  const M = createImage(W, H, 1);
  const n = Math.round(density * W * H);
  for (let i = 0; i < n; i++) {
    const cx = rng.uniform(0, W), cy = rng.uniform(0, H), r = rng.uniform(0.5, 3);
    for (let y = Math.max(0, Math.floor(cy - r)); y <= Math.min(H - 1, Math.ceil(cy + r)); y++) {
      for (let x = Math.max(0, Math.floor(cx - r)); x <= Math.min(W - 1, Math.ceil(cx + r)); x++) {
        if ((x + 0.5 - cx) * (x + 0.5 - cx) + (y + 0.5 - cy) * (y + 0.5 - cy) <= r * r) M.data[y * W + x] = 1;
      }
    }
  }
  const k = 2 * Math.ceil(3 * sigma) + 1;
  const Mb = filter2D(M, gaussianKernel(k, sigma));
  const out = createImage(W, H, C);
  for (let p = 0; p < W * H; p++) {
    const m = clip01(Mb.data[p]!);
    for (let c = 0; c < C; c++) out.data[p * C + c] = img.data[p * C + c]! * (1 - m) + brightness * m;
  }
  return { image: out, params: { op: 'snow', density, brightness, sigma } };
}
