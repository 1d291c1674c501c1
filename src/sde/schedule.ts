/**
 * θ schedules and the derived arrays of the mean-reverting SDE (IRSDE.md §1), all in float64.
 * Every array has length T+1 and is indexed by the integer time t = 0…T.
 */
import { IrsdeError } from '../common/errors.js';

export type ThetaScheduleKind = 'cosine' | 'linear' | 'constant';

/** θ_0…θ_T for the given schedule (IRSDE.md §1). */
export function thetaSchedule(kind: ThetaScheduleKind, T: number): Float64Array {
  checkT(T);
  const theta = new Float64Array(T + 1);
  switch (kind) {
    case 'cosine': {
      // τ = T+2, s = 0.008; ā_k = a_k/a_0; θ_t = 1 − ā_{t+1} (drops the first and last of the τ+1 values).
      const tau = T + 2;
      const s = 0.008;
      const a = (k: number) => Math.cos((((k / tau) + s) / (1 + s)) * Math.PI * 0.5) ** 2;
      const a0 = a(0);
      for (let t = 0; t <= T; t++) theta[t] = 1 - a(t + 1) / a0;
      break;
    }
    case 'linear': {
      // linspace(0.1/(T+1), 20/(T+1), T+1)
      const n = T + 1;
      const start = (1000 / n) * 1e-4;
      const end = (1000 / n) * 2e-2;
      for (let t = 0; t <= T; t++) theta[t] = T === 0 ? start : start + ((end - start) * t) / T;
      break;
    }
    case 'constant':
      theta.fill(1);
      break;
    default:
      throw new IrsdeError('bad-option', `unknown θ schedule '${String(kind)}' (expected cosine, linear or constant)`);
  }
  return theta;
}

/**
 * λ from maxSigma. IRSDE: λ = maxSigma/255 if maxSigma ≥ 1, else maxSigma.
 * DenoisingSDE uses the strict rule (`> 1`), so maxSigma = 1 means λ = 1 there.
 */
export function resolveLambda(maxSigma: number, rule: '>=' | '>' = '>='): number {
  if (!(Number.isFinite(maxSigma) && maxSigma > 0)) {
    throw new IrsdeError('bad-option', `maxSigma must be a positive number, got ${maxSigma}`);
  }
  const scale = rule === '>=' ? maxSigma >= 1 : maxSigma > 1;
  return scale ? maxSigma / 255 : maxSigma;
}

/** The arrays of §1, all float64, length T+1. */
export interface ScheduleArrays {
  readonly T: number;
  /** λ, the stationary standard deviation. */
  readonly lambda: number;
  /** Terminal mean-residual factor: e^{−θ̄_T·dt} = eps. */
  readonly eps: number;
  /** dt = −ln(eps)/θ̄_T (a scalar, not 1/T). */
  readonly dt: number;
  /** θ_t. */
  readonly theta: Float64Array;
  /** θ̄_t = Σ_{k=1..t} θ_k (θ̄_0 = 0). */
  readonly thetaBar: Float64Array;
  /** σ_t = sqrt(2 λ² θ_t). */
  readonly sigma: Float64Array;
  /** σ̄_t = λ·sqrt(1 − e^{−2 θ̄_t dt}). */
  readonly sigmaBar: Float64Array;
  /** m_t = e^{−θ̄_t dt} (mean-residual factor; m_0 = 1, m_T = eps). */
  readonly meanFactor: Float64Array;
}

export function buildSchedule(kind: ThetaScheduleKind, T: number, lambda: number, eps: number): ScheduleArrays {
  if (!(eps > 0 && eps < 1)) throw new IrsdeError('bad-option', `eps must lie in (0, 1), got ${eps}`);
  const theta = thetaSchedule(kind, T);
  const thetaBar = new Float64Array(T + 1);
  // θ̄_t = (Σ_{k=0..t} θ_k) − θ_0, accumulated as Σ_{k=1..t} θ_k (identical in exact arithmetic, θ̄_0 = 0 exactly).
  for (let t = 1; t <= T; t++) thetaBar[t] = thetaBar[t - 1] + theta[t];
  const dt = -Math.log(eps) / thetaBar[T];
  const sigma = new Float64Array(T + 1);
  const sigmaBar = new Float64Array(T + 1);
  const meanFactor = new Float64Array(T + 1);
  for (let t = 0; t <= T; t++) {
    sigma[t] = Math.sqrt(2 * lambda * lambda * theta[t]);
    // 1 − e^{−2x} computed as −expm1(−2x): accurate at small t.
    sigmaBar[t] = lambda * Math.sqrt(-Math.expm1(-2 * thetaBar[t] * dt));
    meanFactor[t] = Math.exp(-thetaBar[t] * dt);
  }
  return { T, lambda, eps, dt, theta, thetaBar, sigma, sigmaBar, meanFactor };
}

function checkT(T: number): void {
  if (!(Number.isInteger(T) && T >= 1)) throw new IrsdeError('bad-option', `T must be an integer ≥ 1, got ${T}`);
}

/**
 * Coefficients of the optimal reverse state between two grid points t > s ≥ 0 (IRSDE.md §4 and the strided
 * posterior of §6): A = e^{−(θ̄_t − θ̄_s)dt}, B = e^{−θ̄_t dt}, C = e^{−θ̄_s dt},
 * c₁ = A(1 − C²)/(1 − B²), c₂ = C(1 − A²)/(1 − B²), v = (1 − A²)(1 − C²)/(1 − B²).
 * For s = t − 1, A = e^{−θ_t dt} (the reference step). The 1 − e^{−2x} factors are computed with expm1.
 */
export function optimalReverseCoefficients(
  s: ScheduleArrays,
  t: number,
  sPrev: number = t - 1,
): { A: number; B: number; C: number; c1: number; c2: number; v: number } {
  checkPair(s.T, t, sPrev);
  const dt = s.dt;
  // θ̄_t − θ̄_{t−1} = θ_t exactly in the reference; use θ_t directly for the one-step case.
  const gap = sPrev === t - 1 ? s.theta[t] : s.thetaBar[t] - s.thetaBar[sPrev];
  const A = Math.exp(-gap * dt);
  const B = Math.exp(-s.thetaBar[t] * dt);
  const C = Math.exp(-s.thetaBar[sPrev] * dt);
  const oneMinusA2 = -Math.expm1(-2 * gap * dt);
  const oneMinusB2 = -Math.expm1(-2 * s.thetaBar[t] * dt);
  const oneMinusC2 = -Math.expm1(-2 * s.thetaBar[sPrev] * dt);
  return {
    A,
    B,
    C,
    c1: (A * oneMinusC2) / oneMinusB2,
    c2: (C * oneMinusA2) / oneMinusB2,
    v: (oneMinusA2 * oneMinusC2) / oneMinusB2,
  };
}

/**
 * Posterior std λ·exp(½·ln(max(v, 1e-20·dt))) = λ·sqrt(max(v, 1e-20·dt)) (IRSDE.md §4). The clamp makes the
 * last step (v = 0) practically noise-free: std ≈ 6e-12 for the default configs.
 */
export function posteriorStdFromVariance(lambda: number, v: number, dt: number): number {
  return lambda * Math.sqrt(Math.max(v, 1e-20 * dt));
}

export function checkStep(T: number, t: number): void {
  if (!(Number.isInteger(t) && t >= 1 && t <= T)) {
    throw new IrsdeError('bad-option', `time step must be an integer in [1, ${T}], got ${t}`);
  }
}

function checkPair(T: number, t: number, s: number): void {
  checkStep(T, t);
  if (!(Number.isInteger(s) && s >= 0 && s < t)) {
    throw new IrsdeError('bad-option', `previous grid point must be an integer in [0, ${t - 1}], got ${s}`);
  }
}
