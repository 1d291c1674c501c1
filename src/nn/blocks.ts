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
 */
export function nafBlock(s: Scope, inp: Tensor, tt: Tensor | null, c: number, timeDim: number): Tensor {
  const beta = s.param('beta', [1, c, 1, 1], init.zeros);
  const gamma = s.param('gamma', [1, c, 1, 1], init.zeros);
  let shiftAtt: Tensor | null = null, scaleAtt: Tensor | null = null, shiftFfn: Tensor | null = null, scaleFfn: Tensor | null = null;
  if (tt) {
    const m = linear(s.sub('mlp.1'), simpleGate(tt), timeDim / 2, 4 * c);
    [shiftAtt, scaleAtt, shiftFfn, scaleFfn] = G.split(m, 4, 1).map(asMap) as [Tensor, Tensor, Tensor, Tensor];
  }
  const film = (x: Tensor, scale: Tensor | null, shift: Tensor | null): Tensor => (scale && shift ? G.add(G.mul(x, G.add(scale, 1)), shift) : x);

  let x = film(layerNormG(s.sub('norm1'), inp, c), scaleAtt, shiftAtt);
  x = conv(s.sub('conv1'), x, c, 2 * c, { k: 1 });
  x = conv(s.sub('conv2'), x, 2 * c, 2 * c, { k: 3, groups: 2 * c });
  x = simpleGate(x);
  x = G.mul(x, conv(s.sub('sca.1'), G.globalAvgPool(x), c, c, { k: 1 }));
  x = conv(s.sub('conv3'), x, c, c, { k: 1 });
  const y = G.add(inp, G.mul(x, beta));

  x = film(layerNormG(s.sub('norm2'), y, c), scaleFfn, shiftFfn);
  x = conv(s.sub('conv4'), x, c, 2 * c, { k: 1 });
  x = simpleGate(x);
  x = conv(s.sub('conv5'), x, c, c, { k: 1 });
  return G.add(y, G.mul(x, gamma));
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
