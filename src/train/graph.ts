/**
 * The IR-SDE training graph (IRSDE.md §5) and its per-step feeds.
 *
 * Inputs (static shapes): x0, mu, noise [B, C, P, P]; t [B] (float, the network's time input); and five
 * per-sample coefficients [B, 1, 1, 1] computed on the host in float64 from `matchingCoefficients(t_b)`:
 *
 *   d0   = x0 − μ
 *   x_t  = μ + k_m·d0 + k_sbar·ε                       (the forward marginal, computed in the graph)
 *   ε̂    = net(x_t, μ, t)
 *   r    = k_d·d0 + k_e·ε + k_n·ε̂                      (= x̂_{t−1} − x*_{t−1}, the reverse-SDE mean minus the optimal reverse state)
 *   loss = weight · mean |r|   (l1; l2 squares r)
 *
 * With the residual coefficients (resXt, resNoise, resMu, resX0) of `matchingCoefficients` and
 * x_t = μ + m·d0 + σ̄ε, the residual resXt·x_t + resNoise·ε̂ + resMu·μ + resX0·x₀ regroups exactly into
 * (resXt + resMu + resX0)·μ + (resXt·m + resX0)·d0 + resXt·σ̄·ε + resNoise·ε̂, and the μ coefficient is 0
 * for both SDEs (a constant image is a fixed point). Written on d0 and ε, the float32 graph never forms the
 * nearly cancelling pred − tgt of two O(1) images, so it matches a float64 reference to ~1e-6 relative.
 *
 * The Denoising-SDE (x_t = x₀ + σ̄ε, unconditional network) uses the same graph with μ fed as x₀ and k_m = 1,
 * so d0 = 0 exactly and x_t = x₀ + σ̄ε.
 *
 * With `prediction: 'x0'` (src/sde/prediction.ts) the network output is r̂ = x̂₀ − μ and the residual is
 * r = r̂ − d0 = x̂₀ − x₀ (the plain x₀ regression loss, uniform over t); k_d, k_e, k_n are then unused.
 */
import { Graph, type Tensor } from '../graph/tensor.js';
import * as G from '../graph/ops.js';
import { Scope, type ParamSpec } from '../nn/scope.js';
import { conditionalNAFNet, denoisingNAFNet } from '../nn/nafnet.js';
import { conditionalUNet, denoisingUNet } from '../nn/unet.js';
import type { HostTensor } from '../runtime/backend.js';
import { IrsdeError } from '../common/errors.js';
import type { MeanRevertingSDE } from '../sde/sde.js';
import type { DenoisingSDE } from '../sde/denoising.js';
import type { Prediction } from '../sde/prediction.js';
import type { NetworkConfig } from './config.js';

/** ε̂ = net(x_t, μ, t) for a network config (μ is ignored by unconditional networks). */
export function buildNetwork(s: Scope, xt: Tensor, mu: Tensor, t: Tensor, net: NetworkConfig): Tensor {
  if (net.type === 'nafnet') return net.conditional ? conditionalNAFNet(s, xt, mu, t, net) : denoisingNAFNet(s, xt, t, net);
  return net.conditional ? conditionalUNet(s, xt, mu, t, net) : denoisingUNet(s, xt, t, net);
}

export const COEFF_NAMES = ['k_m', 'k_sbar', 'k_d', 'k_e', 'k_n'] as const;

export interface TrainingGraph {
  graph: Graph;
  loss: Tensor;
  /** The network output, ε̂ or x̂₀ − μ (for tests and debugging). */
  noisePred: Tensor;
  specs: ParamSpec[];
  batch: number;
  channels: number;
  patch: number;
}

export function buildTrainingGraph(net: NetworkConfig, o: { batch: number; patch: number; channels?: number; lossType?: 'l1' | 'l2'; lossWeight?: number; prediction?: Prediction }): TrainingGraph {
  const B = o.batch, C = o.channels ?? 3, P = o.patch;
  const g = new Graph();
  const s = new Scope(g);
  const img = [B, C, P, P];
  const x0 = g.input('x0', img), mu = g.input('mu', img), noise = g.input('noise', img), t = g.input('t', [B]);
  const k = Object.fromEntries(COEFF_NAMES.map((n) => [n, g.input(n, [B, 1, 1, 1])])) as Record<(typeof COEFF_NAMES)[number], Tensor>;
  const d0 = G.sub(x0, mu);
  const xt = G.add(G.add(mu, G.mul(d0, k.k_m)), G.mul(noise, k.k_sbar));
  const noisePred = buildNetwork(s, xt, mu, t, net);
  const r = o.prediction === 'x0' ? G.sub(noisePred, d0) : G.add(G.add(G.mul(d0, k.k_d), G.mul(noise, k.k_e)), G.mul(noisePred, k.k_n));
  let loss = G.mean(o.lossType === 'l2' ? G.square(r) : G.abs(r));
  if ((o.lossWeight ?? 1) !== 1) loss = G.mul(loss, g.scalar(o.lossWeight!));
  return { graph: g, loss, noisePred, specs: s.specs, batch: B, channels: C, patch: P };
}

/** Per-t float64 tables of the five coefficients (index 0 unused). */
export interface CoefficientTables { k_m: Float64Array; k_sbar: Float64Array; k_d: Float64Array; k_e: Float64Array; k_n: Float64Array; denoising: boolean }

export function coefficientTables(sde: MeanRevertingSDE | DenoisingSDE): CoefficientTables {
  const T = sde.T;
  const denoising = sde.config.kind === 'denoising';
  const tab: CoefficientTables = { k_m: new Float64Array(T + 1), k_sbar: new Float64Array(T + 1), k_d: new Float64Array(T + 1), k_e: new Float64Array(T + 1), k_n: new Float64Array(T + 1), denoising };
  for (let t = 1; t <= T; t++) {
    const c = sde.matchingCoefficients(t);
    const m = denoising ? 1 : sde.meanFactor[t]!;
    const sb = sde.sigmaBar[t]!;
    const cMu = c.resXt + c.resMu + c.resX0;
    if (Math.abs(cMu) > 1e-9) throw new IrsdeError('internal', `matching-loss coefficients at t = ${t} do not cancel on μ (${cMu})`);
    tab.k_m[t] = m;
    tab.k_sbar[t] = sb;
    tab.k_d[t] = c.resXt * m + c.resX0;
    tab.k_e[t] = c.resXt * sb;
    tab.k_n[t] = c.resNoise;
  }
  return tab;
}

/**
 * Denoising-SDE states clipped to [0, 1]: the noise that makes x₀ + σ̄_t ε equal clip(x₀ + σ̄_t ε), i.e.
 * (clip(x₀ + σ̄_t ε) − x₀)/σ̄_t per element (a new array). Fed as the graph's `noise`, the graph's
 * x_t = x₀ + σ̄_t·noise is the clipped image and the matching loss targets the noise it really carries.
 */
export function clippedStateNoise(tab: CoefficientTables, b: { x0: Float32Array; noise: Float32Array; t: Float32Array }): Float32Array {
  const B = b.t.length, per = b.x0.length / B;
  const out = new Float32Array(b.noise.length);
  for (let i = 0; i < B; i++) {
    const sb = tab.k_sbar[b.t[i]!]!;
    for (let j = i * per, end = j + per; j < end; j++) {
      const x0 = b.x0[j]!;
      const v = x0 + sb * b.noise[j]!;
      out[j] = ((v < 0 ? 0 : v > 1 ? 1 : v) - x0) / sb;
    }
  }
  return out;
}

/** The feeds of one step (the parameters are added by TrainingProgram). */
export function stepFeeds(tab: CoefficientTables, b: { x0: Float32Array; mu: Float32Array; noise: Float32Array; t: Float32Array }, dims: readonly number[], o: { clipStates?: boolean } = {}): Record<string, HostTensor> {
  const B = b.t.length;
  const f32 = (data: Float32Array, d: readonly number[]): HostTensor => ({ data, dims: d, dtype: 'float32' });
  if (o.clipStates && !tab.denoising) throw new IrsdeError('internal', 'clipped training states apply to the Denoising-SDE only');
  const feeds: Record<string, HostTensor> = {
    x0: f32(b.x0, dims),
    // Denoising-SDE: the process reverts to x₀ itself, so μ := x₀ (d0 = 0, x_t = x₀ + σ̄ε).
    mu: f32(tab.denoising ? b.x0 : b.mu, dims),
    noise: f32(o.clipStates ? clippedStateNoise(tab, b) : b.noise, dims),
    t: f32(b.t, [B]),
  };
  for (const name of COEFF_NAMES) {
    const v = new Float32Array(B);
    for (let i = 0; i < B; i++) {
      const t = b.t[i]!;
      if (!(Number.isInteger(t) && t >= 1 && t < tab[name].length)) throw new IrsdeError('internal', `training time ${t} outside 1…${tab[name].length - 1}`);
      v[i] = tab[name][t]!;
    }
    feeds[name] = f32(v, [B, 1, 1, 1]);
  }
  return feeds;
}
