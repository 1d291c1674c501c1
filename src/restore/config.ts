/**
 * `config.json` of a model folder: the contract between the trainer (which writes it next to
 * `model.safetensors`) and restoration (which reads it). Browser-safe (no Node imports).
 *
 *     {
 *       "format": "irsde-model", "version": 1,                      (optional; written by the trainer)
 *       "name": "denoise-naf32",                                    (= the folder name)
 *       "task": "denoising",                                        (free text; `--task` selects by it)
 *       "description": "Gaussian denoising, σ ≤ 50, ConditionalNAFNet w32",
 *       "default": true,                                            (optional: the default model of its task)
 *       "network": { "kind": "nafnet", "conditional": true,         (conditional optional, default true;
 *                    "padding": "reflect",                            optional: "zeros" | "reflect", see ModelPadding)
 *                    "config": { "imgChannel": 3, "width": 32, "middleBlkNum": 1,
 *                                "encBlkNums": [1,1,1,4], "decBlkNums": [1,1,1,1] } },
 *                  | { "kind": "unet", "config": { "inNc": 3, "outNc": 3, "nf": 64, "depth": 4, "chMult"?: [...] } }
 *       "sde": { "kind": "irsde", "maxSigma": 50, "T": 100, "schedule": "cosine", "eps": 0.005 },   (kind optional, default irsde)
 *              (optional "prediction": "noise" (default) | "x0": the network outputs x̂₀ − μ, src/sde/prediction.ts)
 *       "valueRange": [0, 1],                                       (the network's pixel range; [-1, 1] also works)
 *       "scale": 4,                                                 (optional, default 1: a super-resolution model; the
 *                                                                    input is upsampled ×scale with MATLAB bicubic to
 *                                                                    make μ, and the output is scale× larger)
 *       "training": { ... free-form: data, iterations, optimiser, seed, commit ... },
 *       "sampler": { "mode": "posterior", "steps": 20 },            (recommended sampler and steps)
 *       "tile": { "size": 256, "overlap": 32 },                     (optional: default tiling)
 *       "metrics": [ { "dataset": "CBSD68 σ25", "psnr": 30.1, "ssim": 0.85, "sampler": "posterior", "steps": 20 } ]   (optional)
 *     }
 *
 * For a Denoising-SDE model ("sde.kind": "denoising") the sampler mode is "ode" or "sde"; the noise level σ
 * of the input picks the start step t* (the reverse steps run from t* to 0) and "steps" caps the number of
 * steps (a strided grid when t* is larger). "sampler.noiseLevel" (σ in 8-bit units) fixes σ for a model trained
 * at one level; without it σ is estimated from each image.
 */
import { IrsdeError } from '../common/errors.js';
import { isModelName } from '../common/names.js';
import type { NAFNetConfig } from '../nn/nafnet.js';
import type { UNetConfig } from '../nn/unet.js';
import { PREDICTIONS, type Prediction } from '../sde/prediction.js';

export const MODEL_CONFIG_FORMAT = 'irsde-model';

export type ModelNetwork =
  | { kind: 'nafnet'; conditional?: boolean; padding?: ModelPadding; config: NAFNetConfig }
  | { kind: 'unet'; conditional?: boolean; padding?: ModelPadding; config: UNetConfig };

/**
 * How an image is padded up to the network's size multiple before a restore: the reference's own ('zeros' for
 * NAFNet, 'reflect' for the U-Net) unless the config says otherwise. Reflecting keeps the border rows of sizes
 * that are not a multiple cleaner (denoise-color, CBSD68 σ 25: +0.05 dB).
 */
export type ModelPadding = 'zeros' | 'reflect';

export interface ModelSDE {
  kind?: 'irsde' | 'denoising';
  maxSigma: number;
  T: number;
  schedule: 'cosine' | 'linear' | 'constant';
  eps: number;
  /** What the network outputs: ε ('noise', default) or x̂₀ − μ ('x0'); see src/sde/prediction.ts. */
  prediction?: Prediction;
}

export interface ModelMetric {
  dataset: string;
  psnr: number;
  ssim: number;
  sampler?: string;
  steps?: number;
  [k: string]: unknown;
}

export interface ModelConfig {
  format?: typeof MODEL_CONFIG_FORMAT;
  version?: 1;
  name: string;
  task: string;
  description: string;
  default?: boolean;
  network: ModelNetwork;
  sde: ModelSDE;
  valueRange: [number, number];
  /** Super-resolution factor (absent = 1): μ = MATLAB bicubic ×scale of the input. */
  scale?: number;
  training: Record<string, unknown>;
  sampler: { mode: 'posterior' | 'sde' | 'ode'; steps: number; noiseLevel?: number };
  tile?: { size: number; overlap: number };
  metrics?: ModelMetric[];
}

type Obj = Record<string, unknown>;

class Checker {
  constructor(private readonly file: string) {}

  fail(path: string, want: string, got: unknown): never {
    const shown = got === undefined ? 'nothing' : JSON.stringify(got)?.slice(0, 60) ?? String(got);
    throw new IrsdeError('bad-model', `${this.file}: "${path}" must be ${want}, got ${shown}`, {
      file: this.file, hint: 'see src/restore/config.ts for the config.json format',
    });
  }

  obj(v: unknown, path: string): Obj {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, 'an object', v);
    return v as Obj;
  }

  str(o: Obj, key: string, path: string, nonEmpty = true): string {
    const v = o[key];
    if (typeof v !== 'string' || (nonEmpty && v.trim() === '')) this.fail(path, 'a non-empty string', v);
    return v as string;
  }

  int(o: Obj, key: string, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) this.fail(path, `an integer from ${min} to ${max}`, v);
    return v as number;
  }

  num(o: Obj, key: string, path: string, ok: (x: number) => boolean, want: string): number {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) this.fail(path, want, v);
    return v as number;
  }

  oneOf<T extends string>(o: Obj, key: string, path: string, values: readonly T[]): T {
    const v = o[key];
    if (typeof v !== 'string' || !values.includes(v as T)) this.fail(path, `one of ${values.map((x) => `"${x}"`).join(', ')}`, v);
    return v as T;
  }

  intList(o: Obj, key: string, path: string, min: number, minLen: number): number[] {
    const v = o[key];
    if (!Array.isArray(v) || v.length < minLen || !v.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= min)) {
      this.fail(path, `a list of at least ${minLen} integers ≥ ${min}`, v);
    }
    return [...(v as number[])];
  }

  bool(o: Obj, key: string, path: string): boolean | undefined {
    const v = o[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') this.fail(path, 'true or false', v);
    return v as boolean;
  }
}

/**
 * Validate a parsed config.json. Errors name the file and the field (`models/x/config.json: "sde.T" must be
 * an integer from 1 to 100000, got "100"`). Returns a clean copy (unknown top-level keys are dropped).
 */
export function validateModelConfig(raw: unknown, file = 'config.json'): ModelConfig {
  const c = new Checker(file);
  const o = c.obj(raw, '(top level)');
  if (o.format !== undefined && o.format !== MODEL_CONFIG_FORMAT) c.fail('format', `"${MODEL_CONFIG_FORMAT}"`, o.format);
  if (o.version !== undefined && o.version !== 1) c.fail('version', '1 (this irsde reads version 1 model configs)', o.version);
  const name = c.str(o, 'name', 'name');
  if (!isModelName(name)) c.fail('name', 'letters, digits, ".", "_" or "-" (a folder name)', name);
  const task = c.str(o, 'task', 'task');
  const description = typeof o.description === 'string' ? o.description : c.fail('description', 'a string', o.description);
  const isDefault = c.bool(o, 'default', 'default');

  const n = c.obj(o.network, 'network');
  const kind = c.oneOf(n, 'kind', 'network.kind', ['nafnet', 'unet'] as const);
  const conditional = c.bool(n, 'conditional', 'network.conditional');
  const nc = c.obj(n.config, 'network.config');
  let network: ModelNetwork;
  if (kind === 'nafnet') {
    const imgChannel = c.int(nc, 'imgChannel', 'network.config.imgChannel', 3, 3);
    // The sinusoidal time embedding has width/2 sin and cos pairs and needs at least two of them.
    const width = c.int(nc, 'width', 'network.config.width', 4, 4096);
    if (width % 2) c.fail('network.config.width', 'an even integer', width);
    const middleBlkNum = c.int(nc, 'middleBlkNum', 'network.config.middleBlkNum', 0, 1000);
    const encBlkNums = c.intList(nc, 'encBlkNums', 'network.config.encBlkNums', 0, 1);
    const decBlkNums = c.intList(nc, 'decBlkNums', 'network.config.decBlkNums', 0, 1);
    if (decBlkNums.length !== encBlkNums.length) c.fail('network.config.decBlkNums', `a list of ${encBlkNums.length} integers (as many levels as encBlkNums)`, decBlkNums);
    if (nc.globalSkip !== undefined) c.fail('network.config.globalSkip', 'absent (latent networks are not supported for restoration)', nc.globalSkip);
    network = { kind, config: { imgChannel, width, middleBlkNum, encBlkNums, decBlkNums } };
  } else {
    const inNc = c.int(nc, 'inNc', 'network.config.inNc', 3, 3);
    const outNc = c.int(nc, 'outNc', 'network.config.outNc', 3, 3);
    const nf = c.int(nc, 'nf', 'network.config.nf', 4, 4096);
    if (nf % 2) c.fail('network.config.nf', 'an even integer (the time embedding has nf/2 sin and cos pairs)', nf);
    const depth = c.int(nc, 'depth', 'network.config.depth', 1, 10);
    const cfg: UNetConfig = { inNc, outNc, nf, depth };
    if (nc.chMult !== undefined) {
      cfg.chMult = c.intList(nc, 'chMult', 'network.config.chMult', 1, 1);
      if (cfg.chMult.length !== depth) c.fail('network.config.chMult', `a list of ${depth} integers (= depth)`, cfg.chMult);
    }
    network = { kind, config: cfg };
  }
  if (conditional !== undefined) network.conditional = conditional;
  if (n.padding !== undefined) network.padding = c.oneOf(n, 'padding', 'network.padding', ['zeros', 'reflect'] as const);

  const s = c.obj(o.sde, 'sde');
  const sdeKind = s.kind === undefined ? undefined : c.oneOf(s, 'kind', 'sde.kind', ['irsde', 'denoising'] as const);
  const sde: ModelSDE = {
    maxSigma: c.num(s, 'maxSigma', 'sde.maxSigma', (x) => x > 0 && x <= 255, 'a number in (0, 255]'),
    T: c.int(s, 'T', 'sde.T', 1, 100_000),
    schedule: c.oneOf(s, 'schedule', 'sde.schedule', ['cosine', 'linear', 'constant'] as const),
    eps: c.num(s, 'eps', 'sde.eps', (x) => x > 0 && x < 1, 'a number in (0, 1)'),
  };
  if (sdeKind) sde.kind = sdeKind;
  if (s.prediction !== undefined) {
    sde.prediction = c.oneOf(s, 'prediction', 'sde.prediction', PREDICTIONS);
    if (sdeKind === 'denoising' && sde.prediction !== 'noise') c.fail('sde.prediction', '"noise" for a denoising SDE', sde.prediction);
  }
  if (sdeKind === 'denoising' && sde.schedule === 'constant') c.fail('sde.schedule', '"cosine" or "linear" for a denoising SDE', sde.schedule);

  const vr = o.valueRange as [number, number];
  if (!Array.isArray(vr) || vr.length !== 2 || !vr.every((x) => typeof x === 'number' && Number.isFinite(x)) || !(vr[0] < vr[1])) {
    c.fail('valueRange', 'a pair [lo, hi] with lo < hi, e.g. [0, 1]', vr);
  }
  const training = o.training === undefined ? {} : c.obj(o.training, 'training');
  const scale = o.scale === undefined ? undefined : c.int(o, 'scale', 'scale', 1, 16);

  const sm = c.obj(o.sampler, 'sampler');
  const modes = sdeKind === 'denoising' ? (['ode', 'sde'] as const) : (['posterior', 'sde', 'ode'] as const);
  const sampler: ModelConfig['sampler'] = {
    mode: c.oneOf(sm, 'mode', 'sampler.mode', modes),
    steps: c.int(sm, 'steps', 'sampler.steps', 1, sde.T),
  };
  if (sm.noiseLevel !== undefined) sampler.noiseLevel = c.num(sm, 'noiseLevel', 'sampler.noiseLevel', (x) => x >= 0 && x <= 255, 'a number in [0, 255]');

  const config: ModelConfig = {
    ...(o.format !== undefined ? { format: MODEL_CONFIG_FORMAT } : {}),
    ...(o.version !== undefined ? { version: 1 as const } : {}),
    name, task, description, ...(isDefault !== undefined ? { default: isDefault } : {}),
    network, sde, valueRange: [vr[0], vr[1]], ...(scale !== undefined && scale > 1 ? { scale } : {}), training, sampler,
  };
  if (o.tile !== undefined) {
    const t = c.obj(o.tile, 'tile');
    const size = c.int(t, 'size', 'tile.size', 8, 8192);
    const overlap = c.int(t, 'overlap', 'tile.overlap', 0, Math.floor(size / 2));
    config.tile = { size, overlap };
  }
  if (o.metrics !== undefined) {
    if (!Array.isArray(o.metrics)) c.fail('metrics', 'a list of { dataset, psnr, ssim }', o.metrics);
    config.metrics = (o.metrics as unknown[]).map((m, i) => {
      const mo = c.obj(m, `metrics[${i}]`);
      const out: ModelMetric = {
        ...mo,
        dataset: c.str(mo, 'dataset', `metrics[${i}].dataset`),
        psnr: c.num(mo, 'psnr', `metrics[${i}].psnr`, () => true, 'a number (dB)'),
        ssim: c.num(mo, 'ssim', `metrics[${i}].ssim`, (x) => x >= -1 && x <= 1, 'a number in [-1, 1]'),
      };
      return out;
    });
  }
  return config;
}

export { canonicalTask } from '../common/tasks.js';
