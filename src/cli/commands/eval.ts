/**
 * `irsde eval --pred <dir> --gt <dir>`: score restorations against ground truths.
 * `irsde eval --task <task> --data <set> [--model <m>]`: degrade a clean set with a seed (or take a paired
 * set's inputs), restore, and score, with the baselines (the degraded input; for SR the bicubic upscale).
 * Output: a Markdown table per image and the mean, or JSON events with --json. Bad or unpaired files are
 * reported at the end and make the exit code non-zero.
 */
import type { Restorer } from '../../metrics/evaluate.js';
import { parseArgs } from 'node:util';
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { IrsdeError } from '../../common/errors.js';
import type { IrsdeEvent } from '../../common/events.js';
import { intOption, numberOption } from '../args.js';
import { defaultDataRoot, openDataset, pairFolders, stem, TASKS, type Task } from '../../metrics/datasets.js';
import { evaluatePairs, evaluateTask, formatMarkdown, jsonScores, type EvalReport } from '../../metrics/evaluate.js';
import { hashString } from '../../degrade/random.js';
import { canonicalTask } from '../../common/tasks.js';

const USAGE = `usage:
  irsde eval --pred <dir|file> --gt <dir|file> [--crop N] [--round-y] [--json]
  irsde eval --task <${TASKS.join('|')}> --data <set name or folder> [--model <m>]
             [--scale S] [--sigma S] [--quality Q] [--seed N] [--limit N] [--crop N] [--save DIR] [--json]

  --pred/--gt     folders paired by file name (stem), or two files
  --task/--data   clean sets are degraded with the seed (denoise: Gaussian σ --sigma, default 25; sr: MATLAB
                  bicubic x--scale; jpeg: quality --quality, default 10; inpaint: a shared mask of --mask-family
                  (default thin); ...); paired sets (Set5, Urban100, Rain*, GoPro_examples) use their inputs
  --data-root     where set names are looked up (default: $IRSDE_DATA, ../shared/data or ./shared/data)
  --model <m>     restore with a model (registry name or model folder) and score it
  --steps <n>     sampling steps for --model (default: the model's recommended)
  --sampler <s>   posterior | sde | ode for --model (default: the model's recommended)
  --noise-level S for a Denoising-SDE --model: give it σ (default: the model estimates σ per image, blind)
  --ensemble      for --model: the 8-view geometric self-ensemble (restore --ensemble)
  --crop N        border shaved before scoring (default: the scale for sr, else 0)
  --round-y       round Y to integers (MATLAB uint8 rgb2ycbcr) instead of BasicSR's unrounded Y
  --mask-family F inpaint: the shared mask family to draw from (a folder of data-root/inpaint_masks, default thin)
  --seed N        seed of the degradations and of the model's sampler (each image: its own stream from
                  (seed, image name), so an image scores the same alone or in a set)
  --save DIR      write the degraded inputs, the baselines and restorations as PNG, and each image's sampled
                  degradation parameters as <name>.json (the folder must be new or empty, or add --force)
`;

/** Where the command writes; tests pass their own. */
export interface CommandIO { out(s: string): void; err(s: string): void }
const processIO: CommandIO = { out: (s) => { process.stdout.write(s); }, err: (s) => { process.stderr.write(s); } };

export async function run(argv: string[], io: CommandIO = processIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: false,
      options: {
        pred: { type: 'string' }, gt: { type: 'string' }, task: { type: 'string' }, data: { type: 'string' },
        model: { type: 'string' }, steps: { type: 'string' }, sampler: { type: 'string' }, scale: { type: 'string' }, sigma: { type: 'string' }, 'noise-level': { type: 'string' }, quality: { type: 'string' },
        seed: { type: 'string', default: '0' }, limit: { type: 'string' }, crop: { type: 'string' },
        'data-root': { type: 'string' }, 'mask-family': { type: 'string' }, save: { type: 'string' },
        force: { type: 'boolean' }, 'round-y': { type: 'boolean', default: false }, ensemble: { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new IrsdeError('bad-option', (e as Error).message.replace(/\s*\n\s*/g, ' '), { hint: 'see `irsde eval --help`' });
  }
  const { values } = parsed;
  if (values.help) { io.out(USAGE); return 0; }
  const json = values.json!;
  const emit = (e: IrsdeEvent): void => { if (json) io.out(JSON.stringify(e) + '\n'); };
  const crop = values.crop !== undefined ? intOption('--crop', values.crop, 0, 1000) : undefined;
  const roundY = values['round-y']!;
  let report: EvalReport;

  if (values.pred !== undefined || values.gt !== undefined) {
    if (values.pred === undefined || values.gt === undefined) throw new IrsdeError('bad-option', '--pred and --gt go together');
    if (values.task || values.data || values.model) throw new IrsdeError('bad-option', '--pred/--gt cannot be combined with --task/--data/--model');
    for (const flag of ['save', 'force', 'mask-family', 'scale', 'sigma', 'quality', 'limit', 'steps', 'sampler', 'noise-level'] as const) {
      if (values[flag] !== undefined) throw new IrsdeError('bad-option', `--${flag} applies to --task/--data, not to --pred/--gt`);
    }
    const kind = async (p: string, flag: string): Promise<'dir' | 'file'> => {
      try { return (await stat(p)).isDirectory() ? 'dir' : 'file'; } catch { throw new IrsdeError('bad-option', `${flag} ${p}: no such file or folder`, { file: p }); }
    };
    const [kp, kg] = [await kind(values.pred, '--pred'), await kind(values.gt, '--gt')];
    if (kp !== kg) throw new IrsdeError('bad-option', `--pred is a ${kp === 'dir' ? 'folder' : 'file'} but --gt is a ${kg === 'dir' ? 'folder' : 'file'}`);
    let pairs: Array<{ name: string; pred: string; gt: string }>;
    let problems: Array<{ file: string; why: string }> = [];
    if (kp === 'file') {
      pairs = [{ name: basename(values.pred, extname(values.pred)), pred: values.pred, gt: values.gt }];
    } else {
      // `irsde restore` names its outputs <name>.restored.png: pair those with <name> too
      const r = await pairFolders(values.pred, values.gt, { lq: (n) => stem(n).replace(/\.restored$/, '') });
      pairs = r.items.map((i) => ({ name: i.name, pred: i.lq!, gt: i.gt }));
      problems = r.problems;
      if (pairs.length === 0 && problems.length === 0) throw new IrsdeError('bad-data', `no images in ${values.pred} and ${values.gt}`);
    }
    report = await evaluatePairs(pairs, { crop, roundY, onEvent: emit });
    report.problems.unshift(...problems);
  } else {
    if (!values.task || !values.data) throw new IrsdeError('bad-option', 'give --pred <dir> --gt <dir>, or --task <task> --data <set>', { hint: 'see `irsde eval --help`' });
    const task = values.task as Task;
    if (!TASKS.includes(task)) throw new IrsdeError('bad-option', `unknown task "${values.task}"`, { hint: `tasks: ${TASKS.join(', ')}` });
    const seed = intOption('--seed', values.seed!, 0, Number.MAX_SAFE_INTEGER);
    // Degradation settings of other tasks would be ignored: say so instead.
    for (const [flag, owner] of [['scale', 'sr'], ['sigma', 'denoise'], ['quality', 'jpeg']] as const) {
      if (values[flag] !== undefined && task !== owner) throw new IrsdeError('bad-option', `--${flag} applies to --task ${owner}, not ${task}`);
    }
    if (values.force && values.save === undefined) throw new IrsdeError('bad-option', '--force applies to --save (to overwrite its folder)');
    if (values.save !== undefined && existsSync(values.save) && !(await stat(values.save)).isDirectory()) {
      throw new IrsdeError('bad-option', `--save ${values.save}: a file, not a folder`, { hint: 'give a folder for the saved images' });
    }
    if (values.save !== undefined && !values.force && existsSync(values.save) && (await readdir(values.save)).length > 0) {
      throw new IrsdeError('bad-option', `--save ${values.save}: the folder is not empty`, { hint: 'choose a new folder, or add --force to overwrite its files' });
    }
    for (const flag of ['steps', 'sampler', 'noise-level', 'ensemble'] as const) {
      if (values.model === undefined && values[flag] !== undefined && values[flag] !== false) {
        throw new IrsdeError('bad-option', `--${flag} applies to --model (the scores are of the degraded input otherwise)`);
      }
    }
    let restorer: Restorer | undefined;
    let modelName: string | undefined;
    let modelScale = 1;
    if (values.model !== undefined) {
      // Restore with a registry model (name or folder); the sampler noise is seeded per image.
      const { restore, checkRestoreOptions } = await import('../../restore/index.js');
      const model = values.model;
      const steps = values.steps !== undefined ? intOption('--steps', values.steps, 1, 10000) : undefined;
      const sampler = values.sampler as 'posterior' | 'sde' | 'ode' | undefined;
      const nl = values['noise-level'];
      const noiseLevel = nl === undefined ? undefined : numberOption('--noise-level', nl, 0, 255);
      if (sampler !== undefined && !['posterior', 'sde', 'ode'].includes(sampler)) throw new IrsdeError('bad-option', `--sampler must be posterior, sde or ode, got "${sampler}"`);
      // The model and its options as restore checks them (a noise level for a model that cannot use it, steps past
      // its T, …), before any image is degraded.
      const checked = await checkRestoreOptions({ model, steps, sampler, noiseLevel });
      modelScale = checked.config.scale ?? 1;
      // A model of another task would be scored on this one without complaint (restore --task refuses it too);
      // the wild task is for universal models and any model may be tried on it.
      if (task !== 'wild' && canonicalTask(checked.config.task) !== canonicalTask(task)) {
        throw new IrsdeError('bad-option', `model "${model}" is for task "${checked.config.task}", not ${task}`, { hint: 'pick a model of this task (see `irsde models`)' });
      }
      const { matlabImresize } = await import('../../degrade/resize.js');
      restorer = async (lq0, info) => {
        // An SR model (config "scale") upsamples its LR input itself; a model without one gets the bicubic
        // upscale as its input on the sr task (never both).
        const s = info.scale ?? 1;
        if (modelScale > 1 && modelScale !== s) throw new IrsdeError('bad-option', `model "${model}" is a x${modelScale} SR model, the task is ${info.task}${s > 1 ? ` x${s}` : ''}`);
        const lq = s > 1 && modelScale === 1 ? matlabImresize(lq0, s) : lq0;
        // The sampler's seed comes from (--seed, image name), like the degradation's: an image restores the same
        // alone or in a set, whatever failed or was left out before it.
        const imageSeed = hashString(`${seed}:${info.name}`);
        const out = await restore({ data: lq.data, width: lq.width, height: lq.height, channels: lq.channels }, { model, steps, sampler, noiseLevel, seed: imageSeed, ...(values.ensemble ? { ensemble: true } : {}) });
        return { data: out.data as Float32Array, width: out.width, height: out.height, channels: out.channels };
      };
      modelName = `${model}${sampler ? ` ${sampler}` : ''}${steps ? ` ${steps} steps` : ''}${noiseLevel !== undefined ? ` σ ${noiseLevel} given` : ''}${values.ensemble ? ' ×8 ensemble' : ''}`;
    }
    const scale = values.scale !== undefined ? intOption('--scale', values.scale, 1, 16) : undefined;
    const sigma = values.sigma !== undefined ? numberOption('--sigma', values.sigma, 0, 255) : undefined;
    const quality = values.quality !== undefined ? intOption('--quality', values.quality, 1, 100) : undefined;
    const limit = values.limit !== undefined ? intOption('--limit', values.limit, 1, 1_000_000) : undefined;
    const dataRoot = values['data-root'] ?? defaultDataRoot() ?? undefined;
    const dataset = await openDataset(values.data, { dataRoot, scale });
    const maskRoot = dataRoot && existsSync(join(dataRoot, 'inpaint_masks')) ? join(dataRoot, 'inpaint_masks') : null;
    // A paired set brings its own degraded inputs: a degradation setting would be ignored.
    if (dataset.kind === 'paired' && dataset.tasks.includes(task)) {
      for (const flag of ['sigma', 'quality'] as const) {
        if (values[flag] !== undefined) throw new IrsdeError('bad-option', `--${flag} applies to clean sets; ${dataset.name} is paired and brings its own degraded inputs`, { hint: 'give a folder of clean images to degrade them with --' + flag });
      }
    }
    // What would fail every image the same way fails here, before anything is scored.
    const srScale = scale ?? dataset.scale ?? 4;
    if (modelScale > 1 && (task !== 'sr' || modelScale !== srScale)) {
      throw new IrsdeError('bad-option', `model "${values.model}" is a x${modelScale} SR model, the task is ${task}${task === 'sr' ? ` x${srScale}` : ''}`, {
        hint: task === 'sr' ? `use --scale ${modelScale}, or a set made for x${modelScale}` : 'pick a model of this task (see `irsde models`)',
      });
    }
    if (task === 'inpaint' && maskRoot) {
      const family = values['mask-family'] ?? 'thin';
      const families = (await readdir(maskRoot, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
      if (!families.includes(family)) throw new IrsdeError('bad-option', `unknown --mask-family "${family}"`, { hint: `families in ${maskRoot}: ${families.join(', ')}` });
    } else if (values['mask-family'] !== undefined && task !== 'inpaint') {
      throw new IrsdeError('bad-option', `--mask-family applies to --task inpaint, not ${task}`);
    }
    report = await evaluateTask({
      task, dataset, seed, scale, sigma, quality, limit, crop, roundY, maskRoot, maskFamily: values['mask-family'], restorer, modelName,
      saveDir: values.save, onEvent: json ? emit : undefined,
    });
  }

  if (json) {
    for (const m of report.means) emit({ type: 'result', stage: 'eval-mean', ...jsonScores(m), crop: report.crop, ...(report.task ? { task: report.task, dataset: report.dataset } : {}) });
    for (const p of report.problems) emit({ type: 'error', code: 'bad-input', message: `${p.file}: ${p.why}`, file: p.file });
    const images = new Set(report.rows.map((r) => r.image)).size;
    emit({ type: 'info', message: `${images} image(s) scored, ${report.problems.length} failed`, scored: images, failed: report.problems.length });
  } else {
    io.out(formatMarkdown(report) + '\n');
    for (const p of report.problems) io.err(`irsde: ${p.file}: ${p.why}\n`);
  }
  if (report.problems.length) {
    if (!json) io.err(`irsde: ${report.rows.length ? 'scored the rest; ' : ''}${report.problems.length} file(s) failed\n`);
    return 1;
  }
  if (report.rows.length === 0) {
    if (!json) io.err('irsde: nothing was scored\n');
    return 1;
  }
  return 0;
}
