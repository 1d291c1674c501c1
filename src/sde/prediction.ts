/**
 * What the network predicts (diffusers calls this `prediction_type`). The reference IR-SDE network predicts
 * the noise ε of the marginal x_t = μ + m_t(x₀ − μ) + σ̄_t ε (`'noise'`). A `'x0'` network instead predicts
 * the clean image as a residual over μ, r̂ = x̂₀ − μ (project extension, IRSDE.md §6 samplers unchanged).
 *
 * Why: with noise prediction, x̂₀ = μ + (x_t − μ − σ̄_t ε̂)/m_t multiplies the network's error by 1/m_t, which
 * reaches 1/eps (≈ 200) near t = T, so few-step posterior sampling of a briefly trained network is noise. An x₀
 * network is trained directly on |x̂₀ − x₀| and its one-step posterior from T is its regression output.
 *
 * Every sampler consumes ε̂; `noiseFromResidualNetwork` converts exactly: ε̂ = (x_t − μ − m_t·r̂)/σ̄_t, for which
 * the samplers' x̂₀(ε̂) is μ + r̂ again (up to float32 rounding amplified by 1/m_t, ~1e-5).
 */
import { IrsdeError } from '../common/errors.js';
import type { MeanRevertingSDE } from './sde.js';
import type { DenoisingSDE } from './denoising.js';
import type { NoiseNetwork } from './types.js';

export type Prediction = 'noise' | 'x0';

export const PREDICTIONS: readonly Prediction[] = ['noise', 'x0'];

/**
 * Fewest posterior steps at which a noise-predicting IR-SDE model beats its input: x̂₀ from predicted noise divides
 * by e^(−θ̄_t), tiny near T, so a few long steps amplify the network's error (denoise-sigma25: 6.6 dB at 1 step, 16 at
 * 2, 27 at 5, against 20.5 for the noisy input).
 */
export const MIN_NOISE_POSTERIOR_STEPS = 5;

/**
 * m_t and σ̄_t at a network time that may be fractional (reduced-step sampling feeds t'·T/T'): linear
 * interpolation between the neighbouring integer steps.
 */
function marginalAt(sde: MeanRevertingSDE, t: number): { m: number; sigmaBar: number } {
  if (!(Number.isFinite(t) && t > 0 && t <= sde.T)) {
    throw new IrsdeError('bad-option', `network time ${t} outside (0, ${sde.T}]`);
  }
  const lo = Math.floor(t), hi = Math.ceil(t), w = t - lo;
  const m = (1 - w) * sde.meanFactor[lo]! + w * sde.meanFactor[hi]!;
  const sigmaBar = (1 - w) * sde.sigmaBar[lo]! + w * sde.sigmaBar[hi]!;
  return { m, sigmaBar };
}

/**
 * Wrap a network that returns r̂ = x̂₀ − μ into the noise network the samplers expect. The returned buffer is
 * reused between calls (samplers read it before their next call).
 */
export function noiseFromResidualNetwork(net: NoiseNetwork, sde: MeanRevertingSDE): NoiseNetwork {
  let eps = new Float32Array(0);
  return async (x, mu, t, shape) => {
    const r = await net(x, mu, t, shape);
    if (r.length !== x.length) throw new IrsdeError('bad-shape', `the network returned ${r.length} values for ${x.length} inputs`);
    const { m, sigmaBar } = marginalAt(sde, t);
    if (eps.length !== x.length) eps = new Float32Array(x.length);
    const inv = 1 / sigmaBar;
    for (let i = 0; i < x.length; i++) eps[i] = (x[i]! - mu[i]! - m * r[i]!) * inv;
    return eps;
  };
}

/** The noise network for a model's prediction type (`'noise'`: the network itself). */
export function asNoiseNetwork(net: NoiseNetwork, sde: MeanRevertingSDE | DenoisingSDE, prediction: Prediction | undefined): NoiseNetwork {
  if (prediction === undefined || prediction === 'noise') return net;
  if (prediction === 'x0') {
    if (sde.config.kind === 'denoising') throw new IrsdeError('bad-option', 'x0 prediction is defined for the mean-reverting SDE (kind "irsde") only');
    return noiseFromResidualNetwork(net, sde as MeanRevertingSDE);
  }
  throw new IrsdeError('bad-option', `unknown prediction '${String(prediction)}' (expected noise or x0)`);
}
