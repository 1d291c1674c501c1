/**
 * The "maximum-likelihood" matching loss of IR-SDE (IRSDE.md §5), as a pure function over arrays:
 *
 *     loss = weight · mean_elements | x̂_{t−1}(x_t, ε̂) − x*_{t−1}(x_t, x₀) |      (L1; L2 squares instead)
 *
 * where x̂_{t−1} is the reverse-SDE mean computed from the predicted noise and x*_{t−1} the optimal reverse
 * state. With equal-size samples the mean over all elements equals mean_b(mean_{c,h,w}), as in the reference.
 * Both are affine in (x_t, ε̂, μ, x₀) with per-sample scalar coefficients; see
 * `MeanRevertingSDE.matchingCoefficients` (and `DenoisingSDE.matchingCoefficients`) for the exact formulas
 * a graph implementation should emit.
 */
import { IrsdeError } from '../common/errors.js';
import type { MatchingCoefficients } from './sde.js';
import { forEachSample } from './sde.js';
import { checkSameLength, type FloatArray } from './types.js';

export type MatchingLossType = 'l1' | 'l2';

/** Anything that provides the matching-loss coefficients at a time t (MeanRevertingSDE, DenoisingSDE). */
export interface MatchingLossSDE {
  matchingCoefficients(t: number): MatchingCoefficients;
}

export interface MatchingLossInputs {
  /** the training state x_t (e.g. from `perturb`) */
  xt: FloatArray;
  /** the clean image x₀ */
  x0: FloatArray;
  /** the network's predicted noise ε̂ at (x_t, μ, t) */
  noisePred: FloatArray;
  /** μ (the LQ image); omit for the DenoisingSDE, whose coefficients of μ are 0 */
  mu?: FloatArray;
  /** one step for all elements, or one step per sample (elements split into t.length equal blocks) */
  t: number | ArrayLike<number>;
  /** 'l1' (every config) or 'l2'; default 'l1' */
  type?: MatchingLossType;
  /** loss weight; default 1 */
  weight?: number;
}

/** The matching loss (a scalar, float64 accumulation). */
export function matchingLoss(sde: MatchingLossSDE, inputs: MatchingLossInputs): number {
  const { xt, x0, noisePred, mu } = inputs;
  const type = inputs.type ?? 'l1';
  if (type !== 'l1' && type !== 'l2') throw new IrsdeError('bad-option', `unknown loss type '${String(type)}' (expected l1 or l2)`);
  const n = xt.length;
  checkSameLength('x0', x0, n);
  checkSameLength('noisePred', noisePred, n);
  if (mu) checkSameLength('mu', mu, n);
  if (n === 0) throw new IrsdeError('bad-shape', 'matching loss of an empty batch');
  let sum = 0;
  forEachSample(n, inputs.t, (tb, lo, hi) => {
    const k = sde.matchingCoefficients(tb);
    if (!mu && (k.predMu !== 0 || k.targetMu !== 0)) {
      throw new IrsdeError('bad-option', 'matching loss needs mu for this SDE');
    }
    for (let i = lo; i < hi; i++) {
      const m = mu ? mu[i] : 0;
      const pred = k.predXt * xt[i] + k.predNoise * noisePred[i] + k.predMu * m;
      const tgt = k.targetXt * xt[i] + k.targetX0 * x0[i] + k.targetMu * m;
      const r = pred - tgt;
      sum += type === 'l1' ? Math.abs(r) : r * r;
    }
  });
  return ((inputs.weight ?? 1) * sum) / n;
}
