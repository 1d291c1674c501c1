/** Basic layers with PyTorch's parameter names and default initialisation. */
import { IrsdeError } from '../common/errors.js';
import type { Tensor } from '../graph/tensor.js';
import * as G from '../graph/ops.js';
import { init } from '../runtime/params.js';
import type { Scope } from './scope.js';

export interface ConvOptions { k: number; stride?: number; padding?: number | [number, number, number, number]; groups?: number; bias?: boolean }

/** nn.Conv2d(cin, cout, k): `weight` [cout, cin/groups, k, k], `bias` [cout]. */
export function conv(s: Scope, x: Tensor, cin: number, cout: number, o: ConvOptions): Tensor {
  const groups = o.groups ?? 1;
  const fan = (cin / groups) * o.k * o.k;
  const w = s.param('weight', [cout, cin / groups, o.k, o.k], init.torch());
  const b = o.bias === false ? null : s.param('bias', [cout], init.torch(fan));
  return G.conv2d(x, w, b, { stride: o.stride ?? 1, padding: o.padding ?? (o.k - 1) >> 1, groups });
}

/** nn.Linear(cin, cout) on [B, cin]: y = x Wᵀ + b. */
export function linear(s: Scope, x: Tensor, cin: number, cout: number, bias = true): Tensor {
  const w = s.param('weight', [cout, cin], init.torch());
  let y = G.matmul(x, G.transpose(w, [1, 0]));
  if (bias) y = G.add(y, s.param('bias', [cout], init.torch(cin)));
  return y;
}

/** Channel LayerNorm with a weight `g` [1,c,1,1] and no bias (NETWORKS.md §1). eps 1e-5 for float32. */
export function layerNormG(s: Scope, x: Tensor, c: number, eps = 1e-5): Tensor {
  return G.channelLayerNorm(x, s.param('g', [1, c, 1, 1], init.ones), null, eps);
}

/** SimpleGate: split channels (axis 1) in halves and multiply. */
export function simpleGate(x: Tensor): Tensor {
  const [a, b] = G.split(x, 2, 1);
  return G.mul(a!, b!);
}

// Cody–Waite split of 2π: k·C1 and k·C2 are exact in float32 for |k| < 2^7, so the reduced argument is as
// accurate as the float32 argument itself (and does not depend on whether a GPU fuses multiply-adds).
const TWO_PI = 2 * Math.PI;
const C1 = Math.round(TWO_PI * 2 ** 14) / 2 ** 14;
const C2 = Math.round((TWO_PI - C1) * 2 ** 30) / 2 ** 30;
const C3 = Math.fround(TWO_PI - C1 - C2);
/** Taylor coefficients of sin (x^1, x^3, …, x^17) and cos (x^0, x^2, …, x^18): error < 3e-8 on [−π, π]. */
const SIN_COEFFS: number[] = [];
const COS_COEFFS: number[] = [];
for (let n = 0, f = 1; n <= 18; n++, f *= n) (n % 2 ? SIN_COEFFS : COS_COEFFS).push((Math.floor(n / 2) % 2 ? -1 : 1) / f);

/** Σ c_i·(x²)^i by Horner's rule. */
function evenPoly(x2: Tensor, coeffs: number[]): Tensor {
  let acc: Tensor | number = coeffs[coeffs.length - 1]!;
  for (let i = coeffs.length - 2; i >= 0; i--) acc = G.add(G.mul(x2, acc), coeffs[i]!);
  return acc as Tensor;
}

/**
 * sin and cos of a float32 tensor from + − × only. Why not the Sin/Cos ops: WGSL's sin/cos are only accurate
 * to 2^−11 absolute (WebGPU spec), which moved the restored pixels by up to 3/255 against the CPU. This form
 * is accurate to ~1e-7 on every backend, so Node, WASM and WebGPU agree.
 */
export function sinCos(x: Tensor): [Tensor, Tensor] {
  const k = G.floor(G.add(G.mul(x, 1 / TWO_PI), 0.5));
  const r = G.sub(G.sub(G.sub(x, G.mul(k, C1)), G.mul(k, C2)), G.mul(k, C3));
  const r2 = G.mul(r, r);
  return [G.mul(r, evenPoly(r2, SIN_COEFFS)), evenPoly(r2, COS_COEFFS)];
}

/** Sinusoidal embedding of a float time [B] → [B, d]: sines first, f_k = exp(−k·ln(10000)/(d/2 − 1)). */
export function sinusoidalEmbedding(t: Tensor, d: number): Tensor {
  // Frequencies 10000^(−k/(half−1)): half = 1 would divide by zero (the reference raises there too).
  if (!(Number.isInteger(d) && d >= 4 && d % 2 === 0)) {
    throw new IrsdeError('bad-config', `the sinusoidal time embedding needs an even width of at least 4, got ${d} (network width / nf)`);
  }
  const half = d / 2;
  const f = new Float32Array(half);
  for (let k = 0; k < half; k++) f[k] = Math.exp((-k * Math.log(10000)) / (half - 1));
  const freqs = t.graph.constant(f, [1, half], 'float32');
  const [sin, cos] = sinCos(G.mul(G.unsqueeze(t, [1]), freqs));
  return G.concat([sin, cos], 1);
}
