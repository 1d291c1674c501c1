/**
 * The evaluation harness: pairs predictions with ground truths (or degrades a clean set with a seed,
 * restores it with a pluggable `restorer`, and scores), then reports PSNR/SSIM on RGB and Y per image and
 * the mean, with baselines: the degraded input itself, and for SR the bicubic (MATLAB imresize) upscale.
 * Node only (reads files); the metrics themselves are in `metrics.ts`.
 */
import { IrsdeError, isIrsdeError } from '../common/errors.js';
import type { EventSink } from '../common/events.js';
import type { FloatImage } from '../image/types.js';
import { crop as cropImage, modcrop } from '../image/pad.js';
import { quantizeInPlace } from '../image/convert.js';
import { readImage, writeImage } from '../image/node-io.js';
import { writeFileAtomic } from '../common/atomic.js';
import { DegradeRng, hashString } from '../degrade/random.js';
import { gaussianNoise } from '../degrade/noise.js';
import { matlabImresize } from '../degrade/resize.js';
import { filter2D } from '../degrade/filter.js';
import { randomMixedKernel } from '../degrade/kernels.js';
import { jpegCompress } from '../degrade/jpeg.js';
import { addHaze, addRain, lowLight } from '../degrade/synthetic.js';
import { applyMask, fitMask, randomStrokeMask } from '../degrade/masks.js';
import { wildDegrade } from '../degrade/wild.js';
import { scoreAll, type Scores } from './metrics.js';
import { maskFamilyFiles, type Dataset, type DatasetProblem, type Task } from './datasets.js';
import { join } from 'node:path';

export interface EvalRow extends Scores {
  image: string;
  method: string;
}

export interface EvalReport {
  task?: Task;
  dataset?: string;
  crop: number;
  rows: EvalRow[];
  /** mean per method, image = '(mean)' */
  means: EvalRow[];
  problems: DatasetProblem[];
  /** the degradation parameters per image (clean sets) */
  degradations: Record<string, unknown>;
}

/** Restore one degraded image. `info.scale` is set for SR; the output must have the ground truth's size. */
export type Restorer = (lq: FloatImage, info: { name: string; task: Task; scale?: number }) => Promise<FloatImage>;

export function meanRows(rows: EvalRow[]): EvalRow[] {
  const by = new Map<string, EvalRow[]>();
  for (const r of rows) { const l = by.get(r.method) ?? []; l.push(r); by.set(r.method, l); }
  const out: EvalRow[] = [];
  for (const [method, rs] of by) {
    const m = (k: keyof Scores): number => rs.reduce((s, r) => s + r[k], 0) / rs.length;
    out.push({ image: '(mean)', method, psnr: m('psnr'), ssim: m('ssim'), psnrY: m('psnrY'), ssimY: m('ssimY') });
  }
  return out;
}

function problemOf(file: string, e: unknown): DatasetProblem {
  return { file, why: isIrsdeError(e) ? e.message.replace(`${file}: `, '') : (e as Error).message };
}

function emitRow(onEvent: EventSink | undefined, row: EvalRow): void {
  onEvent?.({ type: 'result', stage: 'eval', ...jsonScores(row) });
}

/**
 * Scores as JSON-safe values: an infinite PSNR becomes null, with `identical: true` on an image's row (it equals
 * its ground truth) and `infinitePsnr: true` on a mean row (some image of it is identical).
 */
export function jsonScores(row: EvalRow): Record<string, unknown> {
  const o: Record<string, unknown> = { image: row.image, method: row.method };
  for (const k of ['psnr', 'ssim', 'psnrY', 'ssimY'] as const) o[k] = Number.isFinite(row[k]) ? row[k] : null;
  if (!Number.isFinite(row.psnr) || !Number.isFinite(row.psnrY)) {
    if (row.image === '(mean)') o.infinitePsnr = true;
    else o.identical = true;
  }
  return o;
}

/** A method label as a file-name part: "./models/sr4 ode 5 steps" → "sr4_ode_5_steps". */
export function fileNamePart(method: string): string {
  const last = method.replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? method;
  return last.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+|_+$/g, '') || 'model';
}

/** Score predictions against ground truths, pair by pair; bad or mismatched pairs become problems. */
export async function evaluatePairs(pairs: Array<{ name: string; pred: string; gt: string }>, opts: { crop?: number; roundY?: boolean; onEvent?: EventSink; method?: string } = {}): Promise<EvalReport> {
  const crop = opts.crop ?? 0;
  const rows: EvalRow[] = [];
  const problems: DatasetProblem[] = [];
  for (const p of pairs) {
    let pred: FloatImage, gt: FloatImage;
    try { pred = await readImage(p.pred); } catch (e) { problems.push(problemOf(p.pred, e)); continue; }
    try { gt = await readImage(p.gt); } catch (e) { problems.push(problemOf(p.gt, e)); continue; }
    if (pred.width !== gt.width || pred.height !== gt.height) {
      problems.push({ file: p.pred, why: `size ${pred.width}x${pred.height} differs from its ground truth ${p.gt} (${gt.width}x${gt.height})` });
      continue;
    }
    try {
      const row: EvalRow = { image: p.name, method: opts.method ?? 'pred', ...scoreAll(pred, gt, { crop, roundY: opts.roundY }) };
      rows.push(row);
      emitRow(opts.onEvent, row);
    } catch (e) {
      problems.push({ file: p.pred, why: (e as Error).message });
    }
  }
  return { crop, rows, means: meanRows(rows), problems, degradations: {} };
}

export interface TaskOptions {
  task: Task;
  dataset: Dataset;
  restorer?: Restorer;
  /** label of the restorer's rows (default 'model') */
  modelName?: string;
  seed?: number;
  /** SR scale (default: the dataset's, else 4) */
  scale?: number;
  /** denoising σ on 0..255 (default 25) */
  sigma?: number;
  /** JPEG quality (default 10) */
  quality?: number;
  /** inpainting: folder with mask families (shared `inpaint_masks`), and the family (default 'thin') */
  maskRoot?: string | null;
  maskFamily?: string;
  crop?: number;
  roundY?: boolean;
  limit?: number;
  /** write the degraded inputs (and restorations) here */
  saveDir?: string;
  onEvent?: EventSink;
}

interface Degraded { lq: FloatImage; gt: FloatImage; params: Record<string, unknown> }

async function degradeClean(task: Task, gt0: FloatImage, name: string, o: TaskOptions, scale: number): Promise<Degraded> {
  const rng = new DegradeRng(o.seed ?? 0, hashString(name));
  switch (task) {
    case 'sr': {
      const gt = modcrop(gt0, scale);
      const lq = matlabImresize(gt, 1 / scale, { uint8: true });
      return { lq, gt, params: { op: 'matlab_imresize', scale: 1 / scale, modcrop: scale } };
    }
    case 'denoise': {
      const sigma = o.sigma ?? 25;
      return { lq: gaussianNoise(gt0, sigma, rng), gt: gt0, params: { op: 'gaussian_noise', sigma255: sigma, clipped: true } };
    }
    case 'jpeg': {
      const q = o.quality ?? 10;
      return { lq: await jpegCompress(gt0, q), gt: gt0, params: { op: 'jpeg', quality: q } };
    }
    case 'deblur': {
      const { kernel, params } = randomMixedKernel(21, rng, [0.2, 3]);
      return { lq: quantizeInPlace(filter2D(gt0, kernel)), gt: gt0, params: { op: 'blur', kernel: params } };
    }
    case 'derain': {
      const r = addRain(gt0, rng);
      return { lq: quantizeInPlace(r.image), gt: gt0, params: r.params as unknown as Record<string, unknown> };
    }
    case 'dehaze': {
      const r = addHaze(gt0, rng);
      return { lq: quantizeInPlace(r.image), gt: gt0, params: r.params as unknown as Record<string, unknown> };
    }
    case 'lowlight': {
      const r = lowLight(gt0, rng);
      return { lq: r.image, gt: gt0, params: r.params as unknown as Record<string, unknown> };
    }
    case 'inpaint': {
      if (o.maskRoot) {
        const files = await maskFamilyFiles(o.maskRoot, o.maskFamily ?? 'thin');
        const file = rng.choice(files);
        const mask = fitMask(await readImage(file), gt0.width, gt0.height, 'nearest');
        return { lq: applyMask(gt0, mask), gt: gt0, params: { op: 'mask', file, interpolation: 'nearest' } };
      }
      const m = randomStrokeMask(gt0.width, gt0.height, rng, { brush: 'thin' });
      return { lq: applyMask(gt0, m.mask), gt: gt0, params: m.params as unknown as Record<string, unknown> };
    }
    case 'wild': {
      const r = await wildDegrade(gt0, rng);
      return { lq: r.lq, gt: r.gt, params: { op: 'wild', steps: r.steps, words: r.words, greyscale: r.greyscale } };
    }
  }
}

/**
 * Degrade (seeded, where the set is clean for this task), restore with `restorer` (if any), and score the
 * baselines and the restorer. Bad files are listed in `problems`; the rest is scored.
 */
export async function evaluateTask(o: TaskOptions): Promise<EvalReport> {
  const { task, dataset } = o;
  const paired = dataset.kind === 'paired' && dataset.tasks.includes(task);
  const scale = o.scale ?? dataset.scale ?? 4;
  const crop = o.crop ?? (task === 'sr' ? scale : 0);
  const rows: EvalRow[] = [];
  const problems: DatasetProblem[] = paired ? [...dataset.problems] : [];
  const degradations: Record<string, unknown> = {};
  const items = o.limit ? dataset.items.slice(0, o.limit) : dataset.items;
  let n = 0;
  for (const item of items) {
    n++;
    o.onEvent?.({ type: 'progress', stage: 'eval', step: n, steps: items.length, message: item.name });
    let gt: FloatImage, lq: FloatImage;
    try {
      gt = await readImage(item.gt);
    } catch (e) { problems.push(problemOf(item.gt, e)); continue; }
    try {
      if (paired && item.lq) {
        lq = await readImage(item.lq);
        if (task === 'sr') {
          const w = lq.width * scale, h = lq.height * scale;
          if (w > gt.width || h > gt.height) throw new IrsdeError('bad-pair', `${item.lq}: LR ${lq.width}x${lq.height} x${scale} is larger than its HR ${gt.width}x${gt.height}`, { file: item.lq });
          gt = cropImage(gt, 0, 0, w, h);
        } else if (lq.width !== gt.width || lq.height !== gt.height) {
          throw new IrsdeError('bad-pair', `${item.lq}: size ${lq.width}x${lq.height} differs from its ground truth ${item.gt} (${gt.width}x${gt.height})`, { file: item.lq });
        }
        degradations[item.name] = { source: 'dataset', lq: item.lq };
      } else {
        const d = await degradeClean(task, gt, item.name, o, scale);
        lq = d.lq; gt = d.gt;
        degradations[item.name] = { source: 'synthetic', seed: o.seed ?? 0, ...d.params };
      }
    } catch (e) { problems.push(problemOf(item.lq ?? item.gt, e)); continue; }
    // What was done to this image (the sampled parameters: kernel, mask file, rain, …), for the record.
    o.onEvent?.({ type: 'info', message: `${item.name}: degradation`, stage: 'eval-degradation', image: item.name, degradation: degradations[item.name] });

    const candidates: Array<[string, FloatImage]> = [];
    if (task === 'sr') {
      candidates.push(['bicubic', matlabImresize(lq, scale)]);
    } else {
      candidates.push(['input', lq]);
    }
    if (o.restorer) {
      try {
        candidates.push([o.modelName ?? 'model', await o.restorer(lq, { name: item.name, task, scale: task === 'sr' ? scale : undefined })]);
      } catch (e) { problems.push({ file: item.lq ?? item.gt, why: `restorer failed: ${(e as Error).message}` }); }
    }
    if (o.saveDir) {
      await writeImage(join(o.saveDir, `${item.name}_lq.png`), lq);
      await writeFileAtomic(join(o.saveDir, `${item.name}.json`), JSON.stringify({ image: item.name, ...(degradations[item.name] as object) }, null, 2) + '\n');
      for (const [m, img] of candidates) if (m !== 'input') await writeImage(join(o.saveDir, `${item.name}_${fileNamePart(m)}.png`), img);
    }
    for (const [method, pred] of candidates) {
      if (pred.width !== gt.width || pred.height !== gt.height) {
        problems.push({ file: item.gt, why: `${method} output is ${pred.width}x${pred.height}, ground truth is ${gt.width}x${gt.height}` });
        continue;
      }
      const row: EvalRow = { image: item.name, method, ...scoreAll(pred, gt, { crop, roundY: o.roundY }) };
      rows.push(row);
      emitRow(o.onEvent, row);
    }
  }
  return { task, dataset: dataset.name, crop, rows, means: meanRows(rows), problems, degradations };
}

function fmt(v: number, digits: number): string {
  return Number.isFinite(v) ? v.toFixed(digits) : 'inf';
}

/** The report as Markdown: one row per image and method, then the mean per method. */
export function formatMarkdown(r: EvalReport): string {
  const lines: string[] = [];
  const title = r.task ? `${r.task} on ${r.dataset}` : 'evaluation';
  lines.push(`### ${title} (crop ${r.crop}; PSNR in dB on uint8; Y = BT.601 luma)`, '');
  lines.push('| image | method | PSNR | SSIM | PSNR (Y) | SSIM (Y) |', '|---|---|---:|---:|---:|---:|');
  for (const x of r.rows) lines.push(`| ${x.image} | ${x.method} | ${fmt(x.psnr, 2)} | ${fmt(x.ssim, 4)} | ${fmt(x.psnrY, 2)} | ${fmt(x.ssimY, 4)} |`);
  for (const x of r.means) lines.push(`| **mean** | ${x.method} | ${fmt(x.psnr, 2)} | ${fmt(x.ssim, 4)} | ${fmt(x.psnrY, 2)} | ${fmt(x.ssimY, 4)} |`);
  if (r.problems.length) lines.push('', `${r.problems.length} file(s) skipped (listed on stderr).`);
  return lines.join('\n');
}
