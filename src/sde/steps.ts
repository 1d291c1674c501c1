/**
 * Every reverse step of every sampler is one affine update per element,
 *
 *     x_next = a·x + b·ε̂ + c·μ + d·z,        z ~ N(0, I),
 *
 * with scalar coefficients that depend only on the schedule and the step (IRSDE.md §4, §6, §7).
 * Samplers are a list of these steps (a "plan") plus one network call per step; the per-pixel work is
 * `applyStep`, a single allocation-free loop. The same coefficients let the update be fused into a graph.
 */
import type { FloatArray } from './types.js';

export interface StepCoefficients {
  /** multiplies the current state x */
  readonly a: number;
  /** multiplies the predicted noise ε̂ */
  readonly b: number;
  /** multiplies μ (the LQ image; 0 for the DenoisingSDE) */
  readonly c: number;
  /** multiplies the fresh standard-normal z (0 for deterministic steps) */
  readonly d: number;
}

/** One planned sampler step: from schedule time t to s (< t), feeding `netTime` to the network. */
export interface PlannedStep extends StepCoefficients {
  readonly t: number;
  readonly s: number;
  readonly netTime: number;
}

/**
 * out[i] = a·x[i] + b·noise[i] + c·mu[i] + d·z[i]. `z` may be null when d = 0. `out` may alias `x`.
 * Arithmetic is float64 per element; storage follows `out`'s type.
 */
export function applyStep(
  k: StepCoefficients,
  x: FloatArray,
  noise: FloatArray,
  mu: FloatArray | null,
  z: FloatArray | null,
  out: FloatArray,
): FloatArray {
  const { a, b, c, d } = k;
  const n = out.length;
  if (mu !== null && c !== 0) {
    if (z !== null && d !== 0) for (let i = 0; i < n; i++) out[i] = a * x[i] + b * noise[i] + c * mu[i] + d * z[i];
    else for (let i = 0; i < n; i++) out[i] = a * x[i] + b * noise[i] + c * mu[i];
  } else if (z !== null && d !== 0) {
    for (let i = 0; i < n; i++) out[i] = a * x[i] + b * noise[i] + d * z[i];
  } else {
    for (let i = 0; i < n; i++) out[i] = a * x[i] + b * noise[i];
  }
  return out;
}
