/** Basic layers with PyTorch's parameter names and default initialisation. */
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

/** Sinusoidal embedding of a float time [B] → [B, d]: sines first, f_k = exp(−k·ln(10000)/(d/2 − 1)). */
export function sinusoidalEmbedding(t: Tensor, d: number): Tensor {
  const half = d / 2;
  const f = new Float32Array(half);
  for (let k = 0; k < half; k++) f[k] = Math.exp((-k * Math.log(10000)) / (half - 1));
  const freqs = t.graph.constant(f, [1, half], 'float32');
  const arg = G.mul(G.unsqueeze(t, [1]), freqs);
  return G.concat([G.sin(arg), G.cos(arg)], 1);
}
