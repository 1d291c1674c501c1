/**
 * The Denoising-SDE/ODE of IR-SDE for Gaussian denoising (IRSDE.md §7). Same θ schedule family, but the
 * process reverts to the clean image itself (μ = x₀), eps is 0.04 and λ uses the strict `> 1` rule:
 *
 *     forward:    x_t = x₀ + σ̄_t ε
 *     reverse SDE x_{t−1} = x_t + ½σ_t²(1 + m_t²)·s·dt − σ_t·sqrt(dt)·z,   s = −ε̂/σ̄_t,  m_t = e^{−θ̄_t dt}
 *     reverse ODE x_{t−1} = x_t + ½σ_t² m_t²·s·dt
 *     x̂₀ = x_t − σ̄_t ε̂
 *
 * Sampling starts from the observed noisy image used directly as x_{t*}, where t* matches the observed noise
 * level (`optimalStartStep`), and runs the reverse ODE (default) or SDE from t* to 1.
 *
 * The network is the same `NoiseNetwork` type; the observation y is passed as its `mu` argument (an
 * unconditional network such as the in_nc = 3 ConditionalUNet ignores it).
 */
import { IrsdeError } from '../common/errors.js';
import {
  buildSchedule,
  checkStep,
  optimalReverseCoefficients,
  resolveLambda,
  type ScheduleArrays,
} from './schedule.js';
import { forEachSample, type MatchingCoefficients, type MeanRevertingSDEConfig } from './sde.js';
import { runPlan } from './samplers.js';
import type { PlannedStep, StepCoefficients } from './steps.js';
import { checkSameLength, similar, type FloatArray, type NoiseNetwork, type NormalSource, type SampleOptions } from './types.js';

export interface DenoisingSDEOptions {
  /** λ = maxSigma/255 if maxSigma > 1, else maxSigma. */
  maxSigma: number;
  T: number;
  /** 'cosine' (default) or 'linear'. */
  schedule?: 'cosine' | 'linear';
  /** Fixed at 0.04 in the reference; overridable only for experiments. */
  eps?: number;
}

export class DenoisingSDE {
  readonly config: MeanRevertingSDEConfig;
  readonly T: number;
  readonly lambda: number;
  readonly eps: number;
  readonly dt: number;
  readonly theta: Float64Array;
  readonly thetaBar: Float64Array;
  readonly sigma: Float64Array;
  readonly sigmaBar: Float64Array;
  readonly meanFactor: Float64Array;

  constructor(options: DenoisingSDEOptions) {
    const schedule = options.schedule ?? 'cosine';
    if (schedule !== 'cosine' && schedule !== 'linear') {
      throw new IrsdeError('bad-option', `the DenoisingSDE supports the cosine and linear schedules, got '${String(schedule)}'`);
    }
    const eps = options.eps ?? 0.04;
    const a: ScheduleArrays = buildSchedule(schedule, options.T, resolveLambda(options.maxSigma, '>'), eps);
    this.config = Object.freeze({ kind: 'denoising', maxSigma: options.maxSigma, T: options.T, schedule, eps });
    this.T = a.T;
    this.lambda = a.lambda;
    this.eps = a.eps;
    this.dt = a.dt;
    this.theta = a.theta;
    this.thetaBar = a.thetaBar;
    this.sigma = a.sigma;
    this.sigmaBar = a.sigmaBar;
    this.meanFactor = a.meanFactor;
  }

  /**
   * Start step for an observed noise level σ (σ/255 if σ > 1): θ̄* = −ln(1 − σ²/λ² + 1e-6)/(2dt),
   * t* = argmin_t |θ̄_t − θ̄*| over t = 0…T (first index on ties). t* = 0 means "no denoising needed".
   * When σ²/λ² > 1 + 1e-6 the logarithm is undefined (the reference raises a math domain error); this returns T.
   */
  optimalStartStep(noiseLevel: number): number {
    if (!(Number.isFinite(noiseLevel) && noiseLevel >= 0)) {
      throw new IrsdeError('bad-option', `noise level must be a non-negative number, got ${noiseLevel}`);
    }
    const s = noiseLevel > 1 ? noiseLevel / 255 : noiseLevel;
    const arg = 1 - (s * s) / (this.lambda * this.lambda) + 1e-6;
    if (!(arg > 0)) return this.T;
    const target = -Math.log(arg) / (2 * this.dt);
    let best = 0;
    let bestDist = Infinity;
    for (let t = 0; t <= this.T; t++) {
      const dist = Math.abs(this.thetaBar[t] - target);
      if (dist < bestDist) {
        bestDist = dist;
        best = t;
      }
    }
    return best;
  }

  /** Reverse-SDE step as affine coefficients: a = 1, b = −½σ_t²(1 + m_t²)dt/σ̄_t, c = 0, d = −σ_t sqrt(dt). */
  reverseSdeCoefficients(t: number): StepCoefficients {
    checkStep(this.T, t);
    const m2 = this.meanFactor[t] ** 2;
    return { a: 1, b: -(0.5 * this.sigma[t] ** 2 * (1 + m2) * this.dt) / this.sigmaBar[t], c: 0, d: -this.sigma[t] * Math.sqrt(this.dt) };
  }

  /** Reverse-ODE step as affine coefficients: a = 1, b = −½σ_t² m_t² dt/σ̄_t, c = 0, d = 0. */
  reverseOdeCoefficients(t: number): StepCoefficients {
    checkStep(this.T, t);
    const m2 = this.meanFactor[t] ** 2;
    return { a: 1, b: -(0.5 * this.sigma[t] ** 2 * m2 * this.dt) / this.sigmaBar[t], c: 0, d: 0 };
  }

  /** c₁ of the optimal reverse state x*_{t−1} = x₀ + c₁(x_t − x₀) (c₁ as in IRSDE.md §4). */
  optimalReverseCoefficients(t: number): { A: number; B: number; C: number; c1: number; c2: number; v: number } {
    return optimalReverseCoefficients(this, t, t - 1);
  }

  /**
   * Matching-loss coefficients (IRSDE.md §7): pred = x_t − sdeDrift = 1·x_t + b·ε̂ (b of `reverseSdeCoefficients`),
   * target = x₀ + c₁(x_t − x₀) = c₁·x_t + (1 − c₁)·x₀. All μ coefficients are 0.
   */
  matchingCoefficients(t: number): MatchingCoefficients {
    const { b } = this.reverseSdeCoefficients(t);
    const { c1 } = this.optimalReverseCoefficients(t);
    return {
      predXt: 1,
      predNoise: b,
      predMu: 0,
      targetXt: c1,
      targetX0: 1 - c1,
      targetMu: 0,
      resXt: 1 - c1,
      resNoise: b,
      resMu: 0,
      resX0: -(1 - c1),
    };
  }

  /** Training state x_t = x₀ + σ̄_{t_b}·ε (t scalar or per sample). */
  perturb(x0: FloatArray, t: number | ArrayLike<number>, noise: FloatArray, out: FloatArray = similar(x0)): FloatArray {
    checkSameLength('noise', noise, x0.length);
    checkSameLength('out', out, x0.length);
    forEachSample(x0.length, t, (tb, lo, hi) => {
      checkStep(this.T, tb);
      const sb = this.sigmaBar[tb];
      for (let i = lo; i < hi; i++) out[i] = x0[i] + sb * noise[i];
    });
    return out;
  }

  /** x̂₀ = x_t − σ̄_t ε̂. */
  x0FromNoise(xt: FloatArray, noise: FloatArray, t: number, out: FloatArray = similar(xt)): FloatArray {
    checkStep(this.T, t);
    checkSameLength('noise', noise, xt.length);
    checkSameLength('out', out, xt.length);
    const sb = this.sigmaBar[t];
    for (let i = 0; i < out.length; i++) out[i] = xt[i] - sb * noise[i];
    return out;
  }

  /** s = −ε̂/σ̄_t. */
  scoreFromNoise(noise: FloatArray, t: number, out: FloatArray = similar(noise)): FloatArray {
    checkStep(this.T, t);
    checkSameLength('out', out, noise.length);
    const sb = this.sigmaBar[t];
    for (let i = 0; i < out.length; i++) out[i] = -noise[i] / sb;
    return out;
  }

  /**
   * The reverse steps from `startStep` down to 0 (network time = raw t). With `maxSteps` ≥ startStep (or
   * omitted) these are the reference's single steps t → t−1. With fewer, the steps follow a strided grid
   * t* = t_K > … > t_1 > t_0 = 0 (t_k = round(k·t* ÷ K)) and each jump t → s is the exact update for a
   * locally constant ε̂ (a project extension, like the strided posterior of MeanRevertingSDE):
   *
   *     ode:  x_s = x_t − (σ̄_t − σ̄_s)·ε̂
   *           — the VE probability-flow ODE dx = dσ̄·ε, which the reference ODE step
   *             ½σ_t² m_t² dt/σ̄_t = ½ d(σ̄²)/σ̄ discretises with Euler; its last jump lands on x̂₀;
   *     sde:  x_s = x_t − (σ̄_t² − σ̄_s²)/σ̄_t·ε̂ + (σ̄_s/σ̄_t)·sqrt(σ̄_t² − σ̄_s²)·z
   *           — the Gaussian bridge of x_s between x̂₀ and x_t under the marginals x_r = x₀ + σ̄_r ε.
   */
  plan(mode: 'ode' | 'sde', startStep: number, maxSteps?: number): PlannedStep[] {
    if (!(Number.isInteger(startStep) && startStep >= 0 && startStep <= this.T)) {
      throw new IrsdeError('bad-option', `start step must be an integer in [0, ${this.T}], got ${startStep}`);
    }
    if (maxSteps !== undefined && !(Number.isInteger(maxSteps) && maxSteps >= 1)) {
      throw new IrsdeError('bad-option', `steps must be a positive integer, got ${maxSteps}`);
    }
    const steps: PlannedStep[] = [];
    if (maxSteps === undefined || maxSteps >= startStep) {
      for (let t = startStep; t >= 1; t--) {
        const k = mode === 'ode' ? this.reverseOdeCoefficients(t) : this.reverseSdeCoefficients(t);
        steps.push({ t, s: t - 1, netTime: t, ...k });
      }
      return steps;
    }
    const grid: number[] = [];
    for (let k = maxSteps; k >= 0; k--) grid.push(Math.round((k * startStep) / maxSteps));
    for (let i = 0; i + 1 < grid.length; i++) {
      const t = grid[i]!, s = grid[i + 1]!;
      const st = this.sigmaBar[t]!, ss = this.sigmaBar[s]!; // σ̄_0 = 0 exactly
      const k: StepCoefficients = mode === 'ode'
        ? { a: 1, b: -(st - ss), c: 0, d: 0 }
        : { a: 1, b: -(st * st - ss * ss) / st, c: 0, d: (ss / st) * Math.sqrt(st * st - ss * ss) };
      steps.push({ t, s, netTime: t, ...k });
    }
    return steps;
  }
}

export interface DenoiseOptions extends Omit<SampleOptions, 'xT'> {
  /** 'ode' (the paper's Denoising-ODE, default) or 'sde'. */
  mode?: 'ode' | 'sde';
  /** Observed noise level σ (σ/255 if > 1); chooses the start step t*. */
  noiseLevel?: number;
  /** Explicit start step (overrides noiseLevel); default T when neither is given. */
  startStep?: number;
  /** At most this many reverse steps: a strided grid from the start step to 0 when fewer (see `plan`). */
  steps?: number;
}

/**
 * Denoise the observation y: x_{t*} = y, then reverse ODE (or SDE) steps t*…1. The network receives
 * (x, y, t, shape). Returns a new array; t* = 0 returns a copy of y.
 */
export async function denoise(
  net: NoiseNetwork,
  sde: DenoisingSDE,
  y: Float32Array,
  rng: NormalSource,
  options: DenoiseOptions,
): Promise<Float32Array> {
  const startStep = options.startStep ?? (options.noiseLevel !== undefined ? sde.optimalStartStep(options.noiseLevel) : sde.T);
  const steps = sde.plan(options.mode ?? 'ode', startStep, options.steps);
  return runPlan(net, steps, y, Float32Array.from(y), rng, options);
}
