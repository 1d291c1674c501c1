/** The building blocks of ConditionalNAFNet and ConditionalUNet (NETWORKS.md §1, §3). */
import type { Tensor } from '../graph/tensor.js';
import * as G from '../graph/ops.js';
import { init } from '../runtime/params.js';
import type { Scope } from './scope.js';
import { conv, layerNormG, linear, simpleGate } from './layers.js';

/** Broadcast a [B, c] vector over H and W. */
const asMap = (v: Tensor): Tensor => G.unsqueeze(v, [2, 3]);

/**
 * Refusion's conditional NAFBlock(c). `tt` is the network's time embedding [B, timeDim] (timeDim = 4·width);
 * it modulates both halves of the block (chunk order: shift_att, scale_att, shift_ffn, scale_ffn).
 *
 * Written for memory traffic (ENGINE.md: element-wise passes dominate a backward pass), with the same
 * parameters and the same function as the reference:
 *  - norm(x)·(1 + scale) + shift is one fused op with k = g·(1 + scale), a [B, c, 1, 1] tensor;
 *  - conv3(x)·β and conv5(x)·γ fold β and γ into the conv weights and biases (per output channel);
 *  - SimpleGate after conv1/conv2 and conv4 runs the two halves as two convs on the halves of the weights, so
 *    no full-size Split (forward) or Concat (backward) is materialised; the weights are halved by one Split, whose
 *    gradient is one Concat of weight size (two Slices cost two zero-padded copies and an Add).
 */
export function nafBlock(s: Scope, inp: Tensor, tt: Tensor | null, c: number, timeDim: number): Tensor {
  const beta = s.param('beta', [1, c, 1, 1], init.zeros);
  const gamma = s.param('gamma', [1, c, 1, 1], init.zeros);
  let shiftAtt: Tensor | null = null, scaleAtt: Tensor | null = null, shiftFfn: Tensor | null = null, scaleFfn: Tensor | null = null;
  if (tt) {
    const m = linear(s.sub('mlp.1'), simpleGate(tt), timeDim / 2, 4 * c);
    [shiftAtt, scaleAtt, shiftFfn, scaleFfn] = G.split(m, 4, 1).map(asMap) as [Tensor, Tensor, Tensor, Tensor];
  }
  const conv1 = convParams(s.sub('conv1'), c, 2 * c, 1);
  const conv2 = convParams(s.sub('conv2'), 2 * c, 2 * c, 3, 2 * c);
  const sca = convParams(s.sub('sca.1'), c, c, 1);
  const conv3 = convParams(s.sub('conv3'), c, c, 1);
  const conv4 = convParams(s.sub('conv4'), c, 2 * c, 1);
  const conv5 = convParams(s.sub('conv5'), c, c, 1);
  const g1 = s.sub('norm1').param('g', [1, c, 1, 1], init.ones);
  const g2 = s.sub('norm2').param('g', [1, c, 1, 1], init.ones);

  const modulated = (x: Tensor, g: Tensor, scale: Tensor | null, shift: Tensor | null): Tensor =>
    G.channelNormModulate(x, scale ? G.mul(g, G.add(scale, 1)) : g, shift);
  const halves = (p: ConvParams): [ConvParams, ConvParams] => {
    const [w0, w1] = G.split(p.w, 2, 0) as [Tensor, Tensor];
    const [b0, b1] = p.b ? G.split(p.b, 2, 0) as [Tensor, Tensor] : [null, null];
    return [{ w: w0, b: b0 }, { w: w1, b: b1 }];
  };
  const conv1H = halves(conv1), conv2H = halves(conv2), conv4H = halves(conv4);
  const scaled = (p: ConvParams, v: Tensor): ConvParams => ({ w: G.mul(p.w, G.reshape(v, [c, 1, 1, 1])), b: p.b && G.mul(p.b, G.reshape(v, [c])) });

  let x = modulated(inp, g1, scaleAtt, shiftAtt);
  const branch = (i: 0 | 1): Tensor => {
    const h = applyConv(x, conv1H[i]);
    const dw = conv2H[i];
    return G.conv2d(h, dw.w, dw.b, { groups: c });
  };
  x = G.mul(branch(0), branch(1)); // SimpleGate
  x = G.mul(x, applyConv(G.globalAvgPool(x), sca));
  const y = G.add(inp, applyConv(x, scaled(conv3, beta)));

  x = modulated(y, g2, scaleFfn, shiftFfn);
  x = G.mul(applyConv(x, conv4H[0]), applyConv(x, conv4H[1]));
  return G.add(y, applyConv(x, scaled(conv5, gamma)));
}

interface ConvParams { w: Tensor; b: Tensor | null }
/** Declare a conv's `weight`/`bias` (PyTorch init) without applying it. */
function convParams(s: Scope, cin: number, cout: number, k: number, groups = 1, bias = true): ConvParams {
  const fan = (cin / groups) * k * k;
  return { w: s.param('weight', [cout, cin / groups, k, k], init.torch()), b: bias ? s.param('bias', [cout], init.torch(fan)) : null };
}
function applyConv(x: Tensor, p: ConvParams): Tensor {
  const k = p.w.shape[2] as number;
  return G.conv2d(x, p.w, p.b, { padding: (k - 1) >> 1 });
}

/**
 * IR-SDE U-Net ResBlock(a→b) with FiLM time conditioning (scale first, then shift):
 * h = SiLU(FiLM(conv3×3(x))); h = SiLU(conv3×3(h)); out = h + res(x).
 */
export function resBlock(s: Scope, x: Tensor, temb: Tensor | null, a: number, b: number, timeDim?: number): Tensor {
  let h = conv(s.sub('block1.proj'), x, a, b, { k: 3, bias: false });
  if (temb && timeDim) {
    const m = linear(s.sub('mlp.1'), G.silu(temb), timeDim, 2 * b);
    const [scale, shift] = G.split(m, 2, 1).map(asMap) as [Tensor, Tensor];
    h = G.add(G.mul(h, G.add(scale, 1)), shift);
  }
  h = G.silu(h);
  h = G.silu(conv(s.sub('block2.proj'), h, b, b, { k: 3, bias: false }));
  const res = a !== b ? conv(s.sub('res_conv'), x, a, b, { k: 1, bias: false }) : x;
  return G.add(h, res);
}

const HEADS = 4;
const DIM_HEAD = 32;

/**
 * LinearAttention(c): q softmax over the 32 channels of a head (×32^−½), k softmax over pixels, v / N;
 * ctx = k vᵀ per head, out = ctxᵀ q; then conv1×1 (128 → c) and a channel LN.
 */
export function linearAttention(s: Scope, x: Tensor, c: number): Tensor {
  const hidden = HEADS * DIM_HEAD;
  const qkv = conv(s.sub('to_qkv'), x, c, 3 * hidden, { k: 1, bias: false });
  const [H, W] = [x.shape[2]!, x.shape[3]!];
  const heads = (t: Tensor): Tensor => G.reshape(t, [0, HEADS, DIM_HEAD, -1]); // [B, h, d, N]
  const [q0, k0, v0] = G.split(qkv, 3, 1).map(heads) as [Tensor, Tensor, Tensor];
  const q = G.mul(G.softmax(q0, 2), DIM_HEAD ** -0.5);
  const k = G.softmax(k0, 3);
  const v = G.div(v0, G.countOf(v0, [3])); // v / N (N read at run time when H, W are symbolic)
  const ctx = G.matmul(k, G.transposeLast(v)); // [B, h, d, e]
  const out = G.matmul(G.transposeLast(ctx), q); // [B, h, e, N]
  const merged = G.reshape(out, [0, hidden, H, W]);
  const y = conv(s.sub('to_out.0'), merged, hidden, c, { k: 1 });
  return layerNormG(s.sub('to_out.1'), y, c);
}

/** Residual(PreNorm(c, LinearAttention(c))): names `fn.norm.g`, `fn.fn.*`. */
export function residualLinearAttention(s: Scope, x: Tensor, c: number): Tensor {
  const f = s.sub('fn');
  return G.add(x, linearAttention(f.sub('fn'), layerNormG(f.sub('norm'), x, c), c));
}

/**
 * Full self-attention Attention(c) (DenoisingSDE mid block, NETWORKS.md §1): the LinearAttention qkv layout,
 * q·32^−½, attn = softmax_j(Σ_d q[d,i] k[d,j]), out[e,i] = Σ_j attn[i,j] v[e,j]; to_out is a conv1×1 (128 → c,
 * bias) with no LayerNorm. Memory is O(N²) per head.
 */
export function attention(s: Scope, x: Tensor, c: number): Tensor {
  const hidden = HEADS * DIM_HEAD;
  const qkv = conv(s.sub('to_qkv'), x, c, 3 * hidden, { k: 1, bias: false });
  const [H, W] = [x.shape[2]!, x.shape[3]!];
  const heads = (t: Tensor): Tensor => G.reshape(t, [0, HEADS, DIM_HEAD, -1]); // [B, h, d, N]
  const [q0, k, v] = G.split(qkv, 3, 1).map(heads) as [Tensor, Tensor, Tensor];
  const q = G.mul(q0, DIM_HEAD ** -0.5);
  const attn = G.softmax(G.matmul(G.transposeLast(q), k), 3); // [B, h, i, j]
  const out = G.matmul(v, G.transposeLast(attn)); // [B, h, e, i]
  const merged = G.reshape(out, [0, hidden, H, W]);
  return conv(s.sub('to_out'), merged, hidden, c, { k: 1 });
}

/** Residual(PreNorm(c, Attention(c))): names `fn.norm.g`, `fn.fn.to_qkv.weight`, `fn.fn.to_out.{weight,bias}`. */
export function residualAttention(s: Scope, x: Tensor, c: number): Tensor {
  const f = s.sub('fn');
  return G.add(x, attention(f.sub('fn'), layerNormG(f.sub('norm'), x, c), c));
}
