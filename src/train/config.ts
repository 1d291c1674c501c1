/**
 * Training configurations: the typed `TrainConfig`, a small schema that validates a JSON config (every
 * unknown key and bad value is one IrsdeError naming its dotted path), defaults, `--set key.path=value`
 * overrides, and path resolution.
 *
 * Paths: a data path that starts with `$data/` is looked up under the shared data root at run time
 * (`$IRSDE_DATA`, `../shared/data` or `./shared/data`, see metrics/datasets.ts `defaultDataRoot`), so task
 * configs work from any checkout; any other relative data path is made absolute against the working
 * directory when the config is loaded (checkpoints then resume from anywhere). `outDir` stays as given
 * (relative to the working directory).
 *
 * Format (JSON; every key but `network` and `data.train` may be omitted and takes the default shown by `--print-config`):
 *
 *   { "name": "denoise-small", "task": "denoising", "description": "…",
 *     "network":  { "type": "nafnet", "imgChannel": 3, "width": 16, "middleBlkNum": 1, "encBlkNums": [1,1,1], "decBlkNums": [1,1,1], "conditional": true }
 *               | { "type": "unet", "inNc": 3, "outNc": 3, "nf": 64, "depth": 4, "chMult": […]?, "conditional": true },
 *     "sde":      { "kind": "irsde" | "denoising", "maxSigma": 50, "T": 100, "schedule": "cosine", "eps": 0.005,
 *                   "prediction": "noise" | "x0" },   (x0: the network outputs x̂₀ − μ and the loss is |x̂₀ − x₀|, irsde only)
 *     "loss":     { "type": "l1" | "l2", "weight": 1 },
 *     "data":     { "train": <source>, "degradation": <degradation>, "patch": 128, "batch": 4, "flips": true, "rot90": true,
 *                   "worker": true, "prefetch": 3, "clipStates": false },   (clipStates: Denoising-SDE x_t clipped to [0, 1])
 *     "val":      { "data": <source> | null, "count": 4, "crop": 128, "sampler": "posterior", "steps": 10, "sigma": null, "degradation": null, "seed": 0 },
 *     "optim":    { "type": "adamw" | "adam" | "lion", "lr": 1e-4, "betas": [0.9, 0.99], "eps": 1e-8, "weightDecay": 0 },
 *     "schedule": { "type": "cosine", "etaMin": 1e-7, "warmup": 0 } | { "type": "multistep", "milestones": […], "gamma": 0.5 } | { "type": "constant" },
 *     "ema":      { "decay": 0.995, "every": 10, "updateAfterStep": 100, "power": 0.6667 },
 *     "steps": 700000, "checkpointEvery": 5000, "keepCheckpoints": 2, "valEvery": 5000, "logEvery": 100,
 *     "seed": 0, "outDir": "runs/<name>", "threads": 0,
 *     "init": null }   (fine-tuning: a model folder, run folder or .safetensors file with the initial weights)
 *
 *   <source>      = { "kind": "clean", "dirs": ["$data/BSDS400/train", …] }
 *                 | { "kind": "paired", "lq": "<dir>", "gt": "<dir>", "key": "<regex>"? }   (files paired by stem, or by the
 *                   regex's first capture group, e.g. "(\\d+)$" pairs rain-001.png with norain-001.png)
 *                 | { "kind": "dataset", "name": "Rain100H" }   (a set known to metrics/datasets.ts, or a folder)
 *   <degradation> = { "kind": "gaussian", "sigma": 25 } | { "kind": "gaussian", "sigmaRange": [0, 50] } (σ on the 0..255
 *                   scale, uniform per patch; "clip": true clips μ to [0,1])
 *                 | { "kind": "jpeg", "quality": 10 } | { "kind": "jpeg", "qualityRange": [10, 50] } (JPEG round trip,
 *                   4:2:0; integer quality uniform in [low, high] per patch)
 *                 | { "kind": "bicubic-sr", "scale": 4 } (μ = MATLAB bicubic ↓scale (uint8) then ↑scale back to the
 *                   patch size: the IR-SDE SR convention; the patch must be a multiple of the scale)
 *                 | { "kind": "rain", "heavyProb": 0.5, "density"?: [lo, hi], "length"?: [lo, hi], "angle"?: [lo, hi],
 *                   "gain"?: [lo, hi], "veilProb"?: p, "margin": 24 } (synthetic streaks, DEGRADATIONS.md §10.1; μ uint8)
 *                 | { "kind": "none" }
 *                   (applies to clean sources only; paired sources carry their own LQ). "val.degradation" (same forms,
 *                   default null = the training one) degrades clean validation images.
 */
import { isAbsolute, resolve } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { IrsdeError } from '../common/errors.js';
import { isModelName } from '../common/names.js';
import type { NAFNetConfig } from '../nn/nafnet.js';
import type { UNetConfig } from '../nn/unet.js';
import { PREDICTIONS, type Prediction } from '../sde/prediction.js';

// ---------------------------------------------------------------------------------------------------------
// Types

export interface NAFNetNetwork extends NAFNetConfig { type: 'nafnet'; conditional: boolean }
export interface UNetNetwork extends UNetConfig { type: 'unet'; conditional: boolean }
export type NetworkConfig = NAFNetNetwork | UNetNetwork;

export interface SDEConfig {
  kind: 'irsde' | 'denoising'; maxSigma: number; T: number; schedule: 'cosine' | 'linear' | 'constant'; eps: number;
  /** What the network outputs (src/sde/prediction.ts): ε ('noise', the reference) or x̂₀ − μ ('x0'; loss |x̂₀ − x₀|). */
  prediction: Prediction;
}

export type DataSource =
  | { kind: 'clean'; dirs: string[] }
  | { kind: 'paired'; lq: string; gt: string; key?: string }
  | { kind: 'dataset'; name: string };

export type Degradation =
  | { kind: 'gaussian'; sigma?: number; sigmaRange?: [number, number]; clip: boolean }
  | { kind: 'jpeg'; quality?: number; qualityRange?: [number, number] }
  | { kind: 'bicubic-sr'; scale: number }
  | RainDegradation
  | { kind: 'none' };

/** Synthetic rain streaks (degrade/synthetic.ts `addRain`, DEGRADATIONS.md §10.1); ranges are [low, high]. */
export interface RainDegradation {
  kind: 'rain';
  /** Probability of heavy rain (2–4 layers, optional haze veil) instead of light rain (1 layer). */
  heavyProb: number;
  density?: [number, number];
  length?: [number, number];
  angle?: [number, number];
  gain?: [number, number];
  /** Probability of the haze veil on heavy rain (addRain default 0.5). */
  veilProb?: number;
  /** Rain is drawn on the patch grown by this many pixels on each side (reflected), then cropped: streaks enter from outside. */
  margin: number;
}

export interface DataConfig {
  train: DataSource;
  degradation: Degradation;
  patch: number;
  batch: number;
  flips: boolean;
  rot90: boolean;
  /** Build batches in a worker thread (true) or on the main thread between steps (false). */
  worker: boolean;
  /** Batches requested ahead of the step that needs them. */
  prefetch: number;
  /**
   * Denoising-SDE only: clip the training states x_t = x₀ + σ̄_t ε to [0, 1], as real noisy images (and the
   * evaluation convention's noisy inputs) are clipped; the target noise becomes (x_t − x₀)/σ̄_t. Without it
   * the network never sees clipped noise and leaves its bias near black and white.
   */
  clipStates: boolean;
}

export interface ValConfig {
  /** Held-out images; null disables validation. */
  data: DataSource | null;
  /** The first `count` images (sorted by name). */
  count: number;
  /** Centre crop to crop×crop (a multiple of the network's padding multiple); 0 = whole images, one at a time. */
  crop: number;
  sampler: 'posterior' | 'sde' | 'ode';
  /** Sampler steps: a strided grid for 'posterior'; 'sde'/'ode' run the reference reduced schedule (sample_T). */
  steps: number;
  /** Noise σ (0..255) for clean val images; default: the training σ (or the middle of the range). */
  sigma: number | null;
  /**
   * Degradation of clean val images; null: the training degradation (Gaussian at `sigma` for gaussian
   * training). E.g. a fixed JPEG quality when training on a quality range.
   */
  degradation: Degradation | null;
  /** Seed of the degradation and of the sampler's noise (the same at every validation). */
  seed: number;
}

export interface OptimConfig { type: 'adamw' | 'adam' | 'lion'; lr: number; betas: [number, number]; eps: number; weightDecay: number }

export type ScheduleConfig =
  | { type: 'cosine'; etaMin: number; warmup: number }
  | { type: 'multistep'; milestones: number[]; gamma: number }
  | { type: 'constant' };

export interface EmaConfig { decay: number; every: number; updateAfterStep: number; power: number }

export interface TrainConfig {
  /** Run and model name (a folder name: letters, digits, ".", "_", "-"). */
  name: string;
  /** The task the model restores (free text, e.g. "denoising"; `irsde restore --task` selects models by it). */
  task: string;
  description: string;
  network: NetworkConfig;
  sde: SDEConfig;
  loss: { type: 'l1' | 'l2'; weight: number };
  data: DataConfig;
  val: ValConfig;
  optim: OptimConfig;
  schedule: ScheduleConfig;
  ema: EmaConfig;
  steps: number;
  checkpointEvery: number;
  keepCheckpoints: number;
  /** 0 disables validation. */
  valEvery: number;
  logEvery: number;
  seed: number;
  outDir: string;
  /** ONNX Runtime intra-op threads; 0 = all cores. */
  threads: number;
  /**
   * Initial weights (fine-tuning): a model folder (its model.safetensors), a training run folder, or a
   * .safetensors file; every parameter of the network must be there with its shape. null: random init.
   * Ignored on resume (the checkpoint has the weights).
   */
  init: string | null;
}

// ---------------------------------------------------------------------------------------------------------
// Schema

type Spec =
  | { t: 'num'; int?: boolean; min?: number; max?: number; gt?: number; lt?: number }
  | { t: 'str'; values?: readonly string[]; nonEmpty?: boolean }
  | { t: 'bool' }
  | { t: 'arr'; of: Spec; len?: number; minLen?: number }
  | { t: 'obj'; fields: Record<string, Field> }
  | { t: 'union'; tag: string; variants: Record<string, Record<string, Field>> }
  | { t: 'nullable'; of: Spec };

interface Field { spec: Spec; def?: unknown; optional?: boolean }

const num = (o: Omit<Extract<Spec, { t: 'num' }>, 't'> = {}): Spec => ({ t: 'num', ...o });
const int = (min: number, max = Number.MAX_SAFE_INTEGER): Spec => ({ t: 'num', int: true, min, max });
const str = (values?: readonly string[]): Spec => ({ t: 'str', values, nonEmpty: true });
const bool: Spec = { t: 'bool' };
const arr = (of: Spec, o: { len?: number; minLen?: number } = {}): Spec => ({ t: 'arr', of, ...o });
const f = (spec: Spec, def?: unknown): Field => (def === undefined ? { spec } : { spec, def });
const opt = (spec: Spec): Field => ({ spec, optional: true });

const SOURCE: Spec = {
  t: 'union', tag: 'kind', variants: {
    clean: { dirs: f(arr(str(), { minLen: 1 })) },
    paired: { lq: f(str()), gt: f(str()), key: opt(str()) },
    dataset: { name: f(str()) },
  },
};

/** The degradations (shared by data.degradation and val.degradation). */
const DEGRADATION_VARIANTS: Record<string, Record<string, Field>> = {
  gaussian: { sigma: opt(num({ min: 0, max: 255 })), sigmaRange: opt(arr(num({ min: 0, max: 255 }), { len: 2 })), clip: f(bool, true) },
  jpeg: { quality: opt(int(1, 100)), qualityRange: opt(arr(int(1, 100), { len: 2 })) },
  'bicubic-sr': { scale: f(int(2, 16)) },
  rain: {
    heavyProb: f(num({ min: 0, max: 1 }), 0.5),
    density: opt(arr(num({ min: 0, max: 1 }), { len: 2 })),
    length: opt(arr(num({ min: 1, max: 200 }), { len: 2 })),
    angle: opt(arr(num({ min: -360, max: 360 }), { len: 2 })),
    gain: opt(arr(num({ min: 0, max: 1 }), { len: 2 })),
    veilProb: opt(num({ min: 0, max: 1 })),
    margin: f(int(0, 256), 24),
  },
  none: {},
};

const SCHEMA: Spec = {
  t: 'obj', fields: {
    name: f({ t: 'str' }, 'train'),
    task: f({ t: 'str' }, 'restoration'),
    description: f({ t: 'str' }, ''),
    network: f({
      t: 'union', tag: 'type', variants: {
        nafnet: {
          imgChannel: f(int(1, 64), 3), width: f(int(4, 4096)), middleBlkNum: f(int(0, 1000), 1),
          encBlkNums: f(arr(int(0, 1000), { minLen: 1 })), decBlkNums: f(arr(int(0, 1000), { minLen: 1 })),
          conditional: f(bool, true),
        },
        unet: {
          inNc: f(int(1, 64), 3), outNc: f(int(1, 64), 3), nf: f(int(4, 4096)), depth: f(int(1, 8)),
          chMult: opt(arr(int(1, 64), { minLen: 1 })), conditional: f(bool, true),
        },
      },
    }),
    sde: f({
      t: 'obj', fields: {
        kind: f(str(['irsde', 'denoising']), 'irsde'),
        maxSigma: f(num({ gt: 0, max: 255 }), 50),
        T: f(int(1, 100000), 100),
        schedule: f(str(['cosine', 'linear', 'constant']), 'cosine'),
        eps: f(num({ gt: 0, lt: 1 }), 0.005),
        prediction: f(str(PREDICTIONS), 'noise'),
      },
    }, {}),
    loss: f({ t: 'obj', fields: { type: f(str(['l1', 'l2']), 'l1'), weight: f(num({ gt: 0 }), 1) } }, {}),
    data: f({
      t: 'obj', fields: {
        train: f(SOURCE),
        degradation: f({
          t: 'union', tag: 'kind', variants: {
            ...DEGRADATION_VARIANTS,
          },
        }, { kind: 'none' }),
        patch: f(int(1, 8192), 128),
        batch: f(int(1, 4096), 4),
        flips: f(bool, true),
        rot90: f(bool, true),
        worker: f(bool, true),
        prefetch: f(int(1, 64), 3),
        clipStates: f(bool, false),
      },
    }),
    val: f({
      t: 'obj', fields: {
        data: f({ t: 'nullable', of: SOURCE }, null),
        count: f(int(1, 100000), 4),
        crop: f(int(0, 8192), 128),
        sampler: f(str(['posterior', 'sde', 'ode']), 'posterior'),
        steps: f(int(1, 100000), 10),
        sigma: f({ t: 'nullable', of: num({ min: 0, max: 255 }) }, null),
        degradation: f({ t: 'nullable', of: { t: 'union', tag: 'kind', variants: DEGRADATION_VARIANTS } }, null),
        seed: f(int(0), 0),
      },
    }, {}),
    optim: f({
      t: 'obj', fields: {
        type: f(str(['adamw', 'adam', 'lion']), 'adamw'),
        lr: f(num({ min: 0, max: 10 }), 1e-4),
        betas: f(arr(num({ min: 0, lt: 1 }), { len: 2 }), [0.9, 0.99]),
        eps: f(num({ min: 0 }), 1e-8),
        weightDecay: f(num({ min: 0 }), 0),
      },
    }, {}),
    schedule: f({
      t: 'union', tag: 'type', variants: {
        cosine: { etaMin: f(num({ min: 0 }), 0), warmup: f(int(0), 0) },
        multistep: { milestones: f(arr(int(0)), [200_000, 400_000, 600_000]), gamma: f(num({ gt: 0 }), 0.5) },
        constant: {},
      },
    }, { type: 'constant' }),
    ema: f({
      t: 'obj', fields: {
        decay: f(num({ min: 0, max: 1 }), 0.995), every: f(int(1), 10), updateAfterStep: f(int(0), 100), power: f(num({ gt: 0 }), 2 / 3),
      },
    }, {}),
    steps: f(int(1), 1000),
    checkpointEvery: f(int(1), 1000),
    keepCheckpoints: f(int(1, 1000), 2),
    valEvery: f(int(0), 1000),
    logEvery: f(int(1), 10),
    seed: f(int(0, 2 ** 32 - 1), 0),
    outDir: f({ t: 'str' }, ''),
    threads: f(int(0, 1024), 0),
    init: f({ t: 'nullable', of: str() }, null),
  },
};

function bad(path: string, msg: string, hint?: string): IrsdeError {
  return new IrsdeError('bad-config', `config ${path ? `"${path}"` : ''}${path ? ': ' : ''}${msg}`, hint ? { hint } : {});
}

const show = (v: unknown): string => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v));

function checkFields(raw: Record<string, unknown>, fields: Record<string, Field>, path: string, extra: readonly string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(raw)) {
    if (!(key in fields) && !extra.includes(key)) {
      const known = [...extra, ...Object.keys(fields)];
      throw bad(join(path, key), 'unknown key', `known keys${path ? ` of "${path}"` : ''}: ${known.join(', ')}`);
    }
  }
  for (const [key, fd] of Object.entries(fields)) {
    const p = join(path, key);
    const v = raw[key];
    if (v === undefined) {
      if (fd.optional) continue;
      if (fd.def === undefined) throw bad(p, 'is required');
      out[key] = check(structuredClone(fd.def), fd.spec, p);
    } else {
      out[key] = check(v, fd.spec, p);
    }
  }
  return out;
}

function join(path: string, key: string | number): string {
  return path ? `${path}.${key}` : String(key);
}

function check(v: unknown, spec: Spec, path: string): unknown {
  switch (spec.t) {
    case 'num': {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(path, `must be a number, got ${show(v)}`);
      if (spec.int && !Number.isInteger(v)) throw bad(path, `must be an integer, got ${v}`);
      if (spec.min !== undefined && v < spec.min) throw bad(path, `must be ≥ ${spec.min}, got ${v}`);
      if (spec.max !== undefined && v > spec.max) throw bad(path, `must be ≤ ${spec.max}, got ${v}`);
      if (spec.gt !== undefined && !(v > spec.gt)) throw bad(path, `must be > ${spec.gt}, got ${v}`);
      if (spec.lt !== undefined && !(v < spec.lt)) throw bad(path, `must be < ${spec.lt}, got ${v}`);
      return v;
    }
    case 'str':
      if (typeof v !== 'string') throw bad(path, `must be a string, got ${show(v)}`);
      if (spec.nonEmpty && v === '' && !spec.values) throw bad(path, 'must not be empty');
      if (spec.values && !spec.values.includes(v)) throw bad(path, `must be one of ${spec.values.join(', ')}, got ${show(v)}`);
      return v;
    case 'bool':
      if (typeof v !== 'boolean') throw bad(path, `must be true or false, got ${show(v)}`);
      return v;
    case 'arr': {
      if (!Array.isArray(v)) throw bad(path, `must be an array, got ${show(v)}`);
      if (spec.len !== undefined && v.length !== spec.len) throw bad(path, `must have ${spec.len} entries, got ${v.length}`);
      if (spec.minLen !== undefined && v.length < spec.minLen) throw bad(path, `must have at least ${spec.minLen} entr${spec.minLen === 1 ? 'y' : 'ies'}`);
      return v.map((x, i) => check(x, spec.of, join(path, i)));
    }
    case 'obj':
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(path, `must be an object, got ${show(v)}`);
      return checkFields(v as Record<string, unknown>, spec.fields, path);
    case 'union': {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(path, `must be an object, got ${show(v)}`);
      const tag = (v as Record<string, unknown>)[spec.tag];
      const names = Object.keys(spec.variants);
      if (typeof tag !== 'string' || !names.includes(tag)) throw bad(join(path, spec.tag), `must be one of ${names.join(', ')}, got ${show(tag)}`);
      // A key of another variant (left over after `--set schedule.type=constant`, say): say whose it is.
      const own = spec.variants[tag]!;
      for (const key of Object.keys(v as object)) {
        if (key === spec.tag || key in own) continue;
        const owner = names.find((n) => key in spec.variants[n]!);
        if (owner) {
          throw bad(join(path, key), `belongs to ${spec.tag} "${owner}", not "${tag}"`, `give the whole object, e.g. --set ${path}='{"${spec.tag}":"${tag}"}'`);
        }
      }
      return { [spec.tag]: tag, ...checkFields(v as Record<string, unknown>, spec.variants[tag]!, path, [spec.tag]) };
    }
    case 'nullable':
      return v === null ? null : check(v, spec.of, path);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Cross-field checks

/** The padding multiple of the network: training patches and validation crops must be multiples of it. */
export function networkMultiple(n: NetworkConfig): number {
  if (n.type === 'nafnet') return 2 ** n.encBlkNums.length;
  return 2 ** (n.chMult ? n.chMult.length : n.depth);
}

export function networkChannels(n: NetworkConfig): number {
  return n.type === 'nafnet' ? n.imgChannel : n.inNc;
}

function crossCheck(c: TrainConfig): void {
  if (!isModelName(c.name)) throw bad('name', `must be a folder name (letters, digits, ".", "_", "-"), got ${show(c.name)}`);
  if (!c.task.trim()) throw bad('task', 'must not be empty');
  const n = c.network;
  if (n.type === 'nafnet') {
    if (n.encBlkNums.length !== n.decBlkNums.length) throw bad('network.decBlkNums', `must have as many levels as encBlkNums (${n.encBlkNums.length}), got ${n.decBlkNums.length}`);
    // The sinusoidal time embedding has width/2 sin and cos pairs and needs at least two of them.
    if (n.width % 2) throw bad('network.width', `must be even, got ${n.width}`);
  } else {
    if (n.nf % 2) throw bad('network.nf', `must be even (the time embedding has nf/2 sin and cos pairs), got ${n.nf}`);
    if (n.chMult && n.chMult.length !== n.depth) throw bad('network.chMult', `must have depth (${n.depth}) entries, got ${n.chMult.length}`);
    if (n.inNc !== n.outNc) throw bad('network.outNc', `must equal inNc (${n.inNc}) for a noise-predicting network, got ${n.outNc}`);
  }
  if (networkChannels(n) !== 3) throw bad(n.type === 'nafnet' ? 'network.imgChannel' : 'network.inNc', 'must be 3 (RGB images) for image training');
  if (c.sde.kind === 'denoising' && n.conditional) {
    throw bad('network.conditional', 'must be false with sde.kind "denoising" (the Denoising-SDE network sees x_t only)');
  }
  if (c.sde.kind === 'irsde' && !n.conditional) throw bad('network.conditional', 'must be true with sde.kind "irsde" (the network needs μ)');
  if (c.sde.kind === 'denoising' && c.sde.prediction !== 'noise') throw bad('sde.prediction', 'must be "noise" with sde.kind "denoising"');
  if (c.data.clipStates && c.sde.kind !== 'denoising') throw bad('data.clipStates', 'applies to the Denoising-SDE only (its x_t is a noisy image; the IR-SDE state is not)');
  if (c.sde.kind === 'denoising' && c.sde.schedule === 'constant') throw bad('sde.schedule', 'the Denoising-SDE has no constant schedule');
  const m = networkMultiple(n);
  if (c.data.patch % m !== 0) throw bad('data.patch', `must be a multiple of ${m} (the network's padding multiple), got ${c.data.patch}`);
  if (c.val.crop % m !== 0) throw bad('val.crop', `must be a multiple of ${m} (the network's padding multiple) or 0, got ${c.val.crop}`);
  const d = c.data.degradation;
  checkDegradation(d, 'data.degradation');
  if (c.val.degradation) checkDegradation(c.val.degradation, 'val.degradation');
  if (d.kind === 'bicubic-sr') {
    if (c.data.patch % d.scale !== 0) throw bad('data.patch', `must be a multiple of data.degradation.scale (${d.scale}) for bicubic-sr, got ${c.data.patch}`);
    // (with a "paired" source the LQ files are the LR images, ×1/scale of their ground truth; see train/data.ts)
  }
  const vd = c.val.degradation ?? d;
  if (vd.kind === 'bicubic-sr' && c.val.crop % vd.scale !== 0) throw bad('val.crop', `must be a multiple of the bicubic-sr scale (${vd.scale}), got ${c.val.crop}`);
  if (c.val.degradation && c.val.degradation.kind !== 'none' && d.kind !== c.val.degradation.kind && d.kind !== 'none') {
    throw bad('val.degradation.kind', `must match data.degradation.kind ("${d.kind}"), got ${show(c.val.degradation.kind)}`);
  }
  if (c.data.train.kind === 'clean' && d.kind === 'none' && c.sde.kind === 'irsde') {
    throw bad('data.degradation', 'clean training images need a degradation to make μ (e.g. {"kind": "gaussian", "sigma": 25})');
  }
  if (c.val.steps > c.sde.T) throw bad('val.steps', `must be ≤ sde.T (${c.sde.T})`);
  if (c.sde.kind === 'denoising' && c.val.sampler === 'posterior') throw bad('val.sampler', 'the Denoising-SDE validates with "ode" (from the optimal start step) or "sde"');
  if (c.schedule.type === 'cosine' && c.schedule.warmup >= c.steps) throw bad('schedule.warmup', `must be < steps (${c.steps})`);
  if (c.schedule.type === 'multistep') {
    const ms = c.schedule.milestones;
    for (let i = 1; i < ms.length; i++) if (ms[i]! < ms[i - 1]!) throw bad('schedule.milestones', `must be increasing, got ${show(ms)}`);
  }
}

function checkRange(r: [number, number] | undefined, path: string): void {
  if (r && !(r[0] <= r[1])) throw bad(path, `must be [low, high] with low ≤ high, got ${show(r)}`);
}

function checkDegradation(d: Degradation, path: string): void {
  if (d.kind === 'gaussian') {
    if ((d.sigma === undefined) === (d.sigmaRange === undefined)) throw bad(path, 'give exactly one of "sigma" and "sigmaRange"');
    checkRange(d.sigmaRange, `${path}.sigmaRange`);
  } else if (d.kind === 'jpeg') {
    if ((d.quality === undefined) === (d.qualityRange === undefined)) throw bad(path, 'give exactly one of "quality" and "qualityRange" (JPEG quality 1–100)');
    checkRange(d.qualityRange, `${path}.qualityRange`);
  } else if (d.kind === 'rain') {
    checkRange(d.density, `${path}.density`);
    checkRange(d.length, `${path}.length`);
    checkRange(d.angle, `${path}.angle`);
    checkRange(d.gain, `${path}.gain`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Public API

/** Validate a raw (parsed JSON) config: fill defaults, reject unknown keys and bad values, check consistency. */
export function validateConfig(raw: unknown): TrainConfig {
  const c = check(raw, SCHEMA, '') as unknown as TrainConfig;
  crossCheck(c);
  if (!c.outDir) c.outDir = `runs/${c.name}`;
  return c;
}

/** Parse a `--set` value: JSON when it parses (numbers, booleans, null, arrays, objects, quoted strings), else the raw string. */
export function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Apply `key.path=value` overrides to a raw config object (in place; returns it). Intermediate objects are
 * created as needed; `null` on a key that does not take null removes it (falls back to the default). Unknown
 * keys are caught by `validateConfig` afterwards, with the list of known keys.
 */
export function applyOverrides(raw: Record<string, unknown>, sets: readonly string[]): Record<string, unknown> {
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new IrsdeError('bad-option', `--set needs key.path=value, got "${s}"`, { hint: 'e.g. --set data.patch=96 --set network.encBlkNums=[1,1,1]' });
    const path = s.slice(0, eq).trim().split('.');
    if (path.some((p) => p === '')) throw new IrsdeError('bad-option', `--set: bad key path "${s.slice(0, eq)}"`);
    setPath(raw, path, parseValue(s.slice(eq + 1)));
  }
  return raw;
}

const NULLABLE = new Set(['val.data', 'val.sigma', 'val.degradation', 'init']);

function setPath(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let o: Record<string, unknown> = obj;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i]!;
    const next = o[k];
    if (next === undefined || next === null) o[k] = {};
    else if (typeof next !== 'object' || Array.isArray(next)) {
      if (Array.isArray(next) && /^\d+$/.test(path[i + 1]!)) { o = next as unknown as Record<string, unknown>; continue; }
      throw new IrsdeError('bad-option', `--set ${path.join('.')}: "${path.slice(0, i + 1).join('.')}" is ${show(next)}, not an object`);
    }
    o = o[k] as Record<string, unknown>;
  }
  const last = path[path.length - 1]!;
  if (value === null && !NULLABLE.has(path.join('.'))) delete o[last];
  else o[last] = value;
}

export interface LoadConfigOptions {
  /** `--set key.path=value` overrides, applied in order. */
  sets?: readonly string[];
  /** Shorthand overrides (applied after `sets`). */
  steps?: number;
  lr?: number;
  batch?: number;
  outDir?: string;
  seed?: number;
  /** Base for relative data paths (default: the working directory). */
  cwd?: string;
}

/** Read a JSON config file and resolve it (overrides, validation, absolute data paths). */
export function loadConfigFile(file: string, opts: LoadConfigOptions = {}): TrainConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new IrsdeError('file-not-found', `cannot read config ${file}${code === 'ENOENT' ? ': no such file' : `: ${(e as Error).message}`}`, { file, hint: 'task configs are in configs/*.json' });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new IrsdeError('bad-config', `${file}: not valid JSON (${(e as Error).message})`, { file });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new IrsdeError('bad-config', `${file}: the config must be a JSON object`, { file });
  return resolveConfig(raw as Record<string, unknown>, opts);
}

/** Overrides + validation + path resolution on a raw config object (not modified). */
export function resolveConfig(raw: Record<string, unknown>, opts: LoadConfigOptions = {}): TrainConfig {
  const r = structuredClone(raw);
  applyOverrides(r, opts.sets ?? []);
  const short: string[] = [];
  if (opts.steps !== undefined) short.push(`steps=${opts.steps}`);
  if (opts.lr !== undefined) short.push(`optim.lr=${opts.lr}`);
  if (opts.batch !== undefined) short.push(`data.batch=${opts.batch}`);
  if (opts.seed !== undefined) short.push(`seed=${opts.seed}`);
  applyOverrides(r, short);
  if (opts.outDir !== undefined) r.outDir = opts.outDir;
  const c = validateConfig(r);
  const cwd = opts.cwd ?? process.cwd();
  c.data.train = absSource(c.data.train, cwd);
  if (c.val.data) c.val.data = absSource(c.val.data, cwd);
  if (c.init !== null) c.init = absPath(c.init, cwd);
  return c;
}

function absPath(p: string, cwd: string): string {
  return p.startsWith('$data/') || p === '$data' || isAbsolute(p) ? p : resolve(cwd, p);
}

function absSource(s: DataSource, cwd: string): DataSource {
  switch (s.kind) {
    case 'clean': return { ...s, dirs: s.dirs.map((d) => absPath(d, cwd)) };
    case 'paired': return { ...s, lq: absPath(s.lq, cwd), gt: absPath(s.gt, cwd) };
    // A set name or a folder (metrics/datasets.ts `openDataset` resolves it; a folder here wins over a set name):
    // a folder that exists relative to the working directory becomes absolute, so a resume from elsewhere finds it.
    case 'dataset': return s.name.startsWith('$data/') || isAbsolute(s.name) || !existsSync(resolve(cwd, s.name)) ? s : { ...s, name: resolve(cwd, s.name) };
  }
}

/**
 * The first setting (a dotted path) in which a resumed run's config `b` differs from its checkpoint's `a` where
 * that would change the run: the network, SDE, loss, data (images, degradation, crops, batch), optimiser except
 * its lr, EMA and seed. May change: steps, schedule and lr, logging, validation, checkpointing, threads, the
 * data pipeline's worker/prefetch, name, task and description. null: none.
 */
export function resumeChange(a: TrainConfig, b: TrainConfig): string | null {
  const locked = (c: TrainConfig) => ({
    network: c.network, sde: c.sde, loss: c.loss, data: { ...c.data, worker: null, prefetch: null },
    optim: { ...c.optim, lr: null }, ema: c.ema, seed: c.seed,
  });
  return firstDifference(locked(a), locked(b), '');
}

function firstDifference(x: unknown, y: unknown, path: string): string | null {
  if (typeof x === 'object' && x !== null && typeof y === 'object' && y !== null && Array.isArray(x) === Array.isArray(y)) {
    for (const k of new Set([...Object.keys(x), ...Object.keys(y)])) {
      const d = firstDifference((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
      if (d !== null) return d;
    }
    return null;
  }
  return JSON.stringify(x) === JSON.stringify(y) ? null : path;
}

/** σ (0..255) used for clean validation images. */
export function valSigma(c: TrainConfig): number {
  if (c.val.sigma !== null) return c.val.sigma;
  const d = c.val.degradation ?? c.data.degradation;
  if (d.kind !== 'gaussian') return 0;
  return d.sigma ?? (d.sigmaRange![0] + d.sigmaRange![1]) / 2;
}
