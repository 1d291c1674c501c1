/**
 * Training checkpoints in `<outDir>/ckpt/`:
 *
 *   model-<step>.safetensors   online weights (reference state-dict names)
 *   ema-<step>.safetensors     EMA weights (same names; metadata ema_step) — a loadable weight file
 *   optim-<step>.safetensors   optimiser moments + step counts (runtime/optim.ts `state()`)
 *   state-<step>.json          step, the resolved config, the data-stream description, timing
 *   latest.json                { step, files } — written last
 *
 * Every file is written atomically (temp file + rename) and `latest.json` only after the four others, so a
 * crash or a second Ctrl-C mid-write leaves the previous checkpoint intact and named by latest.json. Older
 * checkpoints beyond `keep` are deleted after latest.json moves on. The data order and noise are functions
 * of (seed, step) (data.ts), so the step is the whole data state.
 */
import { readFile, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../common/atomic.js';
import { IrsdeError } from '../common/errors.js';
import { readSafetensorsFile, writeSafetensorsFile } from '../runtime/safetensors-node.js';
import type { ParamStore } from '../runtime/params.js';
import type { EMA } from '../runtime/ema.js';
import type { Optimizer } from '../runtime/optim.js';
import type { DecodedSafetensors } from '../runtime/safetensors.js';
import type { TrainConfig } from './config.js';

export interface CheckpointFiles { model: string; ema: string; optim: string; state: string }

export interface LatestFile { format: 'irsde-checkpoint'; version: 1; step: number; files: CheckpointFiles; time: string }

export interface TrainState {
  format: 'irsde-train-state';
  version: 1;
  step: number;
  config: TrainConfig;
  /** Training wall time so far (all sessions), ms. */
  elapsedMs: number;
  /** The data state: batches are functions of (seed, step); the next batch is `nextStep`. */
  data: { seed: number; nextStep: number; streams: string };
  lastLoss: number | null;
  /** Sums over the steps since the last log line (so a resumed run's log averages match). */
  logWindow?: { loss: number; ms: number; wait: number; run: number; opt: number; n: number };
  /** The training images' count and hash (`BatchSpec.fingerprint`). */
  trainFiles?: string;
}

const FILE_RE = /^(model|ema|optim|state)-(\d+)\.(safetensors|json)$/;

export const ckptDir = (outDir: string): string => join(outDir, 'ckpt');

function tag(step: number): string {
  return String(step).padStart(8, '0');
}

/** Write one checkpoint (atomically, latest.json last) and prune older ones. Returns the path of latest.json. */
export async function writeCheckpoint(outDir: string, parts: { params: ParamStore; ema: EMA; optim: Optimizer; state: TrainState }, keep: number): Promise<string> {
  const dir = ckptDir(outDir);
  const step = parts.state.step;
  const files: CheckpointFiles = {
    model: `model-${tag(step)}.safetensors`,
    ema: `ema-${tag(step)}.safetensors`,
    optim: `optim-${tag(step)}.safetensors`,
    state: `state-${tag(step)}.json`,
  };
  await writeSafetensorsFile(join(dir, files.model), parts.params.toTensors(), { format: 'irsde-weights', step: String(step) });
  const e = parts.ema.state({ copy: false });
  await writeSafetensorsFile(join(dir, files.ema), e.tensors, { ...e.metadata, step: String(step) });
  const o = parts.optim.state({ copy: false });
  await writeSafetensorsFile(join(dir, files.optim), o.tensors, o.metadata);
  await writeFileAtomic(join(dir, files.state), JSON.stringify(parts.state, null, 1) + '\n');
  const latest: LatestFile = { format: 'irsde-checkpoint', version: 1, step, files, time: new Date().toISOString() };
  const latestPath = join(dir, 'latest.json');
  await writeFileAtomic(latestPath, JSON.stringify(latest, null, 1) + '\n');
  await prune(dir, step, keep);
  return latestPath;
}

async function prune(dir: string, current: number, keep: number): Promise<void> {
  const names = await readdir(dir);
  const steps = new Set<number>();
  for (const n of names) { const m = FILE_RE.exec(n); if (m) steps.add(Number(m[2])); }
  const kept = new Set([...steps].filter((s) => s <= current).sort((a, b) => b - a).slice(0, keep));
  kept.add(current);
  for (const n of names) {
    const m = FILE_RE.exec(n);
    if (m && !kept.has(Number(m[2]))) await unlink(join(dir, n)).catch(() => {});
  }
}

export interface LoadedCheckpoint {
  latest: LatestFile;
  state: TrainState;
  model: DecodedSafetensors;
  ema: DecodedSafetensors;
  optim: DecodedSafetensors;
}

/** Does `<outDir>/ckpt/latest.json` exist? */
export async function hasCheckpoint(outDir: string): Promise<boolean> {
  try {
    await readFile(join(ckptDir(outDir), 'latest.json'));
    return true;
  } catch {
    return false;
  }
}

async function readJson<T>(path: string, what: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new IrsdeError('no-checkpoint', `${path}: ${code === 'ENOENT' ? `no ${what}` : (e as Error).message}`, { file: path, hint: what === 'checkpoint' ? 'give the --out folder of a run that saved a checkpoint' : undefined });
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new IrsdeError('bad-checkpoint', `${path}: not valid JSON (${(e as Error).message})`, { file: path });
  }
}

/** Only the latest.json + state of a run (cheap: no tensors), e.g. to read the stored config. */
export async function readCheckpointState(outDir: string): Promise<{ latest: LatestFile; state: TrainState }> {
  const dir = ckptDir(outDir);
  const latest = await readJson<LatestFile>(join(dir, 'latest.json'), 'checkpoint');
  if (latest.format !== 'irsde-checkpoint' || !Number.isSafeInteger(latest.step) || !latest.files) throw new IrsdeError('bad-checkpoint', `${join(dir, 'latest.json')}: not an irsde checkpoint`);
  const state = await readJson<TrainState>(join(dir, latest.files.state), 'train state');
  if (state.format !== 'irsde-train-state' || state.step !== latest.step) throw new IrsdeError('bad-checkpoint', `${join(dir, latest.files.state)}: does not match latest.json (step ${state.step} vs ${latest.step})`);
  return { latest, state };
}

export async function readCheckpoint(outDir: string): Promise<LoadedCheckpoint> {
  const { latest, state } = await readCheckpointState(outDir);
  const dir = ckptDir(outDir);
  const [model, ema, optim] = await Promise.all([
    readSafetensorsFile(join(dir, latest.files.model)),
    readSafetensorsFile(join(dir, latest.files.ema)),
    readSafetensorsFile(join(dir, latest.files.optim)),
  ]);
  return { latest, state, model, ema, optim };
}
