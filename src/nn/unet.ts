/**
 * ConditionalUNet (IR-SDE, NETWORKS.md §2), the DenoisingSDE U-Net (no μ, full attention in the mid block)
 * and the `ch_mult` level layout of the DA-CLIP copy (without its prompt / cross-attention modules).
 *
 * Padding contract (src/nn/padding.ts): the graph needs H and W divisible by 2^depth (`unetPadding(cfg)`,
 * even though there are only depth−1 down-samplings); pad xt and μ on the host with REFLECT at the
 * right/bottom and crop the output back.
 */
import type { Tensor } from '../graph/tensor.js';
import * as G from '../graph/ops.js';
import type { Scope } from './scope.js';
import { conv, linear, sinusoidalEmbedding } from './layers.js';
import { resBlock, residualAttention, residualLinearAttention } from './blocks.js';
import { checkGraphMultiple, type PadSpec } from './padding.js';
import type { Taps } from './nafnet.js';

export interface UNetConfig {
  inNc: number;
  outNc: number;
  nf: number;
  /** Number of levels (depth − 1 spatial down-samplings). With `chMult` it must equal chMult.length. */
  depth: number;
  /** Level multipliers (DA-CLIP): dim_in = nf·m[i], dim_out = nf·m[i+1] with m = [1, ...chMult]. Default m[i] = 2^i. */
  chMult?: readonly number[];
}

/** IR-SDE default: nf 64, depth 4 (137 147 523 parameters). */
export const UNET_DEFAULTS: Readonly<UNetConfig> = Object.freeze({ inNc: 3, outNc: 3, nf: 64, depth: 4 });
/** The nf 8, depth 2 golden net of NETWORKS.md §7. */
export const UNET_GOLDEN: Readonly<UNetConfig> = Object.freeze({ inNc: 3, outNc: 3, nf: 8, depth: 2 });

/** Reflect to a multiple of 2^depth. */
export function unetPadding(cfg: UNetConfig): PadSpec {
  return { multiple: 2 ** (levelMults(cfg).length - 1), mode: 'reflect' };
}

/** State-dict order of the module names (NETWORKS.md §2), for `stateDictOrder`. */
export const UNET_STATE_DICT_ORDER: readonly string[] = [
  'init_conv', 'time_mlp', 'downs', 'ups', 'mid_block1', 'mid_attn', 'mid_block2', 'final_res_block', 'final_conv',
  'mlp', 'block1', 'block2', 'res_conv', 'proj', 'fn', 'norm', 'to_qkv', 'to_out',
  'weight', 'bias', 'g',
];

/** m = [1, ...chMult] (length depth + 1). */
function levelMults(cfg: UNetConfig): number[] {
  if (cfg.chMult) {
    if (cfg.chMult.length !== cfg.depth) throw new Error(`UNet: depth ${cfg.depth} but chMult has ${cfg.chMult.length} levels`);
    return [1, ...cfg.chMult];
  }
  return Array.from({ length: cfg.depth + 1 }, (_, i) => 2 ** i);
}

/** time_mlp: Sin(nf) → Linear(nf → 4nf) → GELU → Linear(4nf → 4nf). */
function unetTimeMlp(s: Scope, t: Tensor, nf: number): Tensor {
  const m = s.sub('time_mlp');
  return linear(m.sub(3), G.gelu(linear(m.sub(1), sinusoidalEmbedding(t, nf), nf, 4 * nf)), 4 * nf, 4 * nf);
}

function unetBody(s: Scope, x: Tensor, t: Tensor, cin: number, cfg: UNetConfig, fullMidAttention: boolean, taps?: Taps): Tensor {
  const m = levelMults(cfg);
  const depth = cfg.depth, nf = cfg.nf, td = 4 * nf;
  checkGraphMultiple(x, unetPadding(cfg), 'UNet');
  const tap = (name: string, v: Tensor): Tensor => { if (taps) taps[name] = v; return v; };

  x = tap('init_conv', conv(s.sub('init_conv'), x, cin, nf, { k: 7, bias: false }));
  const x0 = x;
  const tt = tap('time_mlp', unetTimeMlp(s, t, nf));
  const h: Tensor[] = [];
  for (let i = 0; i < depth; i++) {
    const a = nf * m[i]!, b = nf * m[i + 1]!;
    const d = s.sub(`downs.${i}`);
    x = tap(`downs.${i}.0`, resBlock(d.sub(0), x, tt, a, a, td)); h.push(x);
    x = tap(`downs.${i}.1`, resBlock(d.sub(1), x, tt, a, a, td));
    x = tap(`downs.${i}.2`, residualLinearAttention(d.sub(2), x, a)); h.push(x);
    x = tap(`downs.${i}.3`, i < depth - 1 ? conv(d.sub(3), x, a, b, { k: 4, stride: 2, padding: 1 }) : conv(d.sub(3), x, a, b, { k: 3, bias: false }));
  }
  const mid = nf * m[depth]!;
  x = tap('mid_block1', resBlock(s.sub('mid_block1'), x, tt, mid, mid, td));
  x = tap('mid_attn', fullMidAttention ? residualAttention(s.sub('mid_attn'), x, mid) : residualLinearAttention(s.sub('mid_attn'), x, mid));
  x = tap('mid_block2', resBlock(s.sub('mid_block2'), x, tt, mid, mid, td));
  for (let j = 0; j < depth; j++) {
    const i = depth - 1 - j;
    const a = nf * m[i]!, b = nf * m[i + 1]!;
    const u = s.sub(`ups.${j}`);
    x = tap(`ups.${j}.0`, resBlock(u.sub(0), G.concat([x, h.pop()!], 1), tt, b + a, b, td));
    x = tap(`ups.${j}.1`, resBlock(u.sub(1), G.concat([x, h.pop()!], 1), tt, b + a, b, td));
    x = tap(`ups.${j}.2`, residualLinearAttention(u.sub(2), x, b));
    x = tap(`ups.${j}.3`, i !== 0 ? conv(u.sub('3.1'), G.upsampleNearest2x(x), b, a, { k: 3 }) : conv(u.sub(3), x, b, a, { k: 3, bias: false }));
  }
  x = tap('final_res_block', resBlock(s.sub('final_res_block'), G.concat([x, x0], 1), tt, 2 * nf, nf, td));
  return tap('final_conv', conv(s.sub('final_conv'), x, nf, cfg.outNc, { k: 3 }));
}

/**
 * ConditionalUNet(in_nc, out_nc, nf, depth): ε̂ = f(xt, μ, t). xt, μ: [B, inNc, H, W] with H, W divisible by
 * 2^depth (reflect-pad on the host; see padding.ts); t: float [B]. Parameters are named as the reference
 * state dict. `taps` (optional) receives module outputs by reference name (`downs.0.2`, `mid_attn`, …).
 */
export function conditionalUNet(s: Scope, xt: Tensor, mu: Tensor, t: Tensor, cfg: UNetConfig, taps?: Taps): Tensor {
  return unetBody(s, G.concat([G.sub(xt, mu), mu], 1), t, 2 * cfg.inNc, cfg, false, taps);
}

/** The DenoisingSDE U-Net: input x only (init_conv takes inNc channels) and full attention in the mid block. */
export function denoisingUNet(s: Scope, x: Tensor, t: Tensor, cfg: UNetConfig, taps?: Taps): Tensor {
  return unetBody(s, x, t, cfg.inNc, cfg, true, taps);
}
