/**
 * Small shared types of the SDE layer: arrays, the noise network, the normal RNG, progress and abort.
 * Nothing here knows about ONNX Runtime; the network is any async function that predicts noise.
 */
import { IrsdeError } from '../common/errors.js';

/** Element arrays accepted by the per-pixel functions. Samplers use Float32Array; tests may use Float64Array. */
export type FloatArray = Float32Array | Float64Array;

/**
 * The noise-prediction network ε̂ = net(x_t, μ, t) (IRSDE.md §0). `t` is the time value fed to the network:
 * the raw integer step, or t'·T/T' for reduced-step sampling, never normalised. `shape` is NCHW.
 * Returns ε̂ with the same length as `x`. Samplers read the result before their next call (so an implementation
 * may return a reused buffer) and update `x` in place after the promise resolves (so it must not keep `x`).
 */
export type NoiseNetwork = (x: Float32Array, mu: Float32Array, t: number, shape: readonly number[]) => Promise<Float32Array>;

/**
 * Standard-normal source. `normal()` is required; `fillNormal` is used when present (the project RNG in
 * src/runtime/rng.ts has both). Samplers draw exactly `x.length` normals per stochastic step, in element order.
 */
export interface NormalSource {
  normal(): number;
  fillNormal?(arr: Float32Array): void;
}

/** Fill `arr` with N(0, 1) draws from `rng`. */
export function fillNormal(rng: NormalSource, arr: Float32Array): Float32Array {
  if (rng.fillNormal) rng.fillNormal(arr);
  else for (let i = 0; i < arr.length; i++) arr[i] = rng.normal();
  return arr;
}

/**
 * Progress event of a sampler, emitted after each completed step. It is a valid `progress` variant of
 * `IrsdeEvent` (src/common/events.ts). `t` is the schedule step just taken (x_t → x_{t−1} or x_t → x_s).
 */
export type SampleProgressEvent = { type: 'progress'; stage: 'sample'; step: number; steps: number; t: number };

/** Options every sampler accepts. */
export interface SampleOptions {
  /** NCHW shape of μ and x (passed to the network). Its product must equal μ.length. */
  shape: readonly number[];
  /** Initial state x_T (or x_{t_start}); default: the noisy start state μ + λ·z. Not modified. */
  xT?: Float32Array;
  /** Called after each step. */
  onProgress?: (e: SampleProgressEvent) => void;
  /** Checked before every network evaluation; an aborted signal ends sampling with IrsdeError('aborted'). */
  signal?: AbortSignal;
}

/** Throw IrsdeError('aborted') (with the signal's reason as cause) if the signal is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new IrsdeError('aborted', 'sampling was aborted', { cause: signal.reason });
  }
}

/** A new array of the same element type as `like` with length n. */
export function similar(like: FloatArray, n = like.length): FloatArray {
  return like instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
}

export function checkSameLength(name: string, a: ArrayLike<number>, n: number): void {
  if (a.length !== n) throw new IrsdeError('bad-shape', `${name} has ${a.length} elements, expected ${n}`);
}

/** Number of elements of an NCHW shape; validates it. */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new IrsdeError('bad-shape', `invalid shape [${shape.join(', ')}]`);
    n *= d;
  }
  return n;
}
