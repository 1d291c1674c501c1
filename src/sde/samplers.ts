/**
 * Samplers of the mean-reverting SDE (IRSDE.md §6), in the spirit of k-diffusion: a sampler is a *plan*
 * (a list of affine steps, pure and precomputable) run by one small loop that calls the network once per step.
 *
 *     sampleReverseSde   x ← x − [θ_t(μ − x) + σ_t² ε̂/σ̄_t]·dt − σ_t·sqrt(dt)·z
 *     sampleReverseOde   x ← x − [θ_t(μ − x) + ½σ_t² ε̂/σ̄_t]·dt
 *     samplePosterior    x ← x*_{t−1}(x, x̂₀(ε̂)) + std_t·z   (noise-free final step; optional strided grid)
 *     sampleReducedSteps the reference `sample_T`: a T'-step schedule, network time t'·T/T'
 *
 * All start from the noisy state x_T = μ + λ·z unless `xT` is given, and return the final x (not clamped).
 */
import { IrsdeError } from '../common/errors.js';
import type { MeanRevertingSDE } from './sde.js';
import { applyStep, type PlannedStep, type StepCoefficients } from './steps.js';
import {
  checkSameLength,
  fillNormal,
  shapeSize,
  throwIfAborted,
  type NoiseNetwork,
  type NormalSource,
  type SampleOptions,
} from './types.js';

export type SamplerMode = 'sde' | 'ode' | 'posterior';

export interface ReverseSampleOptions extends SampleOptions {
  /** The network receives t·timeScale (default 1: the raw integer step). */
  timeScale?: number;
}

export interface PosteriorSampleOptions extends ReverseSampleOptions {
  /**
   * Strided posterior (IRSDE.md §6, project extension): a strictly decreasing list of integer times in [1, T];
   * each step goes from one entry to the next and the last one to 0. Default: T, T−1, …, 1 (the reference).
   * See `stridedTimesteps`. The network receives the raw t (times timeScale).
   */
  timesteps?: readonly number[];
}

export interface ModeSampleOptions extends PosteriorSampleOptions {
  mode: SamplerMode;
}

export interface ReducedStepSampleOptions extends SampleOptions {
  mode: SamplerMode;
  /** T' = number of steps of the rebuilt schedule (the reference's `sample_T`). */
  steps: number;
}

// ------------------------------------------------------------------ plans (pure)

function plan(sde: MeanRevertingSDE, timeScale: number, coef: (t: number) => StepCoefficients): PlannedStep[] {
  checkTimeScale(timeScale);
  const steps: PlannedStep[] = [];
  for (let t = sde.T; t >= 1; t--) steps.push({ t, s: t - 1, netTime: t * timeScale, ...coef(t) });
  return steps;
}

/** The T reverse-SDE steps t = T…1. */
export function planReverseSde(sde: MeanRevertingSDE, timeScale = 1): PlannedStep[] {
  return plan(sde, timeScale, (t) => sde.reverseSdeCoefficients(t));
}

/** The T reverse-ODE (probability-flow) steps t = T…1. */
export function planReverseOde(sde: MeanRevertingSDE, timeScale = 1): PlannedStep[] {
  return plan(sde, timeScale, (t) => sde.reverseOdeCoefficients(t));
}

/** Posterior steps over `timesteps` (default T…1), each to the next entry and the last to 0. */
export function planPosterior(sde: MeanRevertingSDE, timesteps?: readonly number[], timeScale = 1): PlannedStep[] {
  checkTimeScale(timeScale);
  const grid = timesteps ?? Array.from({ length: sde.T }, (_, i) => sde.T - i);
  checkGrid(grid, sde.T);
  return grid.map((t, i) => {
    const s = i + 1 < grid.length ? grid[i + 1] : 0;
    return { t, s, netTime: t * timeScale, ...sde.posteriorCoefficients(t, s) };
  });
}

/**
 * An evenly spaced decreasing grid of `steps` integer times from T down to (about) T/steps:
 * t_k = round(k·T/steps), k = steps…1. For T = 100, steps = 20: 100, 95, …, 5.
 */
export function stridedTimesteps(T: number, steps: number): number[] {
  if (!(Number.isInteger(steps) && steps >= 1 && steps <= T)) {
    throw new IrsdeError('bad-option', `steps must be an integer in [1, ${T}], got ${steps}`);
  }
  const grid: number[] = [];
  for (let k = steps; k >= 1; k--) grid.push(Math.round((k * T) / steps));
  return grid;
}

// ------------------------------------------------------------------ the loop

/**
 * Run a plan: for each step, x ← a·x + b·net(x, μ, netTime) + c·μ + d·z. `x` is the start state and is updated
 * in place and returned. Checks `signal` before each network call and reports progress after each step.
 */
export async function runPlan(
  net: NoiseNetwork,
  steps: readonly PlannedStep[],
  mu: Float32Array,
  x: Float32Array,
  rng: NormalSource,
  options: Pick<SampleOptions, 'shape' | 'onProgress' | 'signal'>,
): Promise<Float32Array> {
  const n = x.length;
  checkSameLength('mu', mu, n);
  if (shapeSize(options.shape) !== n) {
    throw new IrsdeError('bad-shape', `shape [${options.shape.join(', ')}] does not match ${n} elements`);
  }
  let z: Float32Array | null = null;
  for (let k = 0; k < steps.length; k++) {
    const step = steps[k];
    throwIfAborted(options.signal);
    const pending = net(x, mu, step.netTime, options.shape);
    // The step's normal draws (same stream position as after the call) while onnxruntime computes on its own
    // threads: ~4 ms of the ~8 ms they take at 256² are hidden.
    let zk: Float32Array | null = null;
    if (step.d !== 0) {
      z ??= new Float32Array(n);
      zk = fillNormal(rng, z);
    }
    const noise = await pending;
    if (noise.length !== n) {
      throw new IrsdeError('bad-shape', `the network returned ${noise.length} values for ${n} inputs`);
    }
    applyStep(step, x, noise, mu, zk, x);
    options.onProgress?.({ type: 'progress', stage: 'sample', step: k + 1, steps: steps.length, t: step.t });
  }
  return x;
}

function start(sde: MeanRevertingSDE, mu: Float32Array, rng: NormalSource, options: SampleOptions): Float32Array {
  if (options.xT) {
    checkSameLength('xT', options.xT, mu.length);
    return Float32Array.from(options.xT);
  }
  return sde.noisyStart(mu, rng);
}

// ------------------------------------------------------------------ samplers

/** Reverse-SDE sampling over t = T…1 (noise is added at every step, t = 1 included). */
export async function sampleReverseSde(
  net: NoiseNetwork,
  sde: MeanRevertingSDE,
  mu: Float32Array,
  rng: NormalSource,
  options: ReverseSampleOptions,
): Promise<Float32Array> {
  const steps = planReverseSde(sde, options.timeScale);
  return runPlan(net, steps, mu, start(sde, mu, rng, options), rng, options);
}

/** Reverse-ODE (probability-flow, Euler) sampling over t = T…1; rng is used only for the noisy start. */
export async function sampleReverseOde(
  net: NoiseNetwork,
  sde: MeanRevertingSDE,
  mu: Float32Array,
  rng: NormalSource,
  options: ReverseSampleOptions,
): Promise<Float32Array> {
  const steps = planReverseOde(sde, options.timeScale);
  return runPlan(net, steps, mu, start(sde, mu, rng, options), rng, options);
}

/** Posterior sampling (wild-IR): x̂₀ from ε̂, then x ← x*_s(x, x̂₀) + std·z; optionally on a strided grid. */
export async function samplePosterior(
  net: NoiseNetwork,
  sde: MeanRevertingSDE,
  mu: Float32Array,
  rng: NormalSource,
  options: PosteriorSampleOptions,
): Promise<Float32Array> {
  const steps = planPosterior(sde, options.timesteps, options.timeScale);
  if (!options.xT && steps[0].t !== sde.T) {
    // The noisy start μ + λ·z is the state at t = T; starting a grid lower down needs that step's own state.
    throw new IrsdeError(
      'bad-option',
      `timesteps start at ${steps[0].t}, but sampling from the noisy start state begins at T = ${sde.T}: start the grid at ${sde.T} or pass xT (the state at t = ${steps[0].t})`,
    );
  }
  return runPlan(net, steps, mu, start(sde, mu, rng, options), rng, options);
}

/** Dispatch on `options.mode`. (`timesteps` is accepted only by the posterior mode.) */
export async function sample(
  net: NoiseNetwork,
  sde: MeanRevertingSDE,
  mu: Float32Array,
  rng: NormalSource,
  options: ModeSampleOptions,
): Promise<Float32Array> {
  switch (options.mode) {
    case 'sde':
    case 'ode':
      if (options.timesteps) {
        throw new IrsdeError('bad-option', `a strided grid (timesteps) is only defined for the posterior sampler, not '${options.mode}'`);
      }
      return options.mode === 'sde' ? sampleReverseSde(net, sde, mu, rng, options) : sampleReverseOde(net, sde, mu, rng, options);
    case 'posterior':
      return samplePosterior(net, sde, mu, rng, options);
    default:
      throw new IrsdeError('bad-option', `unknown sampler mode '${String(options.mode)}' (expected sde, ode or posterior)`);
  }
}

/**
 * Reduced-step sampling, reference style (daclip-uir `sample_T`, IRSDE.md §6): rebuild the schedule with
 * T' = `steps` (same λ, θ kind and eps; its own θ', θ̄', dt'), run the chosen sampler for t' = T'…1 on it
 * and feed the network t'·T/T'. This is a crude approximation (the T' schedule does not reproduce the
 * trained noise levels); for an exact reduced-step sampler use `samplePosterior` with `stridedTimesteps`.
 */
export async function sampleReducedSteps(
  net: NoiseNetwork,
  sde: MeanRevertingSDE,
  mu: Float32Array,
  rng: NormalSource,
  options: ReducedStepSampleOptions,
): Promise<Float32Array> {
  if (!(Number.isInteger(options.steps) && options.steps >= 1 && options.steps <= sde.T)) {
    // More steps than T would feed the network times between the trained integers 1…T.
    throw new IrsdeError('bad-option', `steps must be an integer in [1, ${sde.T}], got ${options.steps}`);
  }
  const reduced = sde.withSteps(options.steps);
  const { steps: _steps, ...rest } = options;
  return sample(net, reduced, mu, rng, { ...rest, timeScale: sde.T / options.steps });
}

function checkTimeScale(s: number): void {
  if (!(Number.isFinite(s) && s > 0)) throw new IrsdeError('bad-option', `timeScale must be a positive number, got ${s}`);
}

function checkGrid(grid: readonly number[], T: number): void {
  if (grid.length === 0) throw new IrsdeError('bad-option', 'timesteps must not be empty');
  let prev = Infinity;
  for (const t of grid) {
    if (!(Number.isInteger(t) && t >= 1 && t <= T && t < prev)) {
      throw new IrsdeError('bad-option', `timesteps must be strictly decreasing integers in [1, ${T}], got [${grid.join(', ')}]`);
    }
    prev = t;
  }
}
