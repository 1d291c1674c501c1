/**
 * Training data: image lists from folders or known sets, a lazily filled decode cache, and the batch for a
 * step as a pure function of (seed, step): which images (epoch-wise shuffles without replacement), where
 * each patch is cut, its flips/rotation, the degradation noise, and the SDE draws (t_b ~ U{1…T}, ε ~ N(0, I)).
 * Because nothing depends on a running stream, a resumed run sees exactly the batches of an uninterrupted
 * one, and batches can be built in any order, ahead of time, in a worker thread (`data-worker.ts`).
 *
 * Random streams (all `Rng.fork` children of `new Rng(seed)`, see runtime/rng.ts):
 *   data/perm → fork(epoch):   the shuffle of epoch e (global sample i = step·B + b is epoch ⌊i/N⌋, slot i mod N)
 *   data/sample → fork(i):     crop position, hflip, vflip, transpose, then the degradation's draws: σ (if a range)
 *                              and the noise field (gaussian), the quality (jpeg, if a range), or two words seeding the
 *                              DegradeRng of the rain generator (rain); bicubic-sr draws nothing
 *   train/step → fork(step):   t_b for b = 0…B−1, then ε (B·C·P·P normals, NCHW order)
 *
 * Augmentation follows BasicSR `augment`: hflip, vflip, then transpose (rot90), each with probability ½.
 * Layout: batches are NCHW float32 in [0, 1]; the cache keeps 8-bit images as Uint8Array (v/255 gives the
 * same float32 as decoding to float) and anything else as Float32Array, interleaved HWC RGB.
 */
import { open, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { IrsdeError, isIrsdeError } from '../common/errors.js';
import { Rng } from '../runtime/rng.js';
import { readImage, isImagePath } from '../image/node-io.js';
import { headerSize, sniffFormat } from '../image/codecs.js';
import { fileOrientation, orientedSize } from '../image/exif.js';
import { createImage, type FloatImage } from '../image/types.js';
import { crop as cropImage, pad as padImage } from '../image/pad.js';
import { imageToPlanar, planarToImage, quantizeInPlace, toRGB } from '../image/convert.js';
import { initJpeg, jpegCompressSync } from '../degrade/jpeg.js';
import { matlabImresize } from '../degrade/resize.js';
import { addRain } from '../degrade/synthetic.js';
import { DegradeRng } from '../degrade/random.js';
import { defaultDataRoot, openDataset, pairFolders } from '../metrics/datasets.js';
import type { DataSource, Degradation, TrainConfig } from './config.js';

export interface ImageItem { name: string; gt: string; lq?: string }

/** Everything a batch depends on (plain data: it is sent to the worker). */
export interface BatchSpec {
  items: ImageItem[];
  patch: number;
  batch: number;
  channels: number;
  flips: boolean;
  rot90: boolean;
  degradation: Degradation;
  seed: number;
  /** SDE steps: t_b ~ U{1…T}. */
  T: number;
  /** The image list's count and hash (checkpoints record it; `batchSpecFor` sets it). */
  fingerprint?: string;
}

export interface Batch {
  step: number;
  /** [B, C, P, P] ground truth x₀. */
  x0: Float32Array;
  /** [B, C, P, P] degraded input μ (LQ). */
  mu: Float32Array;
  /** [B, C, P, P] ε ~ N(0, I). */
  noise: Float32Array;
  /** [B] integer times in 1…T (as float32, the network's time input). */
  t: Float32Array;
}

// ---------------------------------------------------------------------------------------------------------
// Sources

/** `$data/…` → under the shared data root. */
export function resolveDataPath(p: string): string {
  if (p !== '$data' && !p.startsWith('$data/')) return p;
  const root = defaultDataRoot();
  if (!root) throw new IrsdeError('data-not-found', `${p}: no shared data root found`, { hint: 'set IRSDE_DATA to the folder holding BSDS400, CBSD68, … or use absolute paths' });
  return join(root, p.slice('$data'.length));
}

async function listImageFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new IrsdeError('bad-data', `${dir}: cannot list images (${code === 'ENOENT' ? 'no such folder' : code === 'ENOTDIR' ? 'not a folder' : (e as Error).message})`, { file: dir });
  }
  return names.filter((n) => !n.startsWith('.') && isImagePath(n)).sort().map((n) => join(dir, n));
}

const stem = (p: string): string => basename(p, extname(p));

/**
 * The images of a source, in a fixed order (sorted by file name within each folder, folders in the given
 * order). Unpaired files are reported in `warnings` and skipped; an empty source is an error.
 */
export async function listSource(src: DataSource): Promise<{ items: ImageItem[]; warnings: string[] }> {
  const warnings: string[] = [];
  let items: ImageItem[];
  switch (src.kind) {
    case 'clean': {
      items = [];
      for (const d of src.dirs) {
        const dir = resolveDataPath(d);
        const files = await listImageFiles(dir);
        if (files.length === 0) throw new IrsdeError('bad-data', `${dir}: no .png/.jpg images`, { file: dir });
        for (const f of files) items.push({ name: stem(f), gt: f });
      }
      break;
    }
    case 'paired': {
      const lq = resolveDataPath(src.lq), gt = resolveDataPath(src.gt);
      let keyFn: ((n: string) => string) | undefined;
      if (src.key) {
        let re: RegExp;
        try {
          re = new RegExp(src.key);
        } catch (e) {
          throw new IrsdeError('bad-config', `data source key ${JSON.stringify(src.key)} is not a valid regular expression (${(e as Error).message})`);
        }
        keyFn = (n: string) => { const m = re.exec(stem(n)); return m ? (m[1] ?? m[0]) : `\u0000${n}`; };
      }
      const r = await pairFolders(lq, gt, keyFn ? { lq: keyFn, gt: keyFn } : {});
      items = r.items.map((i) => ({ name: i.name, gt: i.gt, lq: i.lq }));
      for (const p of r.problems) warnings.push(`${p.file}: ${p.why} (skipped)`);
      break;
    }
    case 'dataset': {
      const name = src.name.startsWith('$data') ? resolveDataPath(src.name) : src.name;
      const dataRoot = defaultDataRoot() ?? undefined;
      if (!existsSync(name) && !dataRoot) throw new IrsdeError('data-not-found', `dataset "${src.name}" not found`, { hint: 'set IRSDE_DATA or give a folder path' });
      const ds = await openDataset(name, { dataRoot });
      items = ds.items.map((i) => (i.lq ? { name: i.name, gt: i.gt, lq: i.lq } : { name: i.name, gt: i.gt }));
      for (const p of ds.problems) warnings.push(`${p.file}: ${p.why} (skipped)`);
      break;
    }
  }
  if (items.length === 0) {
    if (src.kind === 'paired' && warnings.length) {
      throw new IrsdeError('bad-data', `no LQ/GT pairs in ${src.lq} and ${src.gt} (${warnings.length} unpaired files, e.g. ${warnings[0]})`, { hint: 'files pair by file stem; give "key": a regex whose first group is the shared part, e.g. "(\\d+)$"' });
    }
    throw new IrsdeError('bad-data', `no images in the data source ${JSON.stringify(src)}`);
  }
  return { items, warnings };
}

// ---------------------------------------------------------------------------------------------------------
// Decode cache

interface CachedImage { width: number; height: number; channels: number; data: Uint8Array | Float32Array }

function toCached(img: FloatImage): CachedImage {
  const d = img.data;
  const u8 = new Uint8Array(d.length);
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    const q = Math.round(v * 255);
    if (!(q >= 0 && q <= 255) || Math.fround(q / 255) !== v) return { width: img.width, height: img.height, channels: img.channels, data: d };
    u8[i] = q;
  }
  return { width: img.width, height: img.height, channels: img.channels, data: u8 };
}

/** Decodes each file once, on first use (concurrent requests share one decode). */
export class ImageCache {
  private readonly map = new Map<string, Promise<CachedImage>>();

  get(path: string): Promise<CachedImage> {
    let p = this.map.get(path);
    if (!p) {
      p = readImage(path).then(toCached);
      this.map.set(path, p);
      p.catch(() => this.map.delete(path));
    }
    return p;
  }

  get size(): number { return this.map.size; }
}

// ---------------------------------------------------------------------------------------------------------
// Patches

interface PatchOp { oy: number; ox: number; hflip: boolean; vflip: boolean; transpose: boolean }

/**
 * Write the P×P patch (crop at oy, ox, then hflip, vflip, transpose as BasicSR `augment`) of an HWC image
 * into `out` (CHW, at `offset`).
 */
function writePatch(img: CachedImage, P: number, op: PatchOp, out: Float32Array, offset: number): void {
  const { width: W, channels: C, data } = img;
  const scale = data instanceof Uint8Array ? 1 / 255 : 1;
  const plane = P * P;
  for (let y = 0; y < P; y++) {
    for (let x = 0; x < P; x++) {
      const a = op.transpose ? x : y, b = op.transpose ? y : x;
      const sy = op.vflip ? P - 1 - a : a, sx = op.hflip ? P - 1 - b : b;
      const src = ((op.oy + sy) * W + op.ox + sx) * C;
      const dst = offset + y * P + x;
      if (scale === 1) for (let c = 0; c < 3; c++) out[dst + c * plane] = data[src + c]!;
      else for (let c = 0; c < 3; c++) out[dst + c * plane] = data[src + c]! / 255;
    }
  }
}

/**
 * The scale of an LR input against its ground truth — the one of a bicubic-sr run, whose LR files must be the
 * ground truth's ⌊size/s⌋ (MATLAB's modcrop); anything else is a mismatched pair.
 */
function checkPairSizes(it: ImageItem, lq: { width: number; height: number }, gt: { width: number; height: number }, deg: Degradation): number {
  const s = deg.kind === 'bicubic-sr' ? deg.scale : 0;
  if (s && Math.floor(gt.width / s) === lq.width && Math.floor(gt.height / s) === lq.height) return s;
  const ratio = gt.width / lq.width;
  const looksLr = Number.isInteger(Math.round(ratio)) && Math.round(ratio) >= 2 && Math.floor(gt.width / Math.round(ratio)) === lq.width && Math.floor(gt.height / Math.round(ratio)) === lq.height;
  throw new IrsdeError('bad-data', `${it.lq}: ${lq.width}×${lq.height} does not fit its ground truth ${gt.width}×${gt.height}${s ? ` at data.degradation.scale ${s}` : ''}`, {
    file: it.lq,
    hint: looksLr
      ? `it looks like a ×1/${Math.round(ratio)} LR image: use data.degradation {"kind": "bicubic-sr", "scale": ${Math.round(ratio)}}`
      : 'a paired LQ must have its ground truth\'s size, or be its ⌊size/s⌋ LR image with data.degradation {"kind": "bicubic-sr", "scale": s}',
  });
}

/**
 * The P×P patch of μ = the MATLAB-bicubic ×s upscale of an LR image (what restore feeds an SR model), made from
 * the LR window under the patch plus 3 LR pixels of margin (the bicubic support is 2): away from the window's own
 * edges imresize computes each output from the same LR pixels with the same weights as on the whole image, and at
 * the image's edges the window's edges are the image's, so the patch equals that of the whole upscale.
 */
function writeUpscaledPatch(lq: CachedImage, s: number, P: number, op: PatchOp, out: Float32Array, offset: number): void {
  const m = 3;
  const y0 = Math.max(0, Math.floor(op.oy / s) - m), y1 = Math.min(lq.height, Math.ceil((op.oy + P) / s) + m);
  const x0 = Math.max(0, Math.floor(op.ox / s) - m), x1 = Math.min(lq.width, Math.ceil((op.ox + P) / s) + m);
  const win = createImage(x1 - x0, y1 - y0, 3);
  const k = lq.data instanceof Uint8Array ? 1 / 255 : 1;
  for (let y = y0; y < y1; y++) {
    for (let i = 0; i < (x1 - x0) * 3; i++) win.data[(y - y0) * (x1 - x0) * 3 + i] = lq.data[(y * lq.width + x0) * 3 + i]! * k;
  }
  const up = matlabImresize(win, s);
  writePatch({ width: up.width, height: up.height, channels: 3, data: up.data }, P, { ...op, oy: op.oy - y0 * s, ox: op.ox - x0 * s }, out, offset);
}

/** μ = clip?(x₀ + σ/255·n) over one patch, n ~ N(0, 1) from rng (element order). */
function addGaussian(x0: Float32Array, mu: Float32Array, offset: number, n: number, sigma255: number, clip: boolean, rng: Rng, tmp: Float32Array): void {
  rng.fillNormal(tmp);
  const s = sigma255 / 255;
  for (let i = 0; i < n; i++) {
    const v = x0[offset + i]! + s * tmp[i]!;
    mu[offset + i] = clip ? (v < 0 ? 0 : v > 1 ? 1 : v) : v;
  }
}

/** Load what a degradation needs before `degradeImage` (the JPEG codec's WebAssembly); idempotent. */
export async function prepareDegradation(d: Degradation): Promise<void> {
  if (d.kind === 'jpeg') await initJpeg();
}

/**
 * Degrade an HWC RGB image in [0, 1] with the draws of `rng` (a sample's fork): jpeg, bicubic-sr or rain
 * (gaussian and none are applied in place on CHW patches by the batch maker). Output: same size.
 *   jpeg:       q = quality, or an integer uniform in [low, high]; 4:2:0 JPEG round trip (degrade/jpeg.ts).
 *   bicubic-sr: μ = MATLAB bicubic ×(1/s) rounded to uint8 (the benchmark LR), then MATLAB bicubic back to the
 *               input size, unrounded (what restore does with an LR input).
 *   rain:       heavy with prob heavyProb; the image is reflected out by `margin` px, rained on, and cropped back
 *               (so streaks also enter from outside), then quantised to uint8.
 */
export function degradeImage(img: FloatImage, d: Degradation, rng: Rng): FloatImage {
  switch (d.kind) {
    case 'jpeg': {
      const q = d.quality ?? d.qualityRange![0] + rng.int(d.qualityRange![1] - d.qualityRange![0] + 1);
      return jpegCompressSync(img, q);
    }
    case 'bicubic-sr': {
      if (img.width % d.scale || img.height % d.scale) throw new IrsdeError('bad-config', `bicubic-sr: a ${img.width}×${img.height} image is not a multiple of the scale ${d.scale}`);
      const lr = matlabImresize(img, 1 / d.scale, { uint8: true });
      return matlabImresize(lr, [img.height, img.width]);
    }
    case 'rain': {
      const drng = new DegradeRng(rng.int(2 ** 32), rng.int(2 ** 32));
      const heavy = drng.random() < d.heavyProb;
      const m = Math.min(d.margin, img.width - 1, img.height - 1);
      const big = m > 0 ? padImage(img, m, m, m, m, 'reflect101') : img;
      const r = addRain(big, drng, { heavy, density: d.density, length: d.length, angle: d.angle, gain: d.gain, veilProb: d.veilProb });
      return quantizeInPlace(m > 0 ? cropImage(r.image, m, m, img.width, img.height) : r.image);
    }
    default:
      throw new IrsdeError('bad-argument', `degradeImage: "${d.kind}" is applied by the batch maker`);
  }
}

/** Builds the batch of any step (see the module comment for the streams). */
export class BatchMaker {
  private readonly root: Rng;
  private readonly cache = new ImageCache();
  private perm: { epoch: number; order: number[] } | null = null;

  constructor(readonly spec: BatchSpec) {
    if (spec.items.length === 0) throw new IrsdeError('bad-data', 'no training images');
    if (spec.channels !== 3) throw new IrsdeError('bad-config', `training data must be RGB (3 channels), the network has ${spec.channels}`);
    const d = spec.degradation;
    if (d.kind === 'bicubic-sr' && spec.patch % d.scale !== 0) throw new IrsdeError('bad-config', `config "data.patch": must be a multiple of data.degradation.scale (${d.scale}) for bicubic-sr, got ${spec.patch}`);
    this.root = new Rng(spec.seed);
  }

  /** The item index used by global sample i (epoch-wise shuffles without replacement). */
  itemIndex(i: number): number {
    const N = this.spec.items.length;
    const epoch = Math.floor(i / N);
    if (!this.perm || this.perm.epoch !== epoch) {
      const order = Array.from({ length: N }, (_, k) => k);
      this.root.fork('data/perm').fork(epoch).shuffle(order);
      this.perm = { epoch, order };
    }
    return this.perm.order[i % N]!;
  }

  async make(step: number): Promise<Batch> {
    if (!Number.isSafeInteger(step) || step < 1) throw new IrsdeError('bad-argument', `batch step must be an integer ≥ 1, got ${step}`);
    const { batch: B, patch: P, channels: C, degradation: deg } = this.spec;
    const per = C * P * P;
    const x0 = new Float32Array(B * per), mu = new Float32Array(B * per), noise = new Float32Array(B * per), t = new Float32Array(B);
    const tmp = new Float32Array(per);
    if (deg.kind === 'jpeg') await prepareDegradation(deg);
    const indices: number[] = [];
    for (let b = 0; b < B; b++) indices.push(this.itemIndex((step - 1) * B + b));
    const imgs = await Promise.all(indices.map(async (k) => {
      const it = this.spec.items[k]!;
      const gt = await this.cache.get(it.gt);
      const lq = it.lq ? await this.cache.get(it.lq) : null;
      // An LR input (bicubic-sr with a paired source): the patches come from the ground truth's s·LR part.
      const lr = lq && (lq.width !== gt.width || lq.height !== gt.height) ? checkPairSizes(it, lq, gt, deg) : 0;
      const [w, h] = lr ? [lq!.width * lr, lq!.height * lr] : [gt.width, gt.height];
      if (w < P || h < P) throw new IrsdeError('bad-data', `${it.gt}: ${w}×${h} is smaller than the ${P}×${P} training patch`, { file: it.gt, hint: 'lower data.patch or remove the image' });
      return { gt, lq, lr, w, h, item: it };
    }));
    for (let b = 0; b < B; b++) {
      const { gt, lq, lr, w, h } = imgs[b]!;
      const rng = this.root.fork('data/sample').fork((step - 1) * B + b);
      const op: PatchOp = {
        oy: rng.int(h - P + 1),
        ox: rng.int(w - P + 1),
        hflip: this.spec.flips && rng.uniform() < 0.5,
        vflip: this.spec.flips && rng.uniform() < 0.5,
        transpose: this.spec.rot90 && rng.uniform() < 0.5,
      };
      writePatch(gt, P, op, x0, b * per);
      if (lq && lr) writeUpscaledPatch(lq, lr, P, op, mu, b * per);
      else if (lq) writePatch(lq, P, op, mu, b * per);
      else if (deg.kind === 'gaussian') {
        const sigma = deg.sigma ?? deg.sigmaRange![0] + (deg.sigmaRange![1] - deg.sigmaRange![0]) * rng.uniform();
        addGaussian(x0, mu, b * per, per, sigma, deg.clip, rng, tmp);
      } else if (deg.kind === 'none') mu.set(x0.subarray(b * per, (b + 1) * per), b * per);
      else imageToPlanar(degradeImage(planarToImage(x0, P, P, b * per), deg, rng), mu, b * per);
    }
    const srng = this.root.fork('train/step').fork(step);
    for (let b = 0; b < B; b++) t[b] = 1 + srng.int(this.spec.T);
    srng.fillNormal(noise);
    return { step, x0, mu, noise, t };
  }
}

// ---------------------------------------------------------------------------------------------------------
// Batch sources: inline (main thread) or a worker thread with prefetch

export interface BatchSource {
  /** The batch of `step`; also requests the next `prefetch` steps (up to `lastStep`). */
  get(step: number): Promise<Batch>;
  /** Start preparing the batches from `step` on (the worker warms up while the training graph compiles). */
  start(step: number): void;
  close(): Promise<void>;
  readonly mode: 'inline' | 'worker';
}

class InlineSource implements BatchSource {
  readonly mode = 'inline' as const;
  constructor(private readonly maker: BatchMaker) {}
  get(step: number): Promise<Batch> { return this.maker.make(step); }
  start(): void {}
  async close(): Promise<void> {}
}

interface Pending { promise: Promise<Batch>; resolve: (b: Batch) => void; reject: (e: unknown) => void }

type WorkerReply =
  | { type: 'batch'; batch: Batch }
  | { type: 'fatal'; message: string }
  | { type: 'error'; step: number; code?: string; message: string; hint?: string; file?: string };

/** The worker's module: .ts under tsx (the sources), .js in a build. */
function workerUrl(): URL {
  const self = import.meta.url;
  return new URL(self.endsWith('.ts') ? './data-worker.ts' : './data-worker.js', self);
}

class WorkerSource implements BatchSource {
  readonly mode = 'worker' as const;
  private readonly pending = new Map<number, Pending>();
  private failure: unknown = null;
  private closed = false;

  constructor(private readonly worker: Worker, private readonly prefetch: number, private readonly lastStep: number) {
    const fail = (e: unknown) => {
      if (this.closed || this.failure) return;
      this.failure = e instanceof Error ? new IrsdeError('data-worker', `data worker failed: ${e.message}`, { cause: e }) : new IrsdeError('data-worker', `data worker exited (${String(e)})`);
      for (const p of this.pending.values()) p.reject(this.failure);
    };
    worker.on('message', (m: WorkerReply) => {
      if (m.type === 'batch') this.pending.get(m.batch.step)?.resolve(m.batch);
      else if (m.type === 'fatal') fail(new Error(m.message));
      else this.pending.get(m.step)?.reject(new IrsdeError(m.code ?? 'data-error', m.message, { hint: m.hint, file: m.file }));
    });
    worker.on('error', fail);
    worker.on('exit', (code) => fail(`exit code ${code}`));
  }

  private request(step: number): Pending {
    let p = this.pending.get(step);
    if (!p) {
      let resolve!: (b: Batch) => void, reject!: (e: unknown) => void;
      const promise = new Promise<Batch>((res, rej) => { resolve = res; reject = rej; });
      promise.catch(() => {}); // observed by get(); avoid unhandled rejections for prefetched steps
      p = { promise, resolve, reject };
      this.pending.set(step, p);
      if (this.failure) reject(this.failure);
      else this.worker.postMessage({ type: 'batch', step });
    }
    return p;
  }

  start(step: number): void {
    for (let s = step; s <= Math.min(this.lastStep, step + this.prefetch - 1); s++) this.request(s);
  }

  async get(step: number): Promise<Batch> {
    const p = this.request(step);
    for (let s = step + 1; s <= Math.min(this.lastStep, step + this.prefetch); s++) this.request(s);
    try {
      return await p.promise;
    } finally {
      this.pending.delete(step);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.pending.clear();
    await this.worker.terminate();
  }
}

/**
 * Open the training batches of a config. `worker: true` builds them in a worker thread (ORT's session.run
 * blocks the main thread, so only a thread can overlap data work with a step); `lastStep` bounds prefetching.
 */
export async function openBatchSource(spec: BatchSpec, opts: { worker: boolean; prefetch: number; lastStep: number }): Promise<BatchSource> {
  const maker = new BatchMaker(spec); // validates the spec on this thread
  if (!opts.worker) return new InlineSource(maker);
  const url = workerUrl();
  let worker: Worker;
  if (url.pathname.endsWith('.ts')) {
    // Sources run through tsx: register it in the worker before importing the TypeScript module. tsx is
    // resolved here (from this file), since an eval'd worker resolves bare names from the working directory.
    const tsxApi = import.meta.resolve('tsx/esm/api');
    const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })` +
      `.catch((e) => { require('node:worker_threads').parentPort.postMessage({ type: 'fatal', message: String(e && e.message || e) }); process.exit(1); });`;
    worker = new Worker(boot, { eval: true, workerData: { spec } });
  } else {
    worker = new Worker(url, { workerData: { spec } });
  }
  return new WorkerSource(worker, opts.prefetch, opts.lastStep);
}

/** The BatchSpec of a config (lists the training images; returns warnings about skipped files). */
export async function batchSpecFor(c: TrainConfig): Promise<{ spec: BatchSpec; warnings: string[] }> {
  const { items, warnings } = await listSource(c.data.train);
  const paired = items.filter((i) => i.lq).length;
  if (paired > 0 && paired < items.length) throw new IrsdeError('bad-data', 'the training source mixes paired and clean images');
  if (paired === 0 && c.data.degradation.kind === 'none' && c.sde.kind === 'irsde') {
    throw new IrsdeError('bad-config', 'the training images are clean-only but data.degradation is "none": μ would equal x₀', { hint: 'set data.degradation, e.g. {"kind": "gaussian", "sigma": 25}' });
  }
  await checkTrainImages(items, c.data.patch, c.data.degradation.kind === 'bicubic-sr' ? c.data.degradation.scale : 1);
  return {
    spec: {
      items, patch: c.data.patch, batch: c.data.batch, channels: 3, flips: c.data.flips, rot90: c.data.rot90,
      degradation: c.data.degradation, seed: c.seed, T: c.sde.T, fingerprint: fingerprint(items),
    },
    warnings,
  };
}

/** "N images, <hash of their names>": a resumed run compares it with its checkpoint's (the data order depends on the list). */
function fingerprint(items: ImageItem[]): string {
  let h = 0x811c9dc5;
  for (const it of items) {
    for (const ch of `${it.name}${it.lq ? '+lq' : ''}\n`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  }
  return `${items.length} images, ${(h >>> 0).toString(16).padStart(8, '0')}`;
}

/**
 * Every training image, from its header, before the first step: readable, a PNG or JPEG, at least one patch in
 * size, and (paired) the size of its partner. Otherwise the first batch that draws a bad one would stop a run
 * hours in. (Damage past the header still shows only when the image is decoded.)
 */
async function checkTrainImages(items: ImageItem[], patch: number, srScale: number): Promise<void> {
  const problems: string[] = [];
  const sizeOf = async (file: string): Promise<{ width: number; height: number } | string> => {
    let fh;
    try {
      fh = await open(file, 'r');
      const head = new Uint8Array(1 << 17);
      const { bytesRead } = await fh.read(head, 0, head.length, 0);
      let bytes = head.subarray(0, bytesRead);
      let size = headerSize(bytes);
      if (!size && bytesRead === head.length) size = headerSize(bytes = new Uint8Array(await fh.readFile()));
      if (!size) return bytesRead === 0 ? 'empty file' : sniffFormat(head) ? 'no image size in its header (damaged?)' : 'not a PNG or JPEG file';
      // as the reader will turn it (EXIF orientation; a PNG eXIf chunk past the first 128 KB is not seen here)
      return orientedSize(size.width, size.height, fileOrientation(bytes));
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    } finally {
      await fh?.close();
    }
  };
  let sizeHint: string | null = null;
  for (const it of items) {
    const gt = await sizeOf(it.gt);
    if (typeof gt === 'string') { problems.push(`${it.gt} (${gt})`); continue; }
    let used = gt; // the ground truth the patches come from (for LR inputs: cropped to LR × scale)
    if (it.lq) {
      const lq = await sizeOf(it.lq);
      if (typeof lq === 'string') problems.push(`${it.lq} (${lq})`);
      else if (lq.width !== gt.width || lq.height !== gt.height) {
        try {
          const sc = checkPairSizes(it, lq, gt, srScale > 1 ? { kind: 'bicubic-sr', scale: srScale } : { kind: 'none' });
          used = { width: lq.width * sc, height: lq.height * sc };
        } catch (e) {
          problems.push(`${it.lq} (${lq.width}×${lq.height}, its ground truth ${gt.width}×${gt.height})`);
          sizeHint ??= (e as IrsdeError).hint ?? null;
          continue;
        }
      }
    }
    if (Math.min(used.width, used.height) < patch) problems.push(`${it.gt} (${used.width}×${used.height} is smaller than the ${patch}×${patch} patch)`);
  }
  if (problems.length > 0) {
    throw new IrsdeError('bad-data', `${problems.length} training image${problems.length > 1 ? 's' : ''} cannot be used: ${problems.slice(0, 3).join('; ')}${problems.length > 3 ? `; and ${problems.length - 3} more` : ''}`, {
      hint: sizeHint ?? 'remove or replace them, or lower data.patch',
    });
  }
}

export function errorReply(step: number, e: unknown): WorkerReply {
  if (isIrsdeError(e)) return { type: 'error', step, code: e.code, message: e.message, hint: e.hint, file: e.file };
  return { type: 'error', step, message: e instanceof Error ? e.message : String(e) };
}

// ---------------------------------------------------------------------------------------------------------
// Validation images

export interface ValImage { name: string; width: number; height: number; gt: Float32Array; lq: Float32Array }

/** Centre crop (or whole image) of an HWC float image as CHW. */
function toCHW(img: FloatImage, crop: number): { data: Float32Array; width: number; height: number } {
  const w = crop > 0 ? crop : img.width, h = crop > 0 ? crop : img.height;
  const ox = (img.width - w) >> 1, oy = (img.height - h) >> 1;
  const out = new Float32Array(3 * w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const s = ((oy + y) * img.width + ox + x) * img.channels;
    for (let c = 0; c < 3; c++) out[c * w * h + y * w + x] = img.data[s + c]!;
  }
  return { data: out, width: w, height: h };
}

/**
 * The held-out images: the first `count` of the source, centre-cropped to `crop` (0: whole), CHW. Clean
 * images are degraded from `seed` (image k uses fork(k)), the same every validation: Gaussian noise σ (0..255,
 * clipped) by default or for a gaussian `degradation`, else the crop goes through `degradeImage`. Paired SR
 * sets (LR smaller than HR by the bicubic-sr scale, e.g. Set5) get μ = MATLAB bicubic ↑scale of the LR, and the
 * HR cut to that size, before cropping.
 */
export async function loadValImages(src: DataSource, o: { count: number; crop: number; sigma: number; seed: number; degradation?: Degradation }): Promise<{ images: ValImage[]; warnings: string[] }> {
  const { items, warnings } = await listSource(src);
  const images: ValImage[] = [];
  const root = new Rng(o.seed).fork('val/degrade');
  const deg = o.degradation && o.degradation.kind !== 'gaussian' && o.degradation.kind !== 'none' ? o.degradation : null;
  if (deg) await prepareDegradation(deg);
  for (const [k, it] of items.slice(0, o.count).entries()) {
    let gtImg = await readImage(it.gt);
    let lqImg: FloatImage | null = null;
    if (it.lq) {
      lqImg = await readImage(it.lq);
      if (lqImg.width !== gtImg.width || lqImg.height !== gtImg.height) {
        const s = checkPairSizes(it, lqImg, gtImg, o.degradation ?? { kind: 'none' });
        lqImg = matlabImresize(lqImg, s);
        gtImg = cropImage(gtImg, 0, 0, lqImg.width, lqImg.height);
      }
    }
    if (o.crop > 0 && (gtImg.width < o.crop || gtImg.height < o.crop)) {
      throw new IrsdeError('bad-data', `${it.gt}: ${gtImg.width}×${gtImg.height} is smaller than the ${o.crop}×${o.crop} validation crop`, { file: it.gt, hint: 'lower val.crop' });
    }
    const gt = toCHW(gtImg, o.crop);
    let lq: Float32Array;
    if (lqImg) {
      lq = toCHW(lqImg, o.crop).data;
    } else if (deg) {
      const ow = o.crop > 0 ? o.crop : gtImg.width, oh = o.crop > 0 ? o.crop : gtImg.height;
      const cropped = cropImage(gtImg, (gtImg.width - ow) >> 1, (gtImg.height - oh) >> 1, ow, oh);
      lq = toCHW(degradeImage(toRGB(cropped), deg, root.fork(k)), 0).data;
    } else {
      lq = new Float32Array(gt.data.length);
      const n = new Float32Array(gt.data.length);
      root.fork(k).fillNormal(n);
      const s = o.sigma / 255;
      for (let i = 0; i < n.length; i++) { const v = gt.data[i]! + s * n[i]!; lq[i] = v < 0 ? 0 : v > 1 ? 1 : v; }
    }
    images.push({ name: it.name, width: gt.width, height: gt.height, gt: gt.data, lq });
  }
  return { images, warnings };
}
