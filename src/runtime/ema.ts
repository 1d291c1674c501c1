/**
 * Exponential moving average of parameters, as the IR-SDE family trains it: `ema_pytorch.EMA(beta = 0.995,
 * update_every = 10)` with the library defaults update_after_step = 100, inv_gamma = 1, power = 2/3
 * (IRSDE.md §5). With n the 1-based count of optimiser steps (the `step` given to `update`):
 *   - act only when n is a multiple of `every`;
 *   - while n ≤ updateAfterStep, copy the online weights into the EMA;
 *   - afterwards decay = clamp(1 − (1 + (n − updateAfterStep − 1)/invGamma)^(−power), 0, maxDecay)
 *     and ema ← ema + (1 − decay)(w − ema)   (torch lerp_, = decay·ema + (1 − decay)·w).
 * The EMA copy is the one shipped for inference.
 */
import { IrsdeError } from '../common/errors.js';
import type { SafeTensor } from './safetensors.js';
import type { OptimParam, ParamsInput } from './optim.js';

export interface EMAOptions {
  /** β, the largest decay. Default 0.995. */
  decay?: number;
  /** Act on every `every`-th step. Default 10. */
  every?: number;
  /** Copy (no averaging) up to and including this step. Default 100. */
  updateAfterStep?: number;
  /** Default 1. */
  invGamma?: number;
  /** Default 2/3. */
  power?: number;
  /** false: always use `decay` (no warm-up). Default true. */
  warmup?: boolean;
}

export interface EMAState {
  tensors: Record<string, SafeTensor>;
  metadata: Record<string, string>;
}

function toList(params: ParamsInput): OptimParam[] {
  if (params instanceof Map) return [...params].map(([name, data]) => ({ name, data }));
  if (typeof (params as Iterable<OptimParam>)[Symbol.iterator] === 'function') return [...(params as Iterable<OptimParam>)];
  return Object.entries(params as Record<string, Float32Array>).map(([name, data]) => ({ name, data }));
}

export class EMA {
  readonly decay: number;
  readonly every: number;
  readonly updateAfterStep: number;
  readonly invGamma: number;
  readonly power: number;
  readonly warmup: boolean;
  /** Shadow copies by name, in the parameters' order. */
  readonly shadow = new Map<string, Float32Array>();
  private readonly shapes = new Map<string, readonly number[]>();
  private readonly online: OptimParam[];
  /** The last step at which the EMA acted (0 = never). */
  lastStep = 0;

  /** Shadows start as copies of `params`, which are also the default source for `update`. */
  constructor(params: ParamsInput, opts: EMAOptions = {}) {
    this.decay = opts.decay ?? 0.995;
    this.every = opts.every ?? 10;
    this.updateAfterStep = opts.updateAfterStep ?? 100;
    this.invGamma = opts.invGamma ?? 1;
    this.power = opts.power ?? 2 / 3;
    this.warmup = opts.warmup ?? true;
    if (!(this.decay >= 0 && this.decay <= 1)) throw new IrsdeError('bad-option', `EMA decay must be in [0, 1], got ${this.decay}`);
    if (!Number.isSafeInteger(this.every) || this.every < 1) throw new IrsdeError('bad-option', `EMA every must be an integer ≥ 1, got ${this.every}`);
    if (!(this.invGamma > 0) || !(this.power > 0)) throw new IrsdeError('bad-option', 'EMA invGamma and power must be > 0');
    this.online = toList(params);
    for (const p of this.online) {
      this.shadow.set(p.name, p.data.slice());
      this.shapes.set(p.name, p.shape ?? [p.data.length]);
    }
  }

  /** The decay used at step n (0 means "copy"). */
  decayAt(n: number): number {
    if (!this.warmup) return this.decay;
    if (n <= this.updateAfterStep) return 0;
    const epoch = n - this.updateAfterStep - 1;
    const value = 1 - Math.pow(1 + epoch / this.invGamma, -this.power);
    return Math.min(this.decay, Math.max(0, value));
  }

  /**
   * Call after every optimiser step with its 1-based count. Returns true when the EMA changed.
   * `params` defaults to the parameters given to the constructor (they are updated in place).
   */
  update(step: number, params?: ParamsInput): boolean {
    if (!Number.isSafeInteger(step) || step < 1) throw new IrsdeError('bad-argument', `EMA step must be an integer ≥ 1, got ${step}`);
    if (step % this.every !== 0) return false;
    const list = params === undefined ? this.online : toList(params);
    const d = this.decayAt(step);
    const w = 1 - d;
    for (const p of list) {
      const s = this.shadow.get(p.name);
      if (!s) throw new IrsdeError('bad-argument', `EMA has no parameter "${p.name}"`);
      const x = p.data;
      if (x.length !== s.length) throw new IrsdeError('bad-argument', `EMA parameter "${p.name}" has ${s.length} values, got ${x.length}`);
      if (d === 0) s.set(x);
      else for (let i = 0; i < s.length; i++) s[i] = s[i]! + w * (x[i]! - s[i]!);
    }
    this.lastStep = step;
    return true;
  }

  /** Copy the EMA weights into `target` (by name; e.g. a ParamStore for inference). Every shadow must have a home. */
  copyTo(target: ParamsInput): void {
    const byName = new Map(toList(target).map((p) => [p.name, p.data] as const));
    for (const [name, s] of this.shadow) {
      const t = byName.get(name);
      if (!t) throw new IrsdeError('bad-argument', `EMA target has no parameter "${name}"`);
      if (t.length !== s.length) throw new IrsdeError('bad-argument', `EMA target "${name}" has ${t.length} values, the EMA ${s.length}`);
      t.set(s);
    }
  }

  /** Checkpoint: the shadows (named like the parameters, so the file is also a loadable weight file). */
  state(opts: { copy?: boolean } = {}): EMAState {
    const copy = opts.copy ?? true;
    const tensors: Record<string, SafeTensor> = Object.create(null);
    for (const [name, s] of this.shadow) tensors[name] = { dtype: 'F32', shape: [...this.shapes.get(name)!], data: copy ? s.slice() : s };
    return {
      tensors,
      metadata: { format: 'irsde-ema', ema_step: String(this.lastStep), decay: String(this.decay), every: String(this.every) },
    };
  }

  loadState(st: { tensors: Record<string, SafeTensor>; metadata?: Record<string, string> }): void {
    const fail = (what: string) => new IrsdeError('bad-ema-state', `EMA state does not fit: ${what}`, { hint: 'the checkpoint is from another model' });
    for (const [name, s] of this.shadow) {
      const t = Object.prototype.hasOwnProperty.call(st.tensors, name) ? st.tensors[name] : undefined;
      if (!t) throw fail(`missing "${name}"`);
      if (!(t.data instanceof Float32Array)) throw fail(`"${name}" is ${t.dtype}, not F32`);
      if (t.data.length !== s.length) throw fail(`"${name}" has ${t.data.length} values, the model ${s.length}`);
    }
    const extra = Object.keys(st.tensors).filter((k) => !this.shadow.has(k));
    if (extra.length) throw fail(`unexpected "${extra[0]}"${extra.length > 1 ? ` and ${extra.length - 1} more` : ''}`);
    for (const [name, s] of this.shadow) s.set(st.tensors[name]!.data as Float32Array);
    const last = Number(st.metadata?.['ema_step'] ?? 0);
    this.lastStep = Number.isSafeInteger(last) && last >= 0 ? last : 0;
  }
}
