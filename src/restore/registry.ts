/**
 * The model registry (Node only): `models/<name>/` folders, each holding
 *
 *     config.json        the typed, validated `ModelConfig` below (the trainer writes it)
 *     model.safetensors  the network weights, named as the reference state dict (float32/16)
 *     MODEL_CARD.md      human-readable card with the measured PSNR/SSIM (`renderModelCard` drafts one)
 *
 * The models folder is `$IRSDE_MODELS_DIR`, else `<package root>/models` (found from this file's URL, so it
 * works from src/ through tsx and from dist/ alike); every function also takes an explicit `modelsDir`.
 * Every problem is an IrsdeError that names the file and the field and says how to fix it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IrsdeError, isIrsdeError } from '../common/errors.js';
import { ParamStore } from '../runtime/params.js';
import { readSafetensorsFile } from '../runtime/safetensors-node.js';
import { nafnetParamSpecs, unetParamSpecs } from '../nn/networks.js';
import { countParams, type ParamSpec } from '../nn/scope.js';
import { canonicalTask, validateModelConfig, type ModelConfig, type ModelMetric } from './config.js';

export { validateModelConfig, MODEL_CONFIG_FORMAT, type ModelConfig, type ModelNetwork, type ModelSDE, type ModelMetric } from './config.js';

export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'model.safetensors';
export const CARD_FILE = 'MODEL_CARD.md';

export interface RegistryOptions {
  /** Folder holding one sub-folder per model. Default: $IRSDE_MODELS_DIR, else <package root>/models. */
  modelsDir?: string;
}

/** The package root: two levels above this file (src/restore/ or dist/restore/). */
export function packageRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

export function modelsRoot(opts: RegistryOptions = {}): string {
  if (opts.modelsDir) return resolve(opts.modelsDir);
  const env = process.env.IRSDE_MODELS_DIR;
  if (env) return resolve(env);
  return join(packageRoot(), 'models');
}

const PLACE_HINT = (root: string) =>
  `put each model in ${join(root, '<name>')}/ as ${CONFIG_FILE} + ${WEIGHTS_FILE} (+ ${CARD_FILE}), or set IRSDE_MODELS_DIR to a folder that holds them`;

/** One model folder, valid or not. */
export interface ModelEntry {
  name: string;
  dir: string;
  /** The validated config; absent when `error` is set. */
  config?: ModelConfig;
  /** Why the folder is not usable (bad or missing config.json, missing weights). */
  error?: string;
  hasWeights: boolean;
  hasCard: boolean;
  /** Total parameters of the configured network (from the config, not the file). */
  params?: number;
}

/** A usable model: config validated, weights file present. */
export interface ResolvedModel {
  name: string;
  dir: string;
  config: ModelConfig;
}

/** Read and validate `<dir>/config.json`. */
export function readModelConfig(dir: string): ModelConfig {
  const file = join(dir, CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // A training run that has not finished has checkpoints but no model yet.
    const unfinished = code === 'ENOENT' && existsSync(join(dir, 'ckpt', 'latest.json'));
    throw new IrsdeError('bad-model', `${file}: ${code === 'ENOENT' ? (unfinished ? 'missing: this training run has not finished' : 'missing') : `cannot read (${(e as Error).message})`}`, {
      file, hint: unfinished ? `finish it with \`irsde train --resume ${dir}\` (Ctrl-C any time: it saves a checkpoint)` : `every model folder needs a ${CONFIG_FILE} (see src/restore/config.ts for the format)`,
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new IrsdeError('bad-model', `${file}: not valid JSON (${(e as Error).message})`, { file });
  }
  return validateModelConfig(raw, file);
}

function inspect(name: string, dir: string, nameMustMatch = true): ModelEntry {
  const hasWeights = existsSync(join(dir, WEIGHTS_FILE));
  const hasCard = existsSync(join(dir, CARD_FILE));
  try {
    const config = readModelConfig(dir);
    if (!nameMustMatch) name = config.name;
    else if (config.name !== name) {
      return { name, dir, hasWeights, hasCard, error: `${join(dir, CONFIG_FILE)}: "name" is "${config.name}" but the folder is "${name}" (rename one so they match)` };
    }
    const params = countParams(networkParamSpecs(config));
    if (!hasWeights) return { name, dir, config, params, hasWeights, hasCard, error: `${join(dir, WEIGHTS_FILE)}: missing (train the model or copy its weights there)` };
    return { name, dir, config, params, hasWeights, hasCard };
  } catch (e) {
    if (!isIrsdeError(e)) throw e;
    return { name, dir, hasWeights, hasCard, error: e.message };
  }
}

/** Every sub-folder of the models folder, sorted by name. Throws when the folder itself is missing. */
export function listModels(opts: RegistryOptions = {}): ModelEntry[] {
  const root = modelsRoot(opts);
  let names: string[];
  try {
    names = readdirSync(root).filter((n) => !n.startsWith('.') && statSync(join(root, n)).isDirectory()).sort();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new IrsdeError('no-models', `models folder ${root} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${(e as Error).message})`}`, { hint: PLACE_HINT(root) });
  }
  return names.map((n) => inspect(n, join(root, n)));
}

export interface ResolveOptions extends RegistryOptions {
  /** A model name in the models folder, or a path to a model folder. */
  model?: string;
  /** Pick the default model of this task. */
  task?: string;
}

export { canonicalTask };

function looksLikePath(s: string): boolean {
  return isAbsolute(s) || s.startsWith('.') || s.includes('/') || s.includes(sep);
}

function usable(e: ModelEntry): ResolvedModel {
  if (e.error || !e.config) throw new IrsdeError('bad-model', `model "${e.name}" cannot be used: ${e.error}`, { file: e.dir });
  return { name: e.name, dir: e.dir, config: e.config };
}

/**
 * Pick a model. `model` wins (a name or a folder path; with `task` too, the model's task must match).
 * `task` alone: the model of that task marked `"default": true`, else the only one, else the first by name.
 * Neither: the one model if there is one; else the default of the one task; else the default of 'denoising'.
 */
export function resolveModel(options: ResolveOptions = {}): ResolvedModel {
  const opts = { ...options, task: options.task === undefined ? undefined : canonicalTask(options.task) };
  if (opts.model && looksLikePath(opts.model)) {
    let dir = resolve(opts.model);
    // The weights file of a model folder names the folder (what --init accepts, for instance).
    if (basename(dir) === WEIGHTS_FILE && existsSync(join(dirname(dir), CONFIG_FILE))) dir = dirname(dir);
    if (!existsSync(dir)) {
      throw new IrsdeError('unknown-model', `model folder ${dir} does not exist`, { hint: `a model folder holds ${CONFIG_FILE} + ${WEIGHTS_FILE}` });
    }
    if (!statSync(dir).isDirectory()) {
      throw new IrsdeError('unknown-model', `${dir} is a file, not a model folder`, {
        hint: `give the folder that holds ${CONFIG_FILE} + ${WEIGHTS_FILE} (a training checkpoint becomes one when the run finishes: irsde train --resume <run>)`,
      });
    }
    // A folder given by path may be named anything: the config's name need not match it.
    return checkTask(usable(inspect(dir, dir, false)), opts.task);
  }
  const root = modelsRoot(opts);
  const all = listModels(opts);
  if (opts.model) {
    const e = all.find((m) => m.name === opts.model);
    if (!e) {
      throw new IrsdeError('unknown-model', `unknown model "${opts.model}"`, {
        hint: all.length ? `installed in ${root}: ${all.map((m) => m.name).join(', ')} (see \`irsde models\`)` : PLACE_HINT(root),
      });
    }
    return checkTask(usable(e), opts.task);
  }
  const valid = all.filter((m) => !m.error && m.config);
  if (valid.length === 0) {
    const broken = all.filter((m) => m.error);
    throw new IrsdeError('no-models', `no usable models in ${root}${broken.length ? ` (${broken.map((b) => b.error).join('; ')})` : ''}`, { hint: PLACE_HINT(root) });
  }
  // A model's own task may be written either way too ("denoise" in a trained run's config).
  const taskOf = (m: ModelEntry): string => canonicalTask(m.config!.task);
  const tasks = [...new Set(valid.map(taskOf))].sort();
  let task = opts.task;
  if (task === undefined) {
    if (tasks.length === 1) task = tasks[0]!;
    else if (tasks.includes('denoising')) task = 'denoising';
    else throw new IrsdeError('bad-option', `models for several tasks are installed (${tasks.join(', ')}); choose one with --task`);
  }
  const candidates = valid.filter((m) => taskOf(m) === task);
  if (candidates.length === 0) {
    throw new IrsdeError('unknown-task', `unknown task "${options.task ?? task}"`, { hint: `tasks with installed models: ${tasks.join(', ')}` });
  }
  const flagged = candidates.filter((m) => m.config!.default === true);
  if (flagged.length > 1) {
    throw new IrsdeError('bad-model', `several models are marked "default": true for task "${task}" (${flagged.map((m) => m.name).join(', ')})`, { hint: 'keep the flag on one of them, or pick one with --model' });
  }
  return usable(flagged[0] ?? candidates[0]!);
}

function checkTask(m: ResolvedModel, task: string | undefined): ResolvedModel {
  if (task !== undefined && canonicalTask(m.config.task) !== task) {
    throw new IrsdeError('bad-option', `model "${m.name}" is for task "${m.config.task}", not "${task}"`, { hint: 'drop --task or pick a model of that task' });
  }
  return m;
}

/** The parameter names and shapes the configured network declares. */
export function networkParamSpecs(config: ModelConfig): ParamSpec[] {
  const n = config.network;
  const conditional = n.conditional !== false;
  return n.kind === 'nafnet' ? nafnetParamSpecs(n.config, { conditional }) : unetParamSpecs(n.config, { conditional });
}

/**
 * Read `model.safetensors` and check it against the configured network: every parameter present with its
 * shape, nothing extra. Returns the weights as a name → Float32Array map (what `Program.compile` bakes).
 */
export async function loadModelWeights(m: ResolvedModel): Promise<Map<string, Float32Array>> {
  const file = join(m.dir, WEIGHTS_FILE);
  if (!existsSync(file)) throw new IrsdeError('bad-model', `${file}: missing`, { file, hint: `train the model or copy its ${WEIGHTS_FILE} there` });
  let dec: Awaited<ReturnType<typeof readSafetensorsFile>>;
  try {
    dec = await readSafetensorsFile(file, { toFloat32: true });
  } catch (e) {
    // A damaged weights file is the model's problem, not the image's: one 'bad-model' error for the run.
    if (isIrsdeError(e)) throw new IrsdeError('bad-model', e.message.includes(file) ? e.message : `${file}: ${e.message}`, { file, hint: e.hint, cause: e });
    throw e;
  }
  let store: ParamStore;
  try {
    store = ParamStore.fromSafetensors(dec);
  } catch (e) {
    if (isIrsdeError(e)) throw new IrsdeError(e.code, `${file}: ${e.message}`, { file, hint: e.hint });
    throw e;
  }
  const specs = networkParamSpecs(m.config);
  const problems: string[] = [];
  const missing: string[] = [];
  for (const s of specs) {
    if (!store.has(s.name)) { missing.push(s.name); continue; }
    const got = store.shape(s.name);
    if (got.length !== s.shape.length || got.some((d, i) => d !== s.shape[i])) problems.push(`"${s.name}" is [${got.join(', ')}], the network wants [${s.shape.join(', ')}]`);
  }
  const known = new Set(specs.map((s) => s.name));
  const extra = store.names().filter((n) => !known.has(n));
  const list = (a: string[]) => a.slice(0, 5).map((n) => `"${n}"`).join(', ') + (a.length > 5 ? ` and ${a.length - 5} more` : '');
  if (problems.length > 3) problems.splice(3, problems.length - 3, `${problems.length - 3} more tensors differ`);
  if (missing.length) problems.push(`missing ${list(missing)}`);
  if (extra.length) problems.push(`unexpected ${list(extra)}`);
  if (problems.length) {
    throw new IrsdeError('bad-model', `${file} does not match the network in ${CONFIG_FILE}: ${problems.join('; ')}`, {
      file, hint: 'the weights were saved for a different network configuration',
    });
  }
  const out = new Map<string, Float32Array>();
  for (const s of specs) out.set(s.name, store.get(s.name));
  return out;
}

/** A short network description: "nafnet w32 enc[1,1,1,4] mid1 dec[1,1,1,1]" / "unet nf64 depth4". */
export function describeNetwork(config: ModelConfig): string {
  const n = config.network;
  const cond = n.conditional === false ? ' (unconditional)' : '';
  if (n.kind === 'nafnet') {
    const c = n.config;
    return `nafnet w${c.width} enc[${c.encBlkNums.join(',')}] mid${c.middleBlkNum} dec[${c.decBlkNums.join(',')}]${cond}`;
  }
  const c = n.config;
  return `unet nf${c.nf} depth${c.depth}${c.chMult ? ` mult[${c.chMult.join(',')}]` : ''}${cond}`;
}

function fmtParams(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(0)}k` : String(n);
}

/**
 * A MODEL_CARD.md draft from a config (the trainer / lead fills in the prose). Metrics come from
 * `config.metrics`; without them the card says that none were measured yet.
 */
export function renderModelCard(config: ModelConfig): string {
  const params = countParams(networkParamSpecs(config));
  const lines = [
    `# ${config.name}`, '', config.description, '',
    '| | |', '|---|---|',
    `| task | ${config.task} |`,
    `| network | ${describeNetwork(config)}, ${fmtParams(params)} parameters |`,
    `| SDE | ${config.sde.kind ?? 'irsde'}, max σ ${config.sde.maxSigma}, T ${config.sde.T}, ${config.sde.schedule} schedule, eps ${config.sde.eps} |`,
    `| value range | [${config.valueRange.join(', ')}] |`,
    `| recommended sampler | ${config.sampler.mode}, ${config.sampler.steps} steps |`,
    ...(config.tile ? [`| tiles | ${config.tile.size} px, overlap ${config.tile.overlap} px |`] : []),
    '', '## Training', '', '```json', JSON.stringify(config.training, null, 2), '```', '', '## Measured quality', '',
  ];
  if (config.metrics?.length) {
    lines.push('| data set | PSNR (dB) | SSIM | sampler | steps |', '|---|---|---|---|---|');
    for (const m of config.metrics) lines.push(`| ${m.dataset} | ${m.psnr.toFixed(2)} | ${m.ssim.toFixed(4)} | ${m.sampler ?? config.sampler.mode} | ${m.steps ?? config.sampler.steps} |`);
  } else {
    lines.push('Not measured yet.');
  }
  lines.push('');
  return lines.join('\n');
}

/** PSNR / SSIM of a metric entry: RGB, or on Y (marked so) for SR models, as SR results are reported. */
function fmtMetric(m: ModelMetric, onY: boolean): string {
  if (onY && typeof m.psnrY === 'number' && typeof m.ssimY === 'number') return `${m.psnrY.toFixed(2)} / ${m.ssimY.toFixed(4)} (Y)`;
  return `${m.psnr.toFixed(2)} / ${m.ssim.toFixed(4)}`;
}

/** The names of the models `resolveModel` picks for each task when none is named: the flagged one, else the first. */
export function defaultModelNames(entries: readonly ModelEntry[]): Set<string> {
  const defaults = new Set<string>();
  const byTask = new Map<string, ModelEntry[]>();
  for (const e of entries) if (e.config && !e.error) byTask.set(canonicalTask(e.config.task), [...(byTask.get(canonicalTask(e.config.task)) ?? []), e]);
  for (const list of byTask.values()) defaults.add((list.find((e) => e.config!.default === true) ?? list[0]!).name);
  return defaults;
}

/** Table rows for `irsde models`. */
export function modelRows(entries: readonly ModelEntry[]): string[][] {
  const defaults = defaultModelNames(entries);
  return entries.map((e) => {
    if (!e.config || e.error) return [e.name, '?', '', '', '', '', `unusable: ${e.error}`];
    const c = e.config;
    const m = c.metrics?.[0];
    return [
      e.name + (defaults.has(e.name) ? ' *' : ''), c.task, `${describeNetwork(c)} ${fmtParams(e.params ?? 0)}`,
      `${c.sampler.mode}/${c.sampler.steps}`, m ? fmtMetric(m, (c.scale ?? 1) > 1) : '-', m ? m.dataset : '-',
      c.description,
    ];
  });
}
