/**
 * The denoisers and the latent U-Net (NETWORKS.md): re-exports of nafnet.ts / unet.ts / latent-unet.ts,
 * plus what all of them share: parameter specs and counts per network, the reference state-dict order, and
 * the deterministic parameter rule of the forward goldens (§7).
 *
 * Image size: every network graph requires H and W divisible by its padding multiple; the caller pads on
 * the host and crops after (src/nn/padding.ts: `padToMultiple`, `cropTo`, `runPadded`).
 */
import { Graph } from '../graph/tensor.js';
import { ParamStore } from '../runtime/params.js';
import { Scope, countParams, type ParamSpec } from './scope.js';
import { conditionalNAFNet, denoisingNAFNet, NAFNET_STATE_DICT_ORDER, type NAFNetConfig } from './nafnet.js';
import { conditionalUNet, denoisingUNet, UNET_STATE_DICT_ORDER, type UNetConfig } from './unet.js';
import { latentUNetDecode, latentUNetEncode, LATENT_UNET_STATE_DICT_ORDER, type LatentUNetConfig } from './latent-unet.js';

export * from './nafnet.js';
export * from './unet.js';
export * from './latent-unet.js';
export { padAmount, padToMultiple, cropTo, runPadded, type PadMode, type PadSpec } from './padding.js';

/**
 * Build the network once on symbolic inputs ([B, C, 'H', 'W'], t [B]) and return its parameter specs in
 * creation order. No parameter values are allocated, so this is cheap even for 10⁸-parameter nets.
 */
export function nafnetParamSpecs(cfg: NAFNetConfig, opts: { conditional?: boolean } = {}): ParamSpec[] {
  const g = new Graph();
  const s = new Scope(g);
  const x = g.input('xt', ['B', cfg.imgChannel, 'H', 'W']);
  const t = g.input('t', ['B']);
  if (opts.conditional === false) denoisingNAFNet(s, x, t, cfg);
  else conditionalNAFNet(s, x, g.input('mu', ['B', cfg.imgChannel, 'H', 'W']), t, cfg);
  return s.specs;
}

/** As nafnetParamSpecs; `conditional: false` is the DenoisingSDE U-Net (no μ, full mid attention). */
export function unetParamSpecs(cfg: UNetConfig, opts: { conditional?: boolean } = {}): ParamSpec[] {
  const g = new Graph();
  const s = new Scope(g);
  const x = g.input('xt', ['B', cfg.inNc, 'H', 'W']);
  const t = g.input('t', ['B']);
  if (opts.conditional === false) denoisingUNet(s, x, t, cfg);
  else conditionalUNet(s, x, g.input('mu', ['B', cfg.inNc, 'H', 'W']), t, cfg);
  return s.specs;
}

/** Encoder and decoder together (the latent U-Net checkpoint). */
export function latentUNetParamSpecs(cfg: LatentUNetConfig): ParamSpec[] {
  const g = new Graph();
  const s = new Scope(g);
  const { z, h } = latentUNetEncode(s, g.input('x', ['B', cfg.inCh, 'H', 'W']), cfg);
  latentUNetDecode(s, z, h, cfg);
  return s.specs;
}

export const countNAFNetParams = (cfg: NAFNetConfig, opts?: { conditional?: boolean }): number => countParams(nafnetParamSpecs(cfg, opts));
export const countUNetParams = (cfg: UNetConfig, opts?: { conditional?: boolean }): number => countParams(unetParamSpecs(cfg, opts));
export const countLatentUNetParams = (cfg: LatentUNetConfig): number => countParams(latentUNetParamSpecs(cfg));

export type NetworkKind = 'nafnet' | 'unet' | 'latent-unet';

const ORDERS: Record<NetworkKind, readonly string[]> = {
  nafnet: NAFNET_STATE_DICT_ORDER,
  unet: UNET_STATE_DICT_ORDER,
  'latent-unet': LATENT_UNET_STATE_DICT_ORDER,
};

/**
 * Sort specs into the reference PyTorch state-dict order. Our scopes record parameters in creation (forward)
 * order, which differs (e.g. NAFNet's `ending` comes third in the state dict; a ResBlock's `mlp` precedes
 * `block1`). Names compare component by component: numeric components numerically (ModuleList indices),
 * other components by their position in the network's module-order list (registration order in the
 * reference `__init__`s). An unknown component is an error, so a new module cannot be silently misplaced.
 */
export function stateDictOrder(specs: readonly ParamSpec[], kind: NetworkKind | readonly string[]): ParamSpec[] {
  const order = typeof kind === 'string' ? ORDERS[kind as NetworkKind] : kind;
  const rank = new Map(order.map((n, i) => [n, i]));
  const key = (name: string): number[] => name.split('.').map((c) => {
    if (/^\d+$/.test(c)) return Number(c);
    const r = rank.get(c);
    if (r === undefined) throw new Error(`stateDictOrder: "${c}" (in ${name}) is not in the module order list`);
    return r;
  });
  const keyed = specs.map((s) => ({ s, k: key(s.name), numeric: s.name.split('.').map((c) => /^\d+$/.test(c)) }));
  keyed.sort((a, b) => {
    const n = Math.min(a.k.length, b.k.length);
    for (let i = 0; i < n; i++) {
      if (a.numeric[i] !== b.numeric[i]) throw new Error(`stateDictOrder: cannot order ${a.s.name} against ${b.s.name}`);
      if (a.k[i] !== b.k[i]) return a.k[i]! - b.k[i]!;
    }
    return a.k.length - b.k.length;
  });
  return keyed.map((e) => e.s);
}

/**
 * The deterministic parameter rule of NETWORKS.md §7, over specs given in state-dict order (see
 * `stateDictOrder`): k runs over every element of every tensor in that order, s_k = sin(k) in float64;
 * `…weight` with ndim ≥ 2 → 1.5·s_k/√fan_in (fan_in = numel/shape[0]); `….g` or a 1-D `weight` →
 * 1 + 0.5·s_k; anything else → 0.5·s_k. Values are then cast to float32. The store keeps the given order.
 */
export function goldenParams(specs: readonly ParamSpec[]): ParamStore {
  const store = new ParamStore();
  let k = 0;
  for (const spec of specs) {
    const n = spec.shape.reduce((p, d) => p * d, 1);
    const data = new Float32Array(n);
    const leaf = spec.name.slice(spec.name.lastIndexOf('.') + 1);
    const isWeight = spec.name.endsWith('weight');
    if (isWeight && spec.shape.length >= 2) {
      const f = 1.5 / Math.sqrt(n / spec.shape[0]!);
      for (let i = 0; i < n; i++) data[i] = f * Math.sin(k + i);
    } else if (leaf === 'g' || isWeight) {
      for (let i = 0; i < n; i++) data[i] = 1 + 0.5 * Math.sin(k + i);
    } else {
      for (let i = 0; i < n; i++) data[i] = 0.5 * Math.sin(k + i);
    }
    k += n;
    store.adopt(spec.name, spec.shape, data);
  }
  return store;
}
