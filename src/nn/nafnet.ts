/**
 * ConditionalNAFNet (Refusion, NETWORKS.md §3) and its unconditional DenoisingSDE / latent-dehazing copies.
 *
 * Padding contract (src/nn/padding.ts): the graph needs H and W divisible by 2^len(encBlkNums)
 * (`nafnetPadding(cfg)`); pad xt and μ on the host with ZEROS at the right/bottom and crop the output back.
 */
import type { Tensor } from '../graph/tensor.js';
import * as G from '../graph/ops.js';
import type { Scope } from './scope.js';
import { conv, linear, simpleGate, sinusoidalEmbedding } from './layers.js';
import { nafBlock } from './blocks.js';
import { checkGraphMultiple, type PadSpec } from './padding.js';
import { init } from '../runtime/params.js';

export interface NAFNetConfig {
  /** Image (or latent) channels of xt, μ and the output. */
  imgChannel: number;
  width: number;
  middleBlkNum: number;
  encBlkNums: readonly number[];
  decBlkNums: readonly number[];
  /** Latent-dehazing copy: output = ending(x + intro(x)) (a global skip of the intro features). No extra parameters. */
  globalSkip?: boolean;
}

/** Refusion's default: w 64, enc [1,1,1,28], mid 1, dec [1,1,1,1] (76 608 387 parameters). */
export const NAFNET_DEFAULTS: Readonly<NAFNetConfig> = Object.freeze({ imgChannel: 3, width: 64, middleBlkNum: 1, encBlkNums: [1, 1, 1, 28], decBlkNums: [1, 1, 1, 1] });

/** The w16 golden net of NETWORKS.md §7. */
export const NAFNET_GOLDEN: Readonly<NAFNetConfig> = Object.freeze({ imgChannel: 3, width: 16, middleBlkNum: 1, encBlkNums: [1, 1], decBlkNums: [1, 1] });

/** Zeros to a multiple of 2^levels. */
export function nafnetPadding(cfg: NAFNetConfig): PadSpec {
  return { multiple: 2 ** cfg.encBlkNums.length, mode: 'zeros' };
}

/** State-dict order of the module names (NETWORKS.md §3), for `stateDictOrder`. */
export const NAFNET_STATE_DICT_ORDER: readonly string[] = [
  'time_mlp', 'intro', 'ending', 'encoders', 'decoders', 'middle_blks', 'ups', 'downs',
  'beta', 'gamma', 'mlp', 'conv1', 'conv2', 'conv3', 'sca', 'conv4', 'conv5', 'norm1', 'norm2',
  'weight', 'bias', 'g',
];

/** Optional collector of intermediate module outputs by reference module name (`intro`, `encoders.0`, …). */
export type Taps = Record<string, Tensor>;

/** time_mlp: Sin(w) → Linear(w → 8w) → SG → Linear(4w → 4w). t is a float [B]. */
function nafTimeMlp(s: Scope, t: Tensor, w: number): Tensor {
  const m = s.sub('time_mlp');
  const e = sinusoidalEmbedding(t, w);
  return linear(m.sub(3), simpleGate(linear(m.sub(1), e, w, 8 * w)), 4 * w, 4 * w);
}

function checkConfig(cfg: NAFNetConfig): void {
  if (cfg.encBlkNums.length !== cfg.decBlkNums.length) throw new Error(`NAFNet: encBlkNums (${cfg.encBlkNums.length} levels) and decBlkNums (${cfg.decBlkNums.length}) must have the same length`);
  if (cfg.width % 2) throw new Error(`NAFNet: width ${cfg.width} must be even`);
}

/** The body after the input concat: x has `cin` channels and H, W divisible by 2^levels. */
function nafnetBody(s: Scope, x: Tensor, t: Tensor, cin: number, cfg: NAFNetConfig, taps?: Taps): Tensor {
  checkConfig(cfg);
  checkGraphMultiple(x, nafnetPadding(cfg), 'NAFNet');
  const w = cfg.width, timeDim = 4 * w;
  const tap = (name: string, v: Tensor): Tensor => { if (taps) taps[name] = v; return v; };
  const tt = tap('time_mlp', nafTimeMlp(s, t, w));
  const intro = tap('intro', conv(s.sub('intro'), x, cin, w, { k: 3 }));
  x = intro;
  let c = w;
  const encs: Tensor[] = [];
  cfg.encBlkNums.forEach((n, l) => {
    for (let b = 0; b < n; b++) x = nafBlock(s.sub(`encoders.${l}.${b}`), x, tt, c, timeDim);
    encs.push(tap(`encoders.${l}`, x));
    x = tap(`downs.${l}`, conv(s.sub(`downs.${l}`), x, c, 2 * c, { k: 2, stride: 2, padding: 0 }));
    c *= 2;
  });
  for (let b = 0; b < cfg.middleBlkNum; b++) x = nafBlock(s.sub(`middle_blks.${b}`), x, tt, c, timeDim);
  tap('middle_blks', x);
  cfg.decBlkNums.forEach((n, l) => {
    // ups.l = Conv1×1(c → 2c, no bias) + PixelShuffle(2), run as one ConvTranspose (same weights and values).
    x = tap(`ups.${l}`, G.conv1x1PixelShuffle(x, s.sub(`ups.${l}.0`).param('weight', [2 * c, c, 1, 1], init.torch()), 2));
    c /= 2;
    x = G.add(x, encs.pop()!);
    for (let b = 0; b < n; b++) x = nafBlock(s.sub(`decoders.${l}.${b}`), x, tt, c, timeDim);
    tap(`decoders.${l}`, x);
  });
  if (cfg.globalSkip) x = G.add(x, intro);
  return tap('ending', conv(s.sub('ending'), x, w, cfg.imgChannel, { k: 3 }));
}

/**
 * ConditionalNAFNet(img_channel, width, middle_blk_num, enc_blk_nums, dec_blk_nums): ε̂ = f(xt, μ, t).
 * xt, μ: [B, imgChannel, H, W] with H, W divisible by 2^levels (pad with zeros on the host; see padding.ts);
 * t: float [B]. Parameters are named as the reference state dict. `taps` (optional) receives module outputs.
 */
export function conditionalNAFNet(s: Scope, xt: Tensor, mu: Tensor, t: Tensor, cfg: NAFNetConfig, taps?: Taps): Tensor {
  const x = G.concat([G.sub(xt, mu), mu], 1);
  return nafnetBody(s, x, t, 2 * cfg.imgChannel, cfg, taps);
}

/** The DenoisingSDE NAFNet: the same network on x only (intro takes imgChannel inputs), `forward(x, t)`. */
export function denoisingNAFNet(s: Scope, x: Tensor, t: Tensor, cfg: NAFNetConfig, taps?: Taps): Tensor {
  return nafnetBody(s, x, t, cfg.imgChannel, cfg, taps);
}
