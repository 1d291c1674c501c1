/**
 * The mean-reverting SDE of IR-SDE / Refusion / DA-CLIP / wild-IR (IRSDE.md §1–§4):
 *
 *     dx = θ_t (μ − x) dt + σ_t dw,   x(0) = x₀,   σ_t² / (2θ_t) = λ²,
 *
 * with the closed-form marginal x_t | x₀ ~ N(μ + (x₀ − μ)·m_t, σ̄_t² I), m_t = e^{−θ̄_t dt}.
 *
 * Schedule arrays are float64 (length T+1, indexed by the integer time t). Per-element functions accept
 * Float32Array or Float64Array; they compute each element in float64 and store in the output's type
 * (default output: a new array of the first input's type). Outputs may alias inputs.
 */
import { IrsdeError } from '../common/errors.js';
import {
  buildSchedule,
  checkStep,
  optimalReverseCoefficients,
  posteriorStdFromVariance,
  resolveLambda,
  type ScheduleArrays,
  type ThetaScheduleKind,
} from './schedule.js';
import type { StepCoefficients } from './steps.js';
import { checkSameLength, fillNormal, similar, type FloatArray, type NormalSource } from './types.js';

export interface MeanRevertingSDEOptions {
  /** Noise level: λ = maxSigma/255 if maxSigma ≥ 1, else λ = maxSigma. */
  maxSigma: number;
  /** Number of steps T (the network was trained on t ∈ {1…T}). */
  T: number;
  /** θ schedule; default 'cosine'. */
  schedule?: ThetaScheduleKind;
  /** Terminal mean-residual factor e^{−θ̄_T dt}; default 0.01 (the class default; every config uses 0.005). */
  eps?: number;
}

/** The serialisable identity of an SDE; store it with a checkpoint and refuse mismatches (IRSDE.md §11). */
export interface MeanRevertingSDEConfig {
  readonly kind: 'irsde' | 'denoising';
  readonly maxSigma: number;
  readonly T: number;
  readonly schedule: ThetaScheduleKind;
  readonly eps: number;
}

/** Affine coefficients of the matching loss at one time t (see `MeanRevertingSDE.matchingCoefficients`). */
export interface MatchingCoefficients {
  /** x̂_{t−1} = predXt·x_t + predNoise·ε̂ + predMu·μ (the reverse-SDE mean from the predicted noise) */
  readonly predXt: number;
  readonly predNoise: number;
  readonly predMu: number;
  /** x*_{t−1} = targetXt·x_t + targetX0·x₀ + targetMu·μ (the optimal reverse state; no gradient) */
  readonly targetXt: number;
  readonly targetX0: number;
  readonly targetMu: number;
  /** x̂_{t−1} − x*_{t−1} = resXt·x_t + resNoise·ε̂ + resMu·μ + resX0·x₀ (the same, with coefficients pre-combined) */
  readonly resXt: number;
  readonly resNoise: number;
  readonly resMu: number;
  readonly resX0: number;
}

export class MeanRevertingSDE {
  readonly config: MeanRevertingSDEConfig;
  readonly T: number;
  /** λ, the stationary std. */
  readonly lambda: number;
  readonly eps: number;
  /** dt = −ln(eps)/θ̄_T. */
  readonly dt: number;
  /** θ_t, t = 0…T. */
  readonly theta: Float64Array;
  /** θ̄_t = Σ_{k=1..t} θ_k. */
  readonly thetaBar: Float64Array;
  /** σ_t = sqrt(2λ²θ_t). */
  readonly sigma: Float64Array;
  /** σ̄_t = λ·sqrt(1 − e^{−2θ̄_t dt}). */
  readonly sigmaBar: Float64Array;
  /** m_t = e^{−θ̄_t dt}. */
  readonly meanFactor: Float64Array;

  constructor(options: MeanRevertingSDEOptions) {
    const schedule = options.schedule ?? 'cosine';
    const eps = options.eps ?? 0.01;
    const arrays: ScheduleArrays = buildSchedule(schedule, options.T, resolveLambda(options.maxSigma, '>='), eps);
    this.config = Object.freeze({ kind: 'irsde', maxSigma: options.maxSigma, T: options.T, schedule, eps });
    this.T = arrays.T;
    this.lambda = arrays.lambda;
    this.eps = arrays.eps;
    this.dt = arrays.dt;
    this.theta = arrays.theta;
    this.thetaBar = arrays.thetaBar;
    this.sigma = arrays.sigma;
    this.sigmaBar = arrays.sigmaBar;
    this.meanFactor = arrays.meanFactor;
  }

  /** The same SDE (λ, schedule, eps) rebuilt with T' steps: the reference `sample_T` schedule (IRSDE.md §6). */
  withSteps(steps: number): MeanRevertingSDE {
    return new MeanRevertingSDE({ maxSigma: this.config.maxSigma, T: steps, schedule: this.config.schedule, eps: this.eps });
  }

  // ---------------------------------------------------------------- scalar coefficients

  /** Optimal-reverse-state coefficients between t and s (default s = t − 1): A, B, C, c₁, c₂, v (IRSDE.md §4). */
  optimalReverseCoefficients(t: number, s: number = t - 1): { A: number; B: number; C: number; c1: number; c2: number; v: number } {
    return optimalReverseCoefficients(this, t, s);
  }

  /** Posterior std λ·sqrt(max(v, 1e-20·dt)) for the step t → s (default s = t − 1). */
  posteriorStd(t: number, s: number = t - 1): number {
    return posteriorStdFromVariance(this.lambda, this.optimalReverseCoefficients(t, s).v, this.dt);
  }

  /** Reverse-SDE step x_{t−1} = x − [θ_t(μ − x) + σ_t² ε̂/σ̄_t]·dt − σ_t·sqrt(dt)·z as affine coefficients. */
  reverseSdeCoefficients(t: number): StepCoefficients {
    checkStep(this.T, t);
    const th = this.theta[t] * this.dt;
    return { a: 1 + th, b: -((this.sigma[t] ** 2) * this.dt) / this.sigmaBar[t], c: -th, d: -this.sigma[t] * Math.sqrt(this.dt) };
  }

  /** Reverse-ODE (probability-flow) step x_{t−1} = x − [θ_t(μ − x) + ½σ_t² ε̂/σ̄_t]·dt as affine coefficients. */
  reverseOdeCoefficients(t: number): StepCoefficients {
    checkStep(this.T, t);
    const th = this.theta[t] * this.dt;
    return { a: 1 + th, b: -(0.5 * (this.sigma[t] ** 2) * this.dt) / this.sigmaBar[t], c: -th, d: 0 };
  }

  /**
   * Posterior step t → s (default s = t − 1; s < t − 1 is the strided posterior of IRSDE.md §6):
   * x̂₀ = μ + (x − μ − σ̄_t ε̂)/m_t, x_s = μ + c₁(x − μ) + c₂(x̂₀ − μ) + std·z, i.e.
   * a = c₁ + c₂/m_t, b = −c₂σ̄_t/m_t, c = 1 − a, d = std.
   */
  posteriorCoefficients(t: number, s: number = t - 1): StepCoefficients {
    const k = this.optimalReverseCoefficients(t, s);
    const m = this.meanFactor[t];
    const a = k.c1 + k.c2 / m;
    return { a, b: -(k.c2 * this.sigmaBar[t]) / m, c: 1 - a, d: posteriorStdFromVariance(this.lambda, k.v, this.dt) };
  }

  /**
   * Per-sample scalar coefficients of the maximum-likelihood matching loss at time t (IRSDE.md §5):
   *
   *   prediction (reverse-SDE mean):  x̂_{t−1} = x_t − [θ_t(μ − x_t) + σ_t² ε̂/σ̄_t]·dt
   *                                          = (1 + θ_t dt)·x_t + (−σ_t² dt/σ̄_t)·ε̂ + (−θ_t dt)·μ
   *   target (optimal reverse state):  x*_{t−1} = μ + c₁(x_t − μ) + c₂(x₀ − μ)
   *                                          = c₁·x_t + c₂·x₀ + (1 − c₁ − c₂)·μ
   *   with A = e^{−θ_t dt}, B = e^{−θ̄_t dt}, C = e^{−θ̄_{t−1} dt}, c₁ = A(1 − C²)/(1 − B²), c₂ = C(1 − A²)/(1 − B²).
   *
   *   loss = mean over all elements of |x̂_{t−1} − x*_{t−1}| (L1) or (x̂_{t−1} − x*_{t−1})² (L2), with t = t_b per sample.
   *
   * The target carries no gradient (it does not depend on ε̂). For a graph: gather each coefficient from a
   * length-(T+1) table by the per-sample t (`matchingCoefficientTables`), reshape to [B,1,1,1] and broadcast.
   */
  matchingCoefficients(t: number): MatchingCoefficients {
    const p = this.reverseSdeCoefficients(t);
    const { c1, c2 } = this.optimalReverseCoefficients(t);
    const targetMu = 1 - c1 - c2;
    return {
      predXt: p.a,
      predNoise: p.b,
      predMu: p.c,
      targetXt: c1,
      targetX0: c2,
      targetMu,
      resXt: p.a - c1,
      resNoise: p.b,
      resMu: p.c - targetMu,
      resX0: -c2,
    };
  }

  /** The coefficients of `matchingCoefficients` as float64 tables of length T+1 (entry 0 is 0: t = 0 never occurs). */
  matchingCoefficientTables(): Record<keyof MatchingCoefficients, Float64Array> {
    const keys: (keyof MatchingCoefficients)[] = [
      'predXt', 'predNoise', 'predMu', 'targetXt', 'targetX0', 'targetMu', 'resXt', 'resNoise', 'resMu', 'resX0',
    ];
    const tables = Object.fromEntries(keys.map((k) => [k, new Float64Array(this.T + 1)])) as Record<keyof MatchingCoefficients, Float64Array>;
    for (let t = 1; t <= this.T; t++) {
      const c = this.matchingCoefficients(t);
      for (const k of keys) tables[k][t] = c[k];
    }
    return tables;
  }

  // ---------------------------------------------------------------- per-element functions

  /** Closed-form marginal mean mubar_t(x₀) = μ + (x₀ − μ)·m_t. Its std is `sigmaBar[t]`. */
  marginalMean(x0: FloatArray, mu: FloatArray, t: number, out: FloatArray = similar(x0)): FloatArray {
    const m = this.meanFactor[this.step0(t)];
    checkSameLength('mu', mu, x0.length);
    checkSameLength('out', out, x0.length);
    for (let i = 0; i < out.length; i++) out[i] = mu[i] + (x0[i] - mu[i]) * m;
    return out;
  }

  /**
   * Training state x_t = μ + (x₀ − μ)·m_{t_b} + σ̄_{t_b}·ε (IRSDE.md §2). `t` is one step for all elements or
   * one step per sample (the elements are split into t.length equal consecutive blocks).
   */
  perturb(x0: FloatArray, mu: FloatArray, t: number | ArrayLike<number>, noise: FloatArray, out: FloatArray = similar(x0)): FloatArray {
    checkSameLength('mu', mu, x0.length);
    checkSameLength('noise', noise, x0.length);
    checkSameLength('out', out, x0.length);
    forEachSample(x0.length, t, (tb, lo, hi) => {
      checkStep(this.T, tb);
      const m = this.meanFactor[tb];
      const sb = this.sigmaBar[tb];
      for (let i = lo; i < hi; i++) out[i] = mu[i] + (x0[i] - mu[i]) * m + sb * noise[i];
    });
    return out;
  }

  /** Noisy start state x_T = μ + λ·z (the reference ignores the eps residual and the factor sqrt(1 − eps²)). */
  noisyStart(mu: Float32Array, rng: NormalSource, out: Float32Array = new Float32Array(mu.length)): Float32Array {
    checkSameLength('out', out, mu.length);
    fillNormal(rng, out);
    const l = this.lambda;
    for (let i = 0; i < out.length; i++) out[i] = mu[i] + l * out[i];
    return out;
  }

  /** s = −ε̂/σ̄_t. */
  scoreFromNoise(noise: FloatArray, t: number, out: FloatArray = similar(noise)): FloatArray {
    const sb = this.sigmaBar[this.step(t)];
    checkSameLength('out', out, noise.length);
    for (let i = 0; i < out.length; i++) out[i] = -noise[i] / sb;
    return out;
  }

  /** ε̂ = −σ̄_t·s. */
  noiseFromScore(score: FloatArray, t: number, out: FloatArray = similar(score)): FloatArray {
    const sb = this.sigmaBar[this.step(t)];
    checkSameLength('out', out, score.length);
    for (let i = 0; i < out.length; i++) out[i] = -sb * score[i];
    return out;
  }

  /** True noise ε* = (x_t − mubar_t(x₀))/σ̄_t. */
  trueNoise(xt: FloatArray, x0: FloatArray, mu: FloatArray, t: number, out: FloatArray = similar(xt)): FloatArray {
    this.step(t);
    const m = this.meanFactor[t];
    const sb = this.sigmaBar[t];
    checkSameLength('x0', x0, xt.length);
    checkSameLength('mu', mu, xt.length);
    checkSameLength('out', out, xt.length);
    for (let i = 0; i < out.length; i++) out[i] = (xt[i] - (mu[i] + (x0[i] - mu[i]) * m)) / sb;
    return out;
  }

  /** True score s* = −(x_t − mubar_t(x₀))/σ̄_t². */
  trueScore(xt: FloatArray, x0: FloatArray, mu: FloatArray, t: number, out: FloatArray = similar(xt)): FloatArray {
    this.step(t);
    const m = this.meanFactor[t];
    const sb2 = this.sigmaBar[t] ** 2;
    checkSameLength('x0', x0, xt.length);
    checkSameLength('mu', mu, xt.length);
    checkSameLength('out', out, xt.length);
    for (let i = 0; i < out.length; i++) out[i] = -(xt[i] - (mu[i] + (x0[i] - mu[i]) * m)) / sb2;
    return out;
  }

  /** x̂₀ = μ + (x_t − μ − σ̄_t ε̂)·e^{+θ̄_t dt} (not clamped; amplifies errors by up to 1/eps). */
  x0FromNoise(xt: FloatArray, noise: FloatArray, mu: FloatArray, t: number, out: FloatArray = similar(xt)): FloatArray {
    this.step(t);
    const inv = Math.exp(this.thetaBar[t] * this.dt);
    const sb = this.sigmaBar[t];
    checkSameLength('noise', noise, xt.length);
    checkSameLength('mu', mu, xt.length);
    checkSameLength('out', out, xt.length);
    for (let i = 0; i < out.length; i++) out[i] = mu[i] + (xt[i] - mu[i] - sb * noise[i]) * inv;
    return out;
  }

  /** Optimal reverse state x*_s(x_t, x₀) = μ + c₁(x_t − μ) + c₂(x₀ − μ), default s = t − 1. */
  optimalReverseState(xt: FloatArray, x0: FloatArray, mu: FloatArray, t: number, s: number = t - 1, out: FloatArray = similar(xt)): FloatArray {
    const { c1, c2 } = this.optimalReverseCoefficients(t, s);
    checkSameLength('x0', x0, xt.length);
    checkSameLength('mu', mu, xt.length);
    checkSameLength('out', out, xt.length);
    for (let i = 0; i < out.length; i++) out[i] = mu[i] + c1 * (xt[i] - mu[i]) + c2 * (x0[i] - mu[i]);
    return out;
  }

  /** Posterior mean x*_s(x_t, x̂₀(ε̂)) (the posterior step without noise; std is `posteriorStd(t, s)`). */
  posteriorMean(xt: FloatArray, noise: FloatArray, mu: FloatArray, t: number, s: number = t - 1, out: FloatArray = similar(xt)): FloatArray {
    const x0h = this.x0FromNoise(xt, noise, mu, t, similar(xt));
    return this.optimalReverseState(xt, x0h, mu, t, s, out);
  }

  /** Reverse-SDE mean x_t − [θ_t(μ − x_t) + σ_t² ε̂/σ̄_t]·dt (the loss prediction). */
  reverseSdeMean(xt: FloatArray, noise: FloatArray, mu: FloatArray, t: number, out: FloatArray = similar(xt)): FloatArray {
    this.step(t);
    return this.direct(xt, noise, mu, this.theta[t], (this.sigma[t] ** 2) / this.sigmaBar[t], out);
  }

  /** Reverse-SDE step: the mean minus σ_t·sqrt(dt)·z. */
  reverseSdeStep(xt: FloatArray, noise: FloatArray, mu: FloatArray, t: number, z: FloatArray, out: FloatArray = similar(xt)): FloatArray {
    this.reverseSdeMean(xt, noise, mu, t, out);
    checkSameLength('z', z, xt.length);
    const d = this.sigma[t] * Math.sqrt(this.dt);
    for (let i = 0; i < out.length; i++) out[i] -= d * z[i];
    return out;
  }

  /** Reverse-ODE step x_t − [θ_t(μ − x_t) + ½σ_t² ε̂/σ̄_t]·dt. */
  reverseOdeStep(xt: FloatArray, noise: FloatArray, mu: FloatArray, t: number, out: FloatArray = similar(xt)): FloatArray {
    this.step(t);
    return this.direct(xt, noise, mu, this.theta[t], (0.5 * this.sigma[t] ** 2) / this.sigmaBar[t], out);
  }

  /** Posterior step: posterior mean + std·z (t → s, default s = t − 1). */
  posteriorStep(xt: FloatArray, noise: FloatArray, mu: FloatArray, t: number, z: FloatArray, s: number = t - 1, out: FloatArray = similar(xt)): FloatArray {
    this.posteriorMean(xt, noise, mu, t, s, out);
    checkSameLength('z', z, xt.length);
    const d = this.posteriorStd(t, s);
    for (let i = 0; i < out.length; i++) out[i] += d * z[i];
    return out;
  }

  /** Forward Euler–Maruyama step of the reference (visualisation only): x + θ_t(μ − x)·dt + σ_t·sqrt(dt)·z. */
  forwardStep(x: FloatArray, mu: FloatArray, t: number, z: FloatArray, out: FloatArray = similar(x)): FloatArray {
    this.step(t);
    const th = this.theta[t] * this.dt;
    const d = this.sigma[t] * Math.sqrt(this.dt);
    checkSameLength('mu', mu, x.length);
    checkSameLength('z', z, x.length);
    checkSameLength('out', out, x.length);
    for (let i = 0; i < out.length; i++) out[i] = x[i] + th * (mu[i] - x[i]) + d * z[i];
    return out;
  }

  // ---------------------------------------------------------------- helpers

  /** x − [θ(μ − x) + g·ε̂]·dt, evaluated in the reference's order. */
  private direct(xt: FloatArray, noise: FloatArray, mu: FloatArray, theta: number, g: number, out: FloatArray): FloatArray {
    checkSameLength('noise', noise, xt.length);
    checkSameLength('mu', mu, xt.length);
    checkSameLength('out', out, xt.length);
    const dt = this.dt;
    for (let i = 0; i < out.length; i++) out[i] = xt[i] - (theta * (mu[i] - xt[i]) + g * noise[i]) * dt;
    return out;
  }

  private step(t: number): number {
    checkStep(this.T, t);
    return t;
  }

  private step0(t: number): number {
    if (!(Number.isInteger(t) && t >= 0 && t <= this.T)) {
      throw new IrsdeError('bad-option', `time step must be an integer in [0, ${this.T}], got ${t}`);
    }
    return t;
  }
}

/** Throw IrsdeError('sde-mismatch') unless two SDE configs are identical (checkpoint vs requested SDE). */
export function assertSameSdeConfig(expected: MeanRevertingSDEConfig, actual: MeanRevertingSDEConfig, what = 'model'): void {
  const keys: (keyof MeanRevertingSDEConfig)[] = ['kind', 'maxSigma', 'T', 'schedule', 'eps'];
  const diff = keys.filter((k) => expected[k] !== actual[k]);
  if (diff.length > 0) {
    const fmt = (c: MeanRevertingSDEConfig) => diff.map((k) => `${k}=${String(c[k])}`).join(', ');
    throw new IrsdeError('sde-mismatch', `the ${what} was trained with ${fmt(expected)} but the SDE has ${fmt(actual)}`, {
      hint: 'sample with the SDE configuration stored in the checkpoint; mismatched SDEs give pure noise',
    });
  }
}

/**
 * Calls fn(t_b, lo, hi) for each sample b: with a scalar t, once over all n elements; with per-sample t of
 * length B, over B equal consecutive blocks of n/B elements.
 */
export function forEachSample(n: number, t: number | ArrayLike<number>, fn: (tb: number, lo: number, hi: number) => void): void {
  if (typeof t === 'number') {
    fn(t, 0, n);
    return;
  }
  const B = t.length;
  if (B === 0 || n % B !== 0) throw new IrsdeError('bad-shape', `${n} elements cannot be split into ${B} samples`);
  const per = n / B;
  for (let b = 0; b < B; b++) fn(t[b], b * per, (b + 1) * per);
}
