/**
 * `irsde restore <inputs...> [-o out|dir] [--task T] [--model M] [--sampler S] [--steps N] [--tile N]
 *  [--overlap N] [--seed N] [--json] [--force]`
 *
 * Restores PNG/JPEG files (and the images in given folders) with a registry model. Outputs are written
 * atomically and never overwrite an existing file without --force. A bad input file is reported on one line
 * and skipped; the exit code is 1 if any file failed, 2 for bad options, 130 after Ctrl-C (the image in
 * progress is dropped, nothing is half-written).
 */
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { IrsdeError, isIrsdeError } from '../../common/errors.js';
import type { IrsdeEvent } from '../../common/events.js';
import { intOption, numberOption } from '../args.js';
import { signalCounter } from '../signals.js';
import { expandInputs, finishBatch, reportProblems, type Problem } from '../batch.js';
import { canEstimateNoiseLevel } from '../../metrics/noise-level.js';
import { checkOutputPath, isFolderPath, isImagePath, writeImage } from '../../image/node-io.js';
import { loadImageFile } from '../../restore/input-node.js';
import { checkRestoreOptions, restoreImage, type RestoreOptions, type RestoreProgressEvent } from '../../restore/restore.js';
import { samplerSettingsWarning } from '../../restore/advice.js';
import type { SamplerMode } from '../../sde/samplers.js';
import type { BackendName } from '../../runtime/backend.js';

const USAGE = `usage: irsde restore <input files or folders...> [-o <file or folder>] [options]

  -o, --out PATH    a .png/.jpg file (one input), else a folder (made if missing; each image written as
                    <name>.png); default: <name>.restored.png next to each input. A .jpg file is written as
                    JPEG (8-bit, no alpha); PNG keeps 16-bit depth and alpha
  --task NAME       use the default model of this task: denoise, sr, derain, jpeg, ... (or the long names
                    of \`irsde models\`: denoising, super-resolution, ...)
  --model NAME      use this model: a name from \`irsde models\` or a model folder
  --sampler MODE    posterior | sde | ode (default: the model's)
  --steps N         sampling steps (default: the model's)
  --noise-level S   Denoising-SDE models: the input's noise σ in 8-bit units (default: estimated per image)
  --tile N          tile size in pixels for large images (default: the model's, else 512; 0: never tile)
  --overlap N       overlap of neighbouring tiles in pixels (default: the model's, else 32)
  --seed N          sampler seed (default 0): the same seed gives the same output
  --ensemble        self-ensemble: restore the 8 flips/rotations of each tile and average them (8× slower;
                    +0.1 to +1 dB for denoise/sr4, but lower for derain: rain streaks have a direction)
  --device NAME     ONNX Runtime backend: node (default) or wasm
  --models-dir DIR  models folder (default: $IRSDE_MODELS_DIR, else the package's models/)
  --force           overwrite existing output files
  --json            one JSON event per line on stdout (progress, result, error)
`;

/** Where the command writes; tests pass their own. */
export interface CommandIO { out(s: string): void; err(s: string): void; isTTY?: boolean }
const processIO: CommandIO = { out: (s) => { process.stdout.write(s); }, err: (s) => { process.stderr.write(s); }, isTTY: process.stderr.isTTY === true };

/** Files restored by a previous run are not inputs. */
const isOwnOutput = (name: string): boolean => /\.restored\.(png|jpe?g)$/i.test(name);

const fmtTime = (s: number): string => (s >= 90 ? `${Math.floor(s / 60)}m${Math.round(s % 60).toString().padStart(2, '0')}s` : `${s.toFixed(s < 10 ? 1 : 0)}s`);

/** Progress over tiles × steps: one rewritten line on a TTY, a line every few seconds otherwise. */
function progressPrinter(io: CommandIO): { start(file: string, k: number, n: number): void; update(e: RestoreProgressEvent): void; end(): void } {
  const tty = io.isTTY === true;
  let label = '', t0 = 0, last = 0, shown = false;
  return {
    start(file, k, n) { label = n > 1 ? `[${k}/${n}] ${basename(file)}` : basename(file); t0 = performance.now(); last = tty ? 0 : t0; shown = false; }, // non-TTY: first line after 3 s of this file, not of the process
    update(e) {
      const total = e.tiles * e.steps;
      const done = (e.tile - 1) * e.steps + e.step;
      const now = performance.now();
      const final = done >= total;
      if (!final && now - last < (tty ? 100 : 3000)) return;
      if (!tty && !final && done === 0) return;
      last = now;
      const frac = total > 0 ? done / total : 1;
      const elapsed = (now - t0) / 1000;
      const eta = done > 0 ? (elapsed * (total - done)) / done : 0;
      const width = 24;
      const bar = '█'.repeat(Math.round(frac * width)).padEnd(width, '░');
      const parts = [`${label} ${bar} ${Math.floor(frac * 100)}%`];
      if (e.tiles > 1) parts.push(`tile ${e.tile}/${e.tiles}`);
      parts.push(`step ${e.step}/${e.steps}`, final ? fmtTime(elapsed) : `ETA ${fmtTime(eta)}`);
      const line = parts.join('  ');
      if (tty) { io.err(`\r${line}\x1b[K`); shown = true; } else if (!final) io.err(line + '\n');
    },
    end() { if (tty && shown) io.err('\r\x1b[K'); shown = false; },
  };
}

export async function run(argv: string[], io: CommandIO = processIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: true,
      options: {
        out: { type: 'string', short: 'o' }, task: { type: 'string' }, model: { type: 'string' }, sampler: { type: 'string' },
        steps: { type: 'string' }, 'noise-level': { type: 'string' }, tile: { type: 'string' }, overlap: { type: 'string' }, seed: { type: 'string', default: '0' },
        device: { type: 'string' }, 'models-dir': { type: 'string' }, force: { type: 'boolean', default: false }, ensemble: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new IrsdeError('bad-option', (e as Error).message.replace(/\s*\n\s*/g, ' ').replace(/\. To specify a positional argument.*$/s, ''), { hint: 'see `irsde restore --help`' });
  }
  const { values, positionals } = parsed;
  if (values.help) { io.out(USAGE); return 0; }
  const json = values.json!;
  const emit = (e: IrsdeEvent): void => { if (json) io.out(JSON.stringify(e) + '\n'); };
  const warn = (message: string, file?: string): void => {
    if (json) emit({ type: 'warning', message, ...(file !== undefined ? { file } : {}) });
    else io.err(`irsde: ${message}\n`);
  };
  if (positionals.length === 0) throw new IrsdeError('bad-option', 'no input images given', { hint: 'irsde restore <files or folders...> [-o out]' });

  const sampler = values.sampler as SamplerMode | undefined;
  if (sampler !== undefined && !['posterior', 'sde', 'ode'].includes(sampler)) {
    throw new IrsdeError('bad-option', `--sampler must be posterior, sde or ode, got "${sampler}"`);
  }
  const device = values.device as BackendName | undefined;
  // (webgpu is the browser's: Node has no WebGPU adapter, and onnxruntime-web would quietly run on the CPU)
  if (device !== undefined && !['node', 'wasm'].includes(device)) {
    throw new IrsdeError('bad-option', `--device must be node or wasm, got "${device}"`, device === 'webgpu' ? { hint: 'WebGPU runs in the browser: the web/ demo, or the library in a page' } : {});
  }
  const steps = values.steps !== undefined ? intOption('--steps', values.steps, 1, 100_000) : undefined;
  const noiseLevel = values['noise-level'] !== undefined ? numberOption('--noise-level', values['noise-level'], 0, 255) : undefined;
  let tile: number | undefined;
  if (values.tile !== undefined) {
    tile = intOption('--tile', values.tile, 0, 8192);
    if (tile !== 0 && tile < 32) throw new IrsdeError('bad-option', `--tile must be 0 (no tiling) or from 32 to 8192, got "${values.tile}"`);
  }
  const overlap = values.overlap !== undefined ? intOption('--overlap', values.overlap, 0, 4096) : undefined;
  if (overlap !== undefined && tile !== undefined && tile !== 0 && overlap > tile / 2) {
    throw new IrsdeError('bad-option', `--overlap must be at most half the tile (${Math.floor(tile / 2)}), got ${overlap}`);
  }
  const seed = intOption('--seed', values.seed!, 0, Number.MAX_SAFE_INTEGER);
  const base: RestoreOptions = {
    task: values.task, model: values.model, modelsDir: values['models-dir'], sampler, steps, noiseLevel, tile, overlap, seed, device,
    ...(values.ensemble ? { ensemble: true } : {}),
  };
  // Resolve the model and check the options once, before touching any file: a bad --model/--task fails here.
  const check = await checkRestoreOptions(base);
  const opts: RestoreOptions = { ...base, model: check.dir ?? values.model, task: undefined };

  const problems: Problem[] = [];
  const files = await expandInputs(positionals, problems, isOwnOutput);
  const out = values.out;
  if (out !== undefined) {
    checkOutputPath(out);
    // An extension that is not an image's, on a path that is not a folder yet: a typo rather than a folder name.
    if (!isImagePath(out) && /^\.[A-Za-z][A-Za-z0-9]{1,4}$/.test(extname(out)) && !isFolderPath(out) && !existsSync(out)) {
      throw new IrsdeError('bad-option', `-o ${out}: "${extname(out)}" is not an image extension`, { hint: 'write a .png or .jpg file, or give a folder (end it with / if its name has a dot)' });
    }
  }
  const outIsFile = out !== undefined && isImagePath(out) && positionals.length === 1 && files.length <= 1 && !isFolderPath(out);
  if (out !== undefined && !outIsFile && isImagePath(out) && files.length > 1) {
    throw new IrsdeError('bad-option', `-o ${out} looks like a file, but there are ${files.length} inputs`, { hint: 'give an output folder' });
  }
  const outputFor = (file: string): string => {
    const name = basename(file, extname(file));
    if (out === undefined) return join(dirname(file), `${name}.restored.png`);
    return outIsFile ? out : join(out, `${name}.png`);
  };

  if (!json && io.isTTY) io.err(`irsde: model ${check.model} (${check.config.task}), ${check.sampler} sampler, ${check.steps} steps${check.tile ? `, tiles ${check.tile}px/${check.overlap}` : ''}\n`);
  const poorSettings = samplerSettingsWarning(check);
  if (poorSettings) warn(poorSettings);
  const sdeMax = check.config.sde.maxSigma;
  if (noiseLevel !== undefined && check.config.sde.kind === 'denoising' && noiseLevel > sdeMax) {
    warn(`--noise-level ${noiseLevel} is above the highest noise ${check.model} was trained for (σ ${sdeMax}): it restores as σ ${sdeMax}`);
  }

  // Ctrl-C: abort between sampler steps, drop the image in progress, exit 130. A second Ctrl-C exits at once.
  const controller = new AbortController();
  const nextInterrupt = signalCounter();
  const onSigint = (): void => {
    const which = nextInterrupt();
    if (which === 'echo') return;
    if (which === 'again') process.exit(130);
    controller.abort(new Error('interrupted'));
  };
  process.on('SIGINT', onSigint);
  const printer = progressPrinter(io);
  const used = new Map<string, string>();
  let ok = 0;
  let interrupted = false;
  let dropped = false;
  try {
    const todo: { file: string; outPath: string }[] = [];
    for (const file of files) {
      const outPath = outputFor(file);
      const prev = used.get(resolve(outPath));
      if (prev) { problems.push({ file, why: `output ${outPath} would overwrite the result for ${prev}` }); continue; }
      used.set(resolve(outPath), file);
      if (resolve(outPath) === resolve(file) && !values.force) { problems.push({ file, why: `output ${outPath} is the input itself (use --force to replace it)` }); continue; }
      if (!values.force && existsSync(outPath)) { problems.push({ file, why: `output ${outPath} already exists (use --force to overwrite)` }); continue; }
      todo.push({ file, outPath });
    }
    for (let k = 0; k < todo.length; k++) {
      const { file, outPath } = todo[k]!;
      if (controller.signal.aborted) { interrupted = true; break; } // (the last image was finished and written)
      const t0 = performance.now();
      try {
        const loaded = await loadImageFile(file);
        printer.start(file, k + 1, todo.length);
        const { image, info } = await restoreImage(loaded.image, {
          ...opts, signal: controller.signal,
          onProgress: (e) => { if (json) emit({ ...e, file }); else printer.update(e); },
        });
        printer.end();
        if (!values.force && existsSync(outPath)) throw new IrsdeError('exists', `output ${outPath} already exists (use --force to overwrite)`);
        const png16 = loaded.bitDepth === 16 && extname(outPath).toLowerCase() === '.png';
        await writeImage(outPath, image as { data: Float32Array; width: number; height: number; channels: number }, { bitDepth: png16 ? 16 : 8 });
        ok++;
        const seconds = (performance.now() - t0) / 1000;
        if (json) emit({ type: 'result', stage: 'restore', input: file, output: outPath, width: image.width, height: image.height, seconds: Number(seconds.toFixed(3)), ...info });
        else io.out(`${file} -> ${outPath} (${image.width}×${image.height}${info.tiles > 1 ? `, ${info.tiles} tiles` : ''}${info.noiseLevel !== undefined ? `, noise σ ${info.noiseLevel.toFixed(1)}${info.noiseEstimated ? ' (estimated)' : ''}` : ''}, ${fmtTime(seconds)})\n`);
        if ((image.channels === 2 || image.channels === 4) && extname(outPath).toLowerCase() !== '.png') {
          warn(`${file}: JPEG has no transparency, so ${outPath} dropped the alpha channel (write .png to keep it)`, file);
        }
        if (loaded.bitDepth === 16 && !png16) warn(`${file}: a 16-bit image, written to ${outPath} with 8 bits per sample (write .png to keep 16)`, file);
        if (info.noiseEstimated && info.startStep === 0 && !canEstimateNoiseLevel(image)) {
          warn(`${file}: too small to estimate its noise (about ${image.channels <= 2 ? '16×16' : '24×24'} pixels are needed), so it was written unchanged; give its level with --noise-level σ, e.g. 25`, file);
        } else if (info.noiseEstimated && info.startStep === 0) {
          // Written unchanged. Noise the estimate cannot see (shared by the channels, e.g. behind a JPEG's
          // subsampled chroma) is the usual reason when the image does look noisy.
          const jpeg = /\.jpe?g$/i.test(file) ? ' (noise in a JPEG with subsampled colour can hide from the estimate)' : '';
          warn(`${file}: no noise found, so the image was written unchanged; if it looks noisy, give its level with --noise-level σ, e.g. 25${jpeg}`, file);
        }
      } catch (e) {
        printer.end();
        if (isIrsdeError(e) && e.code === 'aborted') { interrupted = true; dropped = true; break; }
        // The model fails every file the same way: at the first image restored, that is an error of the run (exit 2).
        if (isIrsdeError(e) && e.code === 'bad-model' && k === 0) throw e;
        const why = isIrsdeError(e) ? e.message.replace(`${file}: `, '') : `internal error: ${(e as Error).message}`;
        problems.push({ file, why });
        if (isIrsdeError(e) && e.code === 'bad-model') break;
      }
    }
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
  const reporter = { json, emit, err: io.err };
  reportProblems(problems, reporter);
  if (interrupted) {
    const msg = `interrupted: ${ok} image(s) written${dropped ? ', the image in progress was dropped' : ''}`;
    if (json) emit({ type: 'info', message: msg, written: ok, interrupted: true });
    else io.err(`irsde: ${msg}\n`);
    return 130;
  }
  return finishBatch(ok, problems.length, reporter, { lineForOneFailure: false });
}
