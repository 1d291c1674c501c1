/**
 * Refusion latent U-Net `UNet(in_ch, out_ch, ch, ch_mult, embed_dim)` (NETWORKS.md §4): no time input;
 * encode(x) → (z, h), decode(z, h) → image. LinearAttention only at the deepest level.
 *
 * Padding contract (src/nn/padding.ts): encode needs H and W divisible by 2^depth (`latentUNetPadding(cfg)`);
 * reflect-pad the image on the host, and crop decode's output back to the original H0×W0 with `cropTo`
 * (the reference reads H0, W0 saved by the last encode; here the caller passes them explicitly).
 */
import type { Tensor } from '../graph/tensor.js';
import * as G from '../graph/ops.js';
import type { Scope } from './scope.js';
import { conv } from './layers.js';
import { resBlock, residualLinearAttention } from './blocks.js';
import { checkGraphMultiple, type PadSpec } from './padding.js';
import type { Taps } from './nafnet.js';

export interface LatentUNetConfig {
  inCh: number;
  outCh: number;
  ch: number;
  chMult: readonly number[];
  embedDim: number;
}

/** Latent-dehazing config: ch 8, [4,8,8,16], embed 8 (2 007 859 parameters). */
export const LATENT_UNET_DEHAZING: Readonly<LatentUNetConfig> = Object.freeze({ inCh: 3, outCh: 3, ch: 8, chMult: [4, 8, 8, 16], embedDim: 8 });
/** The ch 4, [1,2], embed 2 golden net of NETWORKS.md §7. */
export const LATENT_UNET_GOLDEN: Readonly<LatentUNetConfig> = Object.freeze({ inCh: 3, outCh: 3, ch: 4, chMult: [1, 2], embedDim: 2 });

/** Reflect to a multiple of 2^depth. */
export function latentUNetPadding(cfg: LatentUNetConfig): PadSpec {
  return { multiple: 2 ** cfg.chMult.length, mode: 'reflect' };
}

/** State-dict order of the module names, for `stateDictOrder`. */
export const LATENT_UNET_STATE_DICT_ORDER: readonly string[] = [
  'init_conv', 'encoder', 'decoder', 'latent_conv', 'post_latent_conv', 'final_conv',
  'block1', 'block2', 'res_conv', 'proj', 'fn', 'norm', 'to_qkv', 'to_out',
  'weight', 'bias', 'g',
];

const dims = (cfg: LatentUNetConfig, i: number): [number, number] => {
  const m = [1, ...cfg.chMult];
  return [cfg.ch * m[i]!, cfg.ch * m[i + 1]!];
};

export interface LatentEncoding {
  /** [B, embedDim, H/2^(depth−1), W/2^(depth−1)]. */
  z: Tensor;
  /** 1 + 2·depth feature maps of the encoded image (the decoder's skips). */
  h: Tensor[];
}

/** encode(x): x [B, inCh, H, W] with H, W divisible by 2^depth (reflect-padded on the host). */
export function latentUNetEncode(s: Scope, x: Tensor, cfg: LatentUNetConfig, taps?: Taps): LatentEncoding {
  checkGraphMultiple(x, latentUNetPadding(cfg), 'latent UNet');
  const depth = cfg.chMult.length;
  x = conv(s.sub('init_conv'), x, cfg.inCh, cfg.ch, { k: 3, bias: false });
  const h = [x];
  for (let i = 0; i < depth; i++) {
    const [a, b] = dims(cfg, i);
    const e = s.sub(`encoder.${i}`);
    x = resBlock(e.sub(0), x, null, a, a); h.push(x);
    x = resBlock(e.sub(1), x, null, a, a);
    if (i === depth - 1) x = residualLinearAttention(e.sub(2), x, a);
    h.push(x);
    x = i < depth - 1 ? conv(e.sub(3), x, a, b, { k: 4, stride: 2, padding: 1 }) : conv(e.sub(3), x, a, b, { k: 3, bias: false });
    if (taps) taps[`encoder.${i}`] = x;
  }
  const [, top] = dims(cfg, depth - 1);
  const z = conv(s.sub('latent_conv'), x, top, cfg.embedDim, { k: 1, bias: false });
  return { z, h };
}

/**
 * decode(z, h) → [B, outCh, H, W] at the padded size; crop it to H0×W0 on the host. `h` is the encoding
 * of the LQ image (latent replacing: z may come from another image or from the diffusion sampler).
 */
export function latentUNetDecode(s: Scope, z: Tensor, h: readonly Tensor[], cfg: LatentUNetConfig, taps?: Taps): Tensor {
  const depth = cfg.chMult.length;
  if (h.length !== 1 + 2 * depth) throw new Error(`latent UNet decode: expected ${1 + 2 * depth} skip features, got ${h.length}`);
  const [, top] = dims(cfg, depth - 1);
  let x = conv(s.sub('post_latent_conv'), z, cfg.embedDim, top, { k: 1, bias: false });
  for (let j = 0; j < depth; j++) {
    const i = depth - 1 - j;
    const [a, b] = dims(cfg, i);
    const d = s.sub(`decoder.${j}`);
    x = resBlock(d.sub(0), G.concat([x, h[h.length - (2 * j + 1)]!], 1), null, b + a, b);
    x = resBlock(d.sub(1), G.concat([x, h[h.length - (2 * j + 2)]!], 1), null, b + a, b);
    if (i === depth - 1) x = residualLinearAttention(d.sub(2), x, b);
    x = i !== 0 ? conv(d.sub('3.1'), G.upsampleNearest2x(x), b, a, { k: 3 }) : conv(d.sub(3), x, b, a, { k: 3, bias: false });
    if (taps) taps[`decoder.${j}`] = x;
  }
  return conv(s.sub('final_conv'), G.add(x, h[0]!), cfg.ch, cfg.outCh, { k: 3 });
}

/** forward(x) = decode(encode(x)) (autoencoder reconstruction), at the padded size. */
export function latentUNet(s: Scope, x: Tensor, cfg: LatentUNetConfig): Tensor {
  const { z, h } = latentUNetEncode(s, x, cfg);
  return latentUNetDecode(s, z, h, cfg);
}
