/**
 * `irsde train --config <file>` / `irsde train --resume <out dir>`: train a restoration network with the
 * IR-SDE matching loss (src/train/). Ctrl-C (SIGINT) or SIGTERM finishes the current step, writes a
 * checkpoint and exits with 130; a second Ctrl-C exits at once (the last checkpoint is intact: files are
 * written atomically). `--json` prints every event as a JSON line on stdout.
 */
import { parseArgs } from 'node:util';
import { basename, join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { IrsdeError } from '../../common/errors.js';
import type { IrsdeEvent } from '../../common/events.js';
import { intOption, numberOption } from '../args.js';
import { signalCounter } from '../signals.js';
import { loadConfigFile, resolveConfig, type LoadConfigOptions } from '../../train/config.js';
import { ckptDir, readCheckpointState } from '../../train/checkpoint.js';
import { train } from '../../train/trainer.js';
import { packageRoot, resolveModel } from '../../restore/registry.js';

const USAGE = `usage:
  irsde train --config <file> [overrides] [--json]
  irsde train --resume <out dir> [overrides] [--json]

  --config FILE     a training config (task configs: configs/*.json, also by name: --config denoise-small)
  --resume DIR      continue the run in DIR from its latest checkpoint; batches, noise and weights continue
                    exactly as in an uninterrupted run (steps/logging/validation settings may be overridden)
  --set KEY=VALUE   override any config value by its dotted path; VALUE is JSON or a bare string
                    (repeatable), e.g. --set data.patch=96 --set optim.type=lion --set network.encBlkNums=[1,1,1]
  --steps N         = --set steps=N          --lr X      = --set optim.lr=X
  --batch N         = --set data.batch=N     --seed N    = --set seed=N
  --out DIR         output folder (default runs/<name>): log.jsonl, ckpt/, model.safetensors, config.json
  --init MODEL      fine-tune: start from a shipped model's weights (a name from \`irsde models\`), a model or
                    run folder, or a .safetensors file (= --set init=PATH; the network config must match)
  --force           start the run in an --out folder that holds other files (their names may be overwritten)
  --print-config    print the resolved config as JSON and exit
  --json            events as JSON lines on stdout

Ctrl-C finishes the current step, saves a checkpoint and exits (code 130); resume with --resume <out dir>.
`;

function fmtTime(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '?';
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Progress bar (loss, steps/s, ETA, data wait) on stderr; validation and checkpoints as lines. */
function trainPrinter(json: boolean): (e: IrsdeEvent) => void {
  if (json) return (e) => process.stdout.write(JSON.stringify(e) + '\n');
  const tty = process.stderr.isTTY === true;
  let first: { step: number; t: number } | null = null;
  let lastPrint = 0;
  let waitSum = 0, n = 0;
  let barShown = false;
  const line = (s: string) => {
    if (tty && barShown) process.stderr.write('\r\x1b[K');
    barShown = false;
    process.stderr.write(s + '\n');
  };
  return (e) => {
    if (e.type === 'progress' && e.stage === 'train' && e.step !== undefined && e.steps !== undefined) {
      const t = performance.now();
      if (!first) first = { step: e.step - 1, t: t - (typeof e.msPerStep === 'number' ? e.msPerStep : 0) };
      waitSum += typeof e.dataWaitMs === 'number' ? e.dataWaitMs : 0;
      n++;
      const done = e.step >= e.steps;
      if (!done && t - lastPrint < (tty ? 200 : 5000)) return;
      lastPrint = t;
      const rate = (e.step - first.step) / ((t - first.t) / 1000);
      const eta = (e.steps - e.step) / rate;
      const width = 24;
      const bar = '█'.repeat(Math.round((e.step / e.steps) * width)).padEnd(width, '░');
      const s = `train ${bar} ${e.step}/${e.steps}  loss ${(e.loss ?? NaN).toFixed(5)}  ${rate.toFixed(2)} steps/s  ETA ${fmtTime(eta)}  data wait ${(waitSum / n).toFixed(1)} ms`;
      if (tty) { process.stderr.write(`\r${s}\x1b[K`); barShown = true; } else process.stderr.write(s + '\n');
      return;
    }
    if (e.type === 'result' && e.stage === 'val') {
      line(`val   step ${e.step}: PSNR ${(e.psnr as number).toFixed(2)} dB (input ${(e.psnrInput as number).toFixed(2)} dB) on ${(e.images as unknown[]).length} images, ${((e.ms as number) / 1000).toFixed(1)} s`);
    } else if (e.type === 'result' && e.stage === 'train') {
      const timing = (e.msPerStep as number) > 0 ? `: ${(e.msPerStep as number).toFixed(0)} ms/step (ORT ${(e.runMs as number).toFixed(0)}, optimiser+EMA ${(e.optimMs as number).toFixed(1)}, data wait ${(e.dataWaitMs as number).toFixed(2)} ms)` : '';
      line(`${e.completed ? 'done' : e.interrupted ? 'stopped' : 'ended'} at step ${e.step}/${e.steps}${timing}`);
      if (e.model) line(`model: ${e.model as string}`);
      else if (e.checkpoint) line(`checkpoint: ${e.checkpoint as string}`);
    } else if (e.type === 'info') {
      if (!/^checkpoint/.test(e.message)) line(`irsde: ${e.message}`);
    } else if (e.type === 'warning' || e.type === 'error') {
      line(`irsde: ${e.message}`);
    }
  };
}

/**
 * `--config` as given when it exists; else the shipped config of that name (`denoise-small`, `configs/denoise-small.json`),
 * so the task configs work from any folder, e.g. in a project that installed irsde.
 */
function shippedConfig(file: string): string {
  if (existsSync(file)) return file;
  const name = basename(file).replace(/\.json$/i, '');
  const shipped = join(packageRoot(), 'configs', `${name}.json`);
  return /^[A-Za-z0-9._-]+$/.test(name) && existsSync(shipped) ? shipped : file;
}

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: false,
      options: {
        config: { type: 'string' }, resume: { type: 'string' }, set: { type: 'string', multiple: true },
        steps: { type: 'string' }, lr: { type: 'string' }, init: { type: 'string' }, batch: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string' },
        'print-config': { type: 'boolean', default: false }, force: { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new IrsdeError('bad-option', (e as Error).message.replace(/\s*\n\s*/g, ' '), { hint: 'see `irsde train --help`' });
  }
  const v = parsed.values;
  if (v.help) { process.stdout.write(USAGE); return 0; }
  // A shorthand and a --set of the same key: the shorthand would win without a word about the other.
  const shorthands = { steps: 'steps', lr: 'optim.lr', batch: 'data.batch', seed: 'seed', out: 'outDir' } as const;
  for (const [flag, key] of Object.entries(shorthands)) {
    const set = (v.set ?? []).find((x) => x.split('=')[0]!.trim() === key);
    if (v[flag as keyof typeof shorthands] !== undefined && set) throw new IrsdeError('bad-option', `--${flag} and --set ${set} both set "${key}"; give it once`);
  }
  const over: LoadConfigOptions = {
    sets: v.set ?? [],
    steps: v.steps !== undefined ? intOption('--steps', v.steps, 1, Number.MAX_SAFE_INTEGER) : undefined,
    lr: v.lr !== undefined ? numberOption('--lr', v.lr, 0, 10) : undefined,
    batch: v.batch !== undefined ? intOption('--batch', v.batch, 1, 4096) : undefined,
    seed: v.seed !== undefined ? intOption('--seed', v.seed, 0, 2 ** 32 - 1) : undefined,
    outDir: v.out,
  };
  if (v.init !== undefined) {
    if (v.resume !== undefined) throw new IrsdeError('bad-option', '--init starts a new run; --resume continues one from its checkpoint (give one of them)');
    // A model name from the registry, else a path (checked when training starts).
    const init = existsSync(v.init) ? resolve(v.init) : resolveModel({ model: v.init }).dir;
    over.sets = [...(over.sets ?? []), `init=${JSON.stringify(init)}`];
  }
  let config;
  if (v.resume !== undefined) {
    if (v.config !== undefined) throw new IrsdeError('bad-option', '--resume continues a run with its stored config; do not give --config too');
    if (v.out !== undefined && resolve(v.out) !== resolve(v.resume)) throw new IrsdeError('bad-option', '--out and --resume name different folders');
    const { state } = await readCheckpointState(v.resume);
    config = resolveConfig(state.config as unknown as Record<string, unknown>, { ...over, outDir: v.resume });
  } else {
    if (v.config === undefined) throw new IrsdeError('bad-option', 'give --config <file> (or --resume <out dir>)', { hint: 'task configs are in configs/*.json; see `irsde train --help`' });
    config = loadConfigFile(shippedConfig(v.config), over);
  }
  if (v['print-config']) {
    // --json: one event line like every other --json output; otherwise the config, readable and reusable as a file.
    process.stdout.write(v.json ? JSON.stringify({ type: 'result', stage: 'config', config }) + '\n' : JSON.stringify(config, null, 2) + '\n');
    return 0;
  }

  const print = trainPrinter(v.json!);
  const ac = new AbortController();
  const nextSignal = signalCounter();
  const onSignal = (sig: NodeJS.Signals) => {
    const which = nextSignal();
    if (which === 'echo') return;
    if (which === 'again') {
      const last = existsSync(join(ckptDir(resolve(config.outDir)), 'latest.json'));
      print({ type: 'warning', message: `${sig} again: exiting without a new checkpoint${last ? ' (the last one is intact)' : ' (this run has no checkpoint yet)'}` });
      process.exit(130);
    }
    print({ type: 'info', message: `${sig}: finishing the current step and saving a checkpoint (press Ctrl-C again to quit now)` });
    ac.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const r = await train(config, { onEvent: print, signal: ac.signal, resume: v.resume !== undefined, force: v.force });
    return r.interrupted ? 130 : 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
