/**
 * The IR-SDE trainer: builds the training graph once (graph.ts), then per step
 *   batch(step) from the data pipeline (data.ts; a worker thread prefetches while ORT runs) →
 *   one ORT run (loss + every gradient) → optimiser step at the scheduled lr → EMA update →
 *   a JSON line in <out>/log.jsonl every `logEvery` steps and a progress event every step;
 * validation every `valEvery` steps (EMA weights baked into an inference Program, reduced-step sampling of a
 * few held-out images, PSNR of the output and of the degraded input); checkpoints every `checkpointEvery`
 * steps, at the end, and when `signal` aborts (after the current step); and, when the run completes, the
 * EMA weights as <out>/model.safetensors with <out>/config.json (the model-registry format).
 *
 * Resume (`resume: true`) continues bit-for-bit: weights, EMA, optimiser moments and counts come from the
 * checkpoint, the lr schedule is a function of the step, and every batch (images, crops, flips, degradation
 * noise, t, ε) is a function of (seed, step).
 */
import { planarToImage } from '../image/convert.js';
import { readdir, readFile, rm, rmdir, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { appendFileChecked, makeDir, writeFileAtomic } from '../common/atomic.js';
import { IrsdeError, isIrsdeError } from '../common/errors.js';
import { shortTaskName } from '../common/tasks.js';
import { isModelName } from '../common/names.js';
import type { EventSink, IrsdeEvent } from '../common/events.js';
import { Graph } from '../graph/tensor.js';
import { Scope, initParams } from '../nn/scope.js';
import { nafnetPadding } from '../nn/nafnet.js';
import { unetPadding } from '../nn/unet.js';
import { runPadded } from '../nn/padding.js';
import { getBackend, type Backend, type BackendName } from '../runtime/backend.js';
import { Program } from '../runtime/program.js';
import { TrainingProgram } from '../runtime/training.js';
import { Rng } from '../runtime/rng.js';
import { AdamW, Adam, Lion, type Optimizer } from '../runtime/optim.js';
import { cosineLR, multiStepLR, constantLR, type LRSchedule } from '../runtime/schedule.js';
import { EMA } from '../runtime/ema.js';
import type { ParamStore } from '../runtime/params.js';
import { readSafetensorsFile, writeSafetensorsFile } from '../runtime/safetensors-node.js';
import { createSDE } from '../sde/configs.js';
import { MeanRevertingSDE } from '../sde/sde.js';
import { DenoisingSDE, denoise } from '../sde/denoising.js';
import { samplePosterior, sampleReducedSteps, sample, stridedTimesteps } from '../sde/samplers.js';
import type { NoiseNetwork } from '../sde/types.js';
import { asNoiseNetwork, MIN_NOISE_POSTERIOR_STEPS } from '../sde/prediction.js';
import { psnr } from '../metrics/metrics.js';
import { resolveConfig, resumeChange, valSigma, networkChannels, type TrainConfig } from './config.js';
import { batchSpecFor, loadValImages, openBatchSource, type ValImage, type BatchSource } from './data.js';
import { buildNetwork, buildTrainingGraph, coefficientTables, stepFeeds } from './graph.js';
import { hasCheckpoint, readCheckpoint, writeCheckpoint, ckptDir, type TrainState } from './checkpoint.js';

export interface TrainOptions {
  onEvent?: EventSink;
  /** Abort: the current step finishes, a checkpoint is written, and `train` returns with `interrupted`. */
  signal?: AbortSignal;
  /** Continue from `<outDir>/ckpt/latest.json`. */
  resume?: boolean;
  /** Start a new run in an output folder that holds other files (never one that holds a run's checkpoints). */
  force?: boolean;
  backend?: BackendName;
}

export interface ValResult {
  step: number;
  /** Mean PSNR (dB, RGB, uint8-rounded) of the restored images and of the degraded inputs. */
  psnr: number;
  psnrInput: number;
  images: { name: string; psnr: number; psnrInput: number }[];
  ms: number;
}

export interface TrainResult {
  outDir: string;
  /** The step the session started from (0 for a fresh run) and the last step done. */
  startStep: number;
  endStep: number;
  completed: boolean;
  interrupted: boolean;
  /** Loss of each step done in this session (steps startStep+1 … endStep). */
  losses: number[];
  /** Means over this session's steps: whole step, time waiting for the batch, the ORT run, optimiser + EMA. */
  msPerStep: number;
  dataWaitMs: number;
  runMs: number;
  optimMs: number;
  /** Steps whose batch was not ready when the step asked for it (waited > 1 ms). */
  stalledSteps: number;
  dataMode: 'inline' | 'worker';
  params: number;
  val: ValResult[];
  /** latest.json of the last checkpoint written (null if none). */
  checkpoint: string | null;
  /** <out>/model.safetensors when the run completed. */
  model: string | null;
}

/**
 * Copy `init` (a model or run folder holding model.safetensors, or a .safetensors file) into `params`:
 * every parameter must be there with its shape, nothing extra. Returns the file read.
 */
async function loadInitialWeights(init: string, params: ParamStore): Promise<string> {
  let file = init;
  try {
    if ((await stat(init)).isDirectory()) file = join(init, 'model.safetensors');
  } catch {
    throw new IrsdeError('file-not-found', `init: ${init} does not exist`, { file: init, hint: 'give a model folder (models/<name>), a run folder or a .safetensors file' });
  }
  if (file !== init && !existsSync(file) && existsSync(join(ckptDir(init), 'latest.json'))) {
    const latest = JSON.parse(await readFile(join(ckptDir(init), 'latest.json'), 'utf8').catch(() => '{}')) as { files?: { ema?: string } };
    throw new IrsdeError('file-not-found', `init: ${init} is a training run that has not finished (no model.safetensors yet)`, {
      file, hint: latest.files?.ema ? `start from its latest checkpoint's EMA weights: --init ${join(ckptDir(init), latest.files.ema)}` : `finish it first with --resume ${init}`,
    });
  }
  let dec;
  try {
    dec = await readSafetensorsFile(file, { toFloat32: true });
  } catch (e) {
    if (isIrsdeError(e)) throw new IrsdeError(e.code, `init: ${e.message}`, { file, hint: e.hint });
    throw new IrsdeError('bad-model', `init: cannot read ${file}: ${(e as Error).message}`, { file });
  }
  try {
    params.load(dec);
  } catch (e) {
    if (isIrsdeError(e)) throw new IrsdeError('bad-model', `init: ${file} does not fit this network: ${e.message}`, { file, hint: 'the initial weights must come from the same network configuration' });
    throw e;
  }
  return file;
}

function makeOptimizer(c: TrainConfig, params: ParamStore): Optimizer {
  const o = c.optim;
  const betas = [o.betas[0], o.betas[1]] as const;
  switch (o.type) {
    case 'adamw': return new AdamW(params, { lr: o.lr, betas, eps: o.eps, weightDecay: o.weightDecay });
    case 'adam': return new Adam(params, { lr: o.lr, betas, eps: o.eps, weightDecay: o.weightDecay });
    case 'lion': return new Lion(params, { lr: o.lr, betas, weightDecay: o.weightDecay });
  }
}

function makeSchedule(c: TrainConfig): LRSchedule {
  const s = c.schedule;
  switch (s.type) {
    case 'cosine': return cosineLR({ baseLr: c.optim.lr, totalSteps: c.steps, warmupSteps: s.warmup, minLr: s.etaMin });
    case 'multistep': return multiStepLR({ baseLr: c.optim.lr, milestones: s.milestones, gamma: s.gamma });
    case 'constant': return constantLR(c.optim.lr);
  }
}

const now = (): number => performance.now();

/**
 * Restore the validation images with a noise network and score them (PSNR, RGB, uint8-rounded): the
 * configured sampler (strided posterior, reduced-schedule SDE/ODE, or the Denoising-SDE ODE from t*) with
 * a fixed seed. Cropped images run as one batch; whole images (crop 0) one at a time, padded for the network.
 */
export async function restoreValImages(c: TrainConfig, sde: MeanRevertingSDE | DenoisingSDE, net: NoiseNetwork, images: ValImage[]): Promise<ValResult['images']> {
  const rng = new Rng(c.val.seed).fork('val/sample');
  const groups: ValImage[][] = c.val.crop > 0 ? [images] : images.map((im) => [im]);
  const scores: ValResult['images'] = [];
  for (const grp of groups) {
    const { width: W, height: H } = grp[0]!;
    const per = 3 * W * H;
    const muAll = new Float32Array(grp.length * per);
    grp.forEach((im, i) => muAll.set(im.lq, i * per));
    const shape = [grp.length, 3, H, W];
    let x: Float32Array;
    if (sde instanceof DenoisingSDE) {
      x = await denoise(net, sde, muAll, rng, { shape, mode: c.val.sampler === 'sde' ? 'sde' : 'ode', noiseLevel: valSigma(c), steps: c.val.steps });
    } else if (c.val.sampler === 'posterior') {
      x = await samplePosterior(net, sde, muAll, rng, { shape, timesteps: stridedTimesteps(sde.T, c.val.steps) });
    } else if (c.val.steps === sde.T) {
      x = await sample(net, sde, muAll, rng, { shape, mode: c.val.sampler });
    } else {
      x = await sampleReducedSteps(net, sde, muAll, rng, { shape, mode: c.val.sampler, steps: c.val.steps });
    }
    grp.forEach((im, i) => {
      const gt = planarToImage(im.gt, W, H);
      scores.push({ name: im.name, psnr: psnr(planarToImage(x, W, H, i * per), gt), psnrInput: psnr(planarToImage(im.lq, W, H), gt) });
    });
  }
  return scores;
}

/** Validation with the EMA weights baked into an inference Program (compiled per validation). */
async function validate(c: TrainConfig, backend: Backend, sde: MeanRevertingSDE | DenoisingSDE, ema: EMA, images: ValImage[], step: number, threads: number | undefined): Promise<ValResult> {
  const t0 = now();
  const g = new Graph();
  const s = new Scope(g);
  const C = networkChannels(c.network);
  const xt = g.input('xt', ['B', C, 'H', 'W']), mu = g.input('mu', ['B', C, 'H', 'W']), t = g.input('t', ['B']);
  const out = buildNetwork(s, xt, mu, t, c.network);
  const prog = await Program.compile(backend, g, { eps: out }, { bake: new Map(ema.shadow), threads, name: 'val' });
  const pad = c.network.type === 'nafnet' ? nafnetPadding(c.network) : unetPadding(c.network);
  const net: NoiseNetwork = async (x, m, time, shape) => {
    const B = shape[0]!;
    const feeds = {
      xt: { data: x, dims: shape, dtype: 'float32' as const },
      mu: { data: m, dims: shape, dtype: 'float32' as const },
      t: { data: new Float32Array(B).fill(time), dims: [B], dtype: 'float32' as const },
    };
    const r = c.val.crop > 0 ? await prog.run(feeds) : await runPadded(prog, feeds, { ...pad, images: ['xt', 'mu'], crop: ['eps'] });
    return r.eps!.data as Float32Array;
  };
  let scores: ValResult['images'];
  try {
    scores = await restoreValImages(c, sde, asNoiseNetwork(net, sde, c.sde.prediction), images);
  } finally {
    await prog.release();
  }
  const mean = (k: 'psnr' | 'psnrInput') => scores.reduce((a, s) => a + s[k], 0) / scores.length;
  return { step, psnr: mean('psnr'), psnrInput: mean('psnrInput'), images: scores, ms: now() - t0 };
}

/** The SDE part of a model config: `prediction` only when it is not the reference's noise (older readers). */
function modelSde(sde: TrainConfig['sde']): Record<string, unknown> {
  const { prediction, ...rest } = sde;
  return prediction === 'noise' ? rest : { ...rest, prediction };
}

/** A path relative to the working directory when inside it (model cards should not carry this machine's paths). */
function initLabel(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/**
 * The model-registry entry written next to model.safetensors: the `config.json` contract of
 * src/restore/config.ts (network kind/config, SDE, value range, recommended sampler; training details free-form).
 */
export function modelCard(c: TrainConfig, step: number, lastLoss: number | null, lastVal: ValResult | null): Record<string, unknown> {
  let sampler: Record<string, unknown>;
  if (c.sde.kind === 'denoising') {
    // trained over every σ̄_t, so σ is not fixed: restore estimates it per image (or takes the caller's)
    sampler = { mode: c.val.sampler === 'sde' ? 'sde' : 'ode', steps: c.val.steps };
  } else {
    sampler = { mode: c.val.sampler, steps: c.val.steps };
  }
  const { type, conditional, ...config } = c.network;
  return {
    format: 'irsde-model',
    version: 1,
    name: c.name,
    task: c.task,
    description: c.description,
    network: { kind: type, conditional, config },
    sde: modelSde(c.sde),
    valueRange: [0, 1],
    ...(c.data.degradation.kind === 'bicubic-sr' ? { scale: c.data.degradation.scale } : {}),
    sampler,
    training: {
      weights: 'EMA',
      steps: step,
      data: c.data,
      loss: c.loss,
      optim: c.optim,
      schedule: c.schedule,
      ema: c.ema,
      seed: c.seed,
      // fine-tuned: where the initial weights came from (relative to the working directory when inside it)
      ...(c.init !== null ? { init: initLabel(c.init) } : {}),
      finalLoss: lastLoss,
      validation: lastVal ? { step: lastVal.step, psnr: lastVal.psnr, psnrInput: lastVal.psnrInput, images: lastVal.images.length, data: c.val.data, ...(c.val.degradation ? { degradation: c.val.degradation } : {}), crop: c.val.crop, sampler: c.val.sampler, steps: c.val.steps } : null,
    },
  };
}

/**
 * A first MODEL_CARD.md for a finished run: what was trained, on what, for how long, and the last validation.
 * The shipped models' cards add measured evaluations (`irsde eval`); this one says to do so.
 */
export function modelCardMarkdown(c: TrainConfig, card: Record<string, unknown>, params: number, elapsedMs: number, modelPath: string = c.name): string {
  const n = c.network;
  const net = n.type === 'nafnet'
    ? `ConditionalNAFNet, width ${n.width}, encoders [${n.encBlkNums.join(', ')}], middle ${n.middleBlkNum}, decoders [${n.decBlkNums.join(', ')}]`
    : `ConditionalUNet, nf ${n.nf}, depth ${n.depth}`;
  const src = c.data.train;
  const data = src.kind === 'clean' ? src.dirs.join(', ') : src.kind === 'paired' ? `${src.lq} → ${src.gt}` : src.name;
  const deg = c.data.degradation;
  const val = (card.training as { validation: { step: number; psnr: number; psnrInput: number; images: number; sampler: string; steps: number } | null }).validation;
  const finalLoss = (card.training as { finalLoss: number | null }).finalLoss;
  const steps = (k: number): string => `${k} step${k === 1 ? '' : 's'}`;
  const evalTask = shortTaskName(c.task) ?? '<task>';
  const init = (card.training as { init?: string }).init;
  return [
    `# ${c.name}`,
    '',
    c.description || `A ${c.task} model trained with \`irsde train\`.`,
    ...(c.description ? ['', '(The description is the training config\'s; the settings this run used are listed below and win where they differ, e.g. after `--set`.)'] : []),
    '',
    '| | |',
    '|---|---|',
    `| task | ${c.task} |`,
    `| network | ${net} — ${params.toLocaleString('en-US')} parameters |`,
    `| SDE | ${c.sde.kind === 'denoising' ? 'Denoising-SDE' : 'IR-SDE'}, maxSigma ${c.sde.maxSigma}, T = ${c.sde.T}, ${c.sde.schedule} schedule; the network predicts ${c.sde.prediction === 'x0' ? 'x̂₀ − μ' : c.sde.prediction} |`,
    `| sampler | ${(card.sampler as { mode: string; steps: number }).mode}, ${steps((card.sampler as { steps: number }).steps)} by default |`,
    `| weights | EMA (${c.ema.decay} every ${c.ema.every} steps), \`model.safetensors\` |`,
    '',
    '## Training',
    '',
    ...(init ? [`- Fine-tuned from \`${init}\` (its weights were the starting point).`] : []),
    `- Data: ${data}${src.kind === 'clean' ? `, degraded on the fly (${deg.kind}${JSON.stringify({ ...deg, kind: undefined }).replace(/^\{\}$/, '')})` : ''}; ${c.data.patch}×${c.data.patch} patches, batch ${c.data.batch}, seed ${c.seed}.`,
    `- ${c.loss.type.toUpperCase()} matching loss, ${c.optim.type} (lr ${c.optim.lr}, ${c.schedule.type} schedule), ${c.steps} steps in ${elapsedMs < 60000 ? `${(elapsedMs / 1000).toFixed(0)} s` : `${(elapsedMs / 60000).toFixed(1)} minutes`}; final loss ${finalLoss === null ? 'n/a' : finalLoss.toPrecision(4)}.`,
    val ? `- Validation at step ${val.step}: ${val.psnr.toFixed(2)} dB PSNR (input ${val.psnrInput.toFixed(2)} dB) on ${val.images} image${val.images === 1 ? '' : 's'}, ${val.sampler} sampler, ${steps(val.steps)}.` : '- No validation was configured.',
    '- Full configuration: `config.json` (model) and `train-config.json` (training); per-step log: `log.jsonl`.',
    '',
    '## Measured',
    '',
    `Not yet: score it with \`irsde eval --task ${evalTask} --data <set> --model ${modelPath}\` (or \`--pred/--gt\`) and record the numbers here.`,
    '',
  ].join('\n');
}

export async function train(c: TrainConfig, opts: TrainOptions = {}): Promise<TrainResult> {
  const emit = (e: IrsdeEvent): void => opts.onEvent?.(e);
  const outDir = resolve(c.outDir);
  const logPath = join(outDir, 'log.jsonl');
  const threads = c.threads > 0 ? c.threads : undefined;
  const sde = createSDE(c.sde);
  const tab = coefficientTables(sde);

  // The finished model recommends the validation's sampler settings (config.json "sampler"): say when those are
  // known to come out worse than the input.
  if (c.sde.kind === 'irsde' && c.sde.prediction === 'noise' && c.val.sampler === 'posterior' && c.val.steps < MIN_NOISE_POSTERIOR_STEPS) {
    emit({ type: 'warning', message: `val.steps = ${c.val.steps}: a noise-predicting model does worse than its input below ~${MIN_NOISE_POSTERIOR_STEPS} posterior steps, so the validation PSNR will be low and the model will recommend ${c.val.steps} step${c.val.steps === 1 ? '' : 's'} to restore (set val.steps to 10 or more)` });
  }
  // Data (listing + validation images on this thread; batches in the worker).
  const { spec, warnings } = await batchSpecFor(c);
  for (const w of warnings) emit({ type: 'warning', message: w });
  let valImages: ValImage[] = [];
  if (c.val.data && c.valEvery > 0) {
    const v = await loadValImages(c.val.data, { count: c.val.count, crop: c.val.crop, sigma: valSigma(c), seed: c.val.seed, degradation: c.val.degradation ?? c.data.degradation });
    for (const w of v.warnings) emit({ type: 'warning', message: w });
    valImages = v.images;
  }

  // Model, optimiser, EMA, schedule.
  const tg = buildTrainingGraph(c.network, { batch: c.data.batch, patch: c.data.patch, lossType: c.loss.type, lossWeight: c.loss.weight, prediction: c.sde.prediction });
  const params = initParams(tg.specs, new Rng(c.seed).fork('init'));
  // What this new run creates (the folder, its log and config): a run stopped before its first step removes them.
  let madeOutDir = false;
  let madeFiles: string[] = [];
  if (!opts.resume) {
    // The finished model is registered under its folder's name (`irsde models`, restore --model): it must be one.
    if (!isModelName(basename(outDir))) {
      throw new IrsdeError('bad-option', `--out ${c.outDir}: the folder name "${basename(outDir)}" becomes the model's name and may hold only letters, digits, ".", "_" and "-"`, { hint: 'choose another --out folder name' });
    }
    if (await hasCheckpoint(outDir)) {
      throw new IrsdeError('run-exists', `${outDir} already holds a training run (${join(ckptDir(outDir), 'latest.json')})`, { hint: `continue it with --resume ${c.outDir}, or choose another --out` });
    }
    // A folder with other files (a model folder, say) would get its model.safetensors and config.json replaced.
    // (A run that stopped before its first step left only its own log and config: those may be replaced.)
    const present = (await readdir(outDir).catch(() => [] as string[])).filter((f) => f !== 'log.jsonl' && f !== 'train-config.json');
    if (present.length > 0 && !opts.force) {
      throw new IrsdeError('exists', `${outDir} is not empty (${present.slice(0, 3).join(', ')}${present.length > 3 ? ', …' : ''}): a new run would overwrite its files`, { hint: 'choose another --out, or add --force to write into it anyway' });
    }
    // Fine-tuning: the initial weights replace the random ones before the optimiser and EMA copy them.
    if (c.init !== null) emit({ type: 'info', message: `initial weights from ${await loadInitialWeights(c.init, params)}` });
  }
  const optim = makeOptimizer(c, params);
  const ema = new EMA(params, { decay: c.ema.decay, every: c.ema.every, updateAfterStep: c.ema.updateAfterStep, power: c.ema.power });
  const schedule = makeSchedule(c);

  let startStep = 0;
  let elapsedBefore = 0;
  let resumedLoss: number | null = null;
  let resumedVal: ValResult | null = null;
  // Sums of the steps since the last log line, kept in checkpoints so a resumed run logs the same averages.
  let logWindow = { loss: 0, ms: 0, wait: 0, run: 0, opt: 0, n: 0 };
  if (opts.resume) {
    const ck = await readCheckpoint(outDir);
    // The stored config, resolved as the run resolves it now (defaults of settings added since), against this one.
    const diff = resumeChange(resolveConfig(ck.state.config as unknown as Record<string, unknown>, { outDir: c.outDir }), c);
    if (diff) {
      throw new IrsdeError('resume-mismatch', `cannot resume: "${diff}" differs from the checkpoint's config (the run would no longer continue as it started)`, {
        hint: 'steps, the schedule and lr, logging, validation and checkpoint settings may change; for anything else start a new run (--init <run> to start from its weights)',
      });
    }
    // A run that reached its last step but whose model was not written (the write failed) is finished here. The
    // model is written after the last checkpoint, so one older than it (or missing) is not this run's.
    const mtime = async (f: string): Promise<number> => (await stat(f).catch(() => null))?.mtimeMs ?? -1;
    const latestTime = await mtime(join(ckptDir(outDir), 'latest.json'));
    const unwritten = ck.latest.step === c.steps
      && ((await mtime(join(outDir, 'model.safetensors'))) < latestTime || (await mtime(join(outDir, 'config.json'))) < latestTime);
    // Nothing to continue: refuse before anything in the folder is rewritten (the final model, its card and the
    // log stay as the finished run left them).
    if (ck.latest.step >= c.steps && !unwritten) {
      throw new IrsdeError('bad-option', ck.latest.step === c.steps
        ? `${outDir} is a finished run (step ${ck.latest.step} of ${c.steps}): nothing to resume`
        : `${outDir} is at step ${ck.latest.step}, past the requested ${c.steps} steps`, { hint: `to train further, resume with --steps N for some N > ${ck.latest.step}` });
    }
    params.load(ck.model);
    ema.loadState(ck.ema);
    optim.loadState(ck.optim);
    startStep = ck.latest.step;
    elapsedBefore = ck.state.elapsedMs;
    resumedLoss = ck.state.lastLoss ?? null;
    if (ck.state.logWindow) logWindow = ck.state.logWindow;
    if (ck.state.trainFiles !== undefined && ck.state.trainFiles !== spec.fingerprint) {
      emit({ type: 'warning', message: `the training images changed since the checkpoint (${ck.state.trainFiles} then, ${spec.fingerprint} now): batches will differ from an uninterrupted run` });
    }
    // Drop log lines past the checkpoint (steps that will be redone); the last validation kept is the model card's.
    try {
      const keep: string[] = [];
      for (const l of (await readFile(logPath, 'utf8')).split('\n')) {
        let e: { type?: string; step?: number } & Partial<ValResult>;
        try { e = JSON.parse(l) as typeof e; } catch { continue; } // blank or cut-off line
        if ((e.step ?? 0) > startStep) continue;
        keep.push(l);
        if (e.type === 'val') resumedVal = { step: e.step!, psnr: e.psnr!, psnrInput: e.psnrInput!, images: e.images!, ms: e.ms! };
      }
      await writeFileAtomic(logPath, keep.map((l) => l + '\n').join(''));
    } catch { /* no log yet */ }
    emit({ type: 'info', message: `resuming ${outDir} from step ${startStep}`, step: startStep });
  } else {
    madeOutDir = !existsSync(outDir);
    await makeDir(outDir);
    madeFiles = [logPath, join(outDir, 'train-config.json')].filter((f) => !existsSync(f));
    await writeFileAtomic(logPath, '');
  }
  await writeFileAtomic(join(outDir, 'train-config.json'), JSON.stringify(c, null, 1) + '\n');

  const result: TrainResult = {
    outDir, startStep, endStep: startStep, completed: false, interrupted: false, losses: [], msPerStep: 0, dataWaitMs: 0, runMs: 0, optimMs: 0,
    stalledSteps: 0, dataMode: c.data.worker ? 'worker' : 'inline', params: params.count, val: [], checkpoint: null, model: null,
  };
  const backend = await getBackend(opts.backend ?? 'node');
  // Start the data pipeline first: the worker starts and builds the first batches while the graph compiles.
  const source: BatchSource = await openBatchSource(spec, { worker: c.data.worker, prefetch: c.data.prefetch, lastStep: c.steps });
  if (startStep < c.steps) source.start(startStep + 1);
  const tCompile = now();
  let prog: TrainingProgram | null = null;
  if (startStep < c.steps) {
    try {
      prog = await TrainingProgram.create(backend, tg.graph, tg.loss, params, { threads });
    } catch (e) {
      await source.close();
      throw e;
    }
    emit({ type: 'info', message: `training graph compiled in ${((now() - tCompile) / 1000).toFixed(1)} s; ${params.count} parameters; data ${result.dataMode}`, params: params.count });
  } else {
    emit({ type: 'info', message: `all ${c.steps} steps were done: writing the model from the last checkpoint` });
  }
  const sessionStart = now();
  let lastLoss: number | null = resumedLoss;
  let lastVal: ValResult | null = resumedVal;
  let lastSaved = -1;

  const stateAt = (step: number): TrainState => ({
    format: 'irsde-train-state', version: 1, step, config: c, elapsedMs: elapsedBefore + (now() - sessionStart),
    data: { seed: c.seed, nextStep: step + 1, streams: 'batch(step) = f(seed, step): data/perm, data/sample, train/step forks (src/train/data.ts)' },
    lastLoss, logWindow: { ...win }, trainFiles: spec.fingerprint,
  });
  const save = async (step: number): Promise<void> => {
    if (lastSaved === step) return;
    result.checkpoint = await writeCheckpoint(outDir, { params, ema, optim, state: stateAt(step) }, c.keepCheckpoints);
    lastSaved = step;
    await appendFileChecked(logPath, JSON.stringify({ type: 'checkpoint', step, path: result.checkpoint }) + '\n');
    emit({ type: 'info', message: `checkpoint at step ${step}`, step, path: result.checkpoint });
  };
  const runVal = async (step: number): Promise<void> => {
    const v = await validate(c, backend, sde, ema, valImages, step, threads);
    lastVal = v;
    result.val.push(v);
    await appendFileChecked(logPath, JSON.stringify({ type: 'val', ...v }) + '\n');
    emit({ type: 'result', stage: 'val', step, steps: c.steps, psnr: v.psnr, psnrInput: v.psnrInput, ms: v.ms, images: v.images });
  };

  const win = logWindow;
  try {
    const dims = [c.data.batch, 3, c.data.patch, c.data.patch];
    let sumMs = 0, sumWait = 0, sumRun = 0, sumOpt = 0;
    for (let step = startStep + 1; step <= c.steps; step++) {
      if (opts.signal?.aborted) break;
      const t0 = now();
      const batch = await source.get(step);
      const t1 = now();
      const r = await prog!.run(stepFeeds(tab, batch, dims, { clipStates: c.data.clipStates }));
      const t2 = now();
      if (!Number.isFinite(r.loss)) {
        throw new IrsdeError('nonfinite-loss', `the loss is ${r.loss} at step ${step}`, { hint: `lower optim.lr; the last checkpoint ${result.checkpoint ?? '(none)'} is unaffected` });
      }
      const lr = schedule(step - 1);
      optim.step(r.grads, lr);
      ema.update(step);
      const t3 = now();
      lastLoss = r.loss;
      result.losses.push(r.loss);
      result.endStep = step;
      const ms = t3 - t0, wait = t1 - t0;
      if (wait > 1) result.stalledSteps++;
      sumMs += ms; sumWait += wait; sumRun += t2 - t1; sumOpt += t3 - t2;
      win.loss += r.loss; win.ms += ms; win.wait += wait; win.run += t2 - t1; win.opt += t3 - t2; win.n++;
      emit({ type: 'progress', stage: 'train', step, steps: c.steps, loss: r.loss, lr, msPerStep: ms, dataWaitMs: wait });
      if (step % c.logEvery === 0 || step === c.steps) {
        const n = win.n;
        await appendFileChecked(logPath, JSON.stringify({
          type: 'train', step, loss: win.loss / n, lossLast: r.loss, lr, msPerStep: win.ms / n, dataWaitMs: win.wait / n,
          runMs: win.run / n, optimMs: win.opt / n, elapsedS: (elapsedBefore + now() - sessionStart) / 1000,
        }) + '\n');
        win.loss = win.ms = win.wait = win.run = win.opt = win.n = 0;
      }
      if (c.valEvery > 0 && valImages.length > 0 && (step % c.valEvery === 0 || step === c.steps)) await runVal(step);
      if (step % c.checkpointEvery === 0 || step === c.steps) await save(step);
    }
    const n = result.losses.length;
    if (n > 0) {
      result.msPerStep = sumMs / n; result.dataWaitMs = sumWait / n; result.runMs = sumRun / n; result.optimMs = sumOpt / n;
    }
    if (opts.signal?.aborted && result.endStep < c.steps) {
      result.interrupted = true;
      if (result.endStep > startStep) await save(result.endStep);
      else if (result.checkpoint || startStep > 0) emit({ type: 'info', message: 'stopped before a step was done: no new checkpoint' });
      else {
        // Nothing to resume: leave behind nothing this run created (files that were there before stay).
        for (const f of madeFiles) await rm(f, { force: true });
        const removed = madeOutDir && await rmdir(outDir).then(() => true, () => false);
        emit({ type: 'info', message: `stopped before a step was done: nothing to resume${removed ? `, ${c.outDir} removed` : ''}` });
      }
    } else if (result.endStep >= c.steps) {
      result.completed = true;
      const modelPath = join(outDir, 'model.safetensors');
      await writeSafetensorsFile(modelPath, ema.state({ copy: false }).tensors, {
        format: 'irsde-model', network: JSON.stringify(c.network), sde: JSON.stringify(c.sde), step: String(c.steps), weights: 'ema',
      });
      // The registry knows a model by its folder: a run written to --out elsewhere is named after that folder.
      const folder = basename(outDir);
      const named = isModelName(folder) ? { ...c, name: folder } : c;
      const card = modelCard(named, c.steps, lastLoss, lastVal);
      await writeFileAtomic(join(outDir, 'config.json'), JSON.stringify(card, null, 1) + '\n');
      await writeFileAtomic(join(outDir, 'MODEL_CARD.md'), modelCardMarkdown(named, card, params.count, elapsedBefore + (now() - sessionStart), initLabel(outDir)));
      result.model = modelPath;
    }
  } catch (e) {
    // A failure mid-run (an image that does not decode, a folder that became unwritable) keeps the steps done:
    // a checkpoint of the last completed step. Not for a non-finite loss, which would come back on resume.
    if (result.endStep > startStep && !(isIrsdeError(e) && e.code === 'nonfinite-loss')) {
      await save(result.endStep).then(() => emit({ type: 'info', message: `saved the steps done: --resume ${c.outDir} continues from step ${result.endStep}` }), () => {});
    }
    throw e;
  } finally {
    await source.close();
    await prog?.release();
  }
  emit({
    type: 'result', stage: 'train', step: result.endStep, steps: c.steps, completed: result.completed, interrupted: result.interrupted,
    msPerStep: result.msPerStep, dataWaitMs: result.dataWaitMs, runMs: result.runMs, optimMs: result.optimMs, stalledSteps: result.stalledSteps,
    loss: lastLoss ?? undefined, checkpoint: result.checkpoint, model: result.model, outDir,
  });
  return result;
}
