/**
 * `restore(image, options)`: diffusion restoration of one image with a trained mean-reverting-SDE model.
 *
 *   - The model is a registry name or folder (Node), or a `{ config, weights }` object (anywhere).
 *   - The network graph is emitted with the weights baked in and its ONNX Runtime session cached per (model,
 *     device, threads), either for the exact tile shape or with symbolic H and W (any tile size runs on it);
 *     `acquireSession` below says which and why; one idle session per model is kept. Both kinds give the same
 *     pixels (bit-identical for the shipped NAFNet models, floats within ~1e-5 for the U-Net).
 *   - Large images are cut into equal tiles with overlap (edge tiles shifted inside the image) and blended
 *     with linear feathering (tiles.ts); memory is the tile buffers plus one float RGB accumulator.
 *     An image no larger than one tile is run whole (padded on the host to the network multiple), so tiled
 *     restoration of an image that fits in a tile equals untiled restoration exactly.
 *   - Each tile's sampler noise comes from its own stream, derived from (seed, tile index): same seed, same
 *     output, whatever the machine.
 *   - Grey images are replicated to RGB and averaged back; alpha is passed through untouched.
 *   - Super-resolution models (config "scale" s > 1) first upsample the input ×s with MATLAB bicubic (the μ they
 *     were trained on); sampling and tiling then run on the upsampled image, and the output is s× larger (alpha
 *     is upsampled the same way).
 *
 * Values: the network works in the config's `valueRange` (usually [0, 1]); the result is clamped to it.
 */
import { IrsdeError, isIrsdeError } from '../common/errors.js';
import { Graph, type Tensor } from '../graph/tensor.js';
import { emitModel, serializeModel } from '../graph/emitter.js';
import { nchwcBlockSize } from '../runtime/nchwc.js';
import { Scope } from '../nn/scope.js';
import { conditionalNAFNet, denoisingNAFNet, nafnetPadding } from '../nn/nafnet.js';
import { conditionalUNet, denoisingUNet, unetPadding } from '../nn/unet.js';
import type { PadSpec } from '../nn/padding.js';
import { reflect101 } from '../image/pad.js';
import type { FloatImage } from '../image/types.js';
import { channelsEqual, toByte } from '../image/convert.js';
import { matlabImresize } from '../degrade/resize.js';
import { calibratedNoiseLevel, estimateNoiseLevel } from '../metrics/noise-level.js';
import { getBackend, type BackendName, type HostTensor, type Session } from '../runtime/backend.js';
import { createRng, type Seed } from '../runtime/rng.js';
import { decodeSafetensors } from '../runtime/safetensors.js';
import { ParamStore } from '../runtime/params.js';
import { createSDE } from '../sde/configs.js';
import { asNoiseNetwork } from '../sde/prediction.js';
import { MeanRevertingSDE } from '../sde/sde.js';
import { DenoisingSDE, denoise } from '../sde/denoising.js';
import { sample, sampleReducedSteps, samplePosterior, stridedTimesteps, type SamplerMode } from '../sde/samplers.js';
import type { NoiseNetwork, SampleProgressEvent } from '../sde/types.js';
import { canonicalTask, validateModelConfig, type ModelConfig } from './config.js';
import { planTiles } from './tiles.js';
import { MAX_IMAGE_PIXELS as MAX_PIXELS } from '../image/codecs.js';

/** Pixel buffers accepted (and returned) by `restore`: 8-bit, 16-bit or float ([0, 1]) samples, interleaved. */
export type PixelData = Uint8Array | Uint8ClampedArray | Uint16Array | Float32Array;

/** An interleaved image: 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA channels. */
export interface PixelImage<D extends PixelData = PixelData> {
  data: D;
  width: number;
  height: number;
  channels: number;
}

/** A model given directly (e.g. in the browser): its config.json and its weights (safetensors bytes or a map). */
export interface ModelSource {
  config: ModelConfig | unknown;
  weights: Uint8Array | ArrayBuffer | ReadonlyMap<string, Float32Array>;
  /** Cache key; default: the object identity. */
  key?: string;
}

export interface RestoreProgressEvent {
  type: 'progress';
  stage: 'restore';
  /** 1-based tile index and the tile count. */
  tile: number;
  tiles: number;
  /** Steps completed in this tile (0 when the tile starts) and the tile's step count (× 8 with `ensemble`). */
  step: number;
  steps: number;
}

export interface RestoreOptions {
  /** Pick the default model of this task (registry; Node). */
  task?: string;
  /** A registry model name or model folder path (Node), or a `ModelSource`. */
  model?: string | ModelSource;
  /** Models folder (default: $IRSDE_MODELS_DIR, else <package>/models). */
  modelsDir?: string;
  /** Sampler (default: the model's recommended one). */
  sampler?: SamplerMode;
  /**
   * Sampling steps (default: the model's). posterior: a strided grid of `steps` times; sde/ode: the reference
   * reduced-step schedule when steps < T. Denoising-SDE models: at most this many steps from the start step t*
   * (a strided grid when t* is larger).
   */
  steps?: number;
  /**
   * Denoising-SDE models: the noise level σ of the input in 8-bit units (25 means 25/255; 1 means 1/255) that picks the
   * start step t*. Default: the model's fixed level if it has one, else estimated from the image
   * (`estimateNoiseLevel`, corrected by `calibratedNoiseLevel`). 0 returns the input unchanged.
   */
  noiseLevel?: number;
  /** Tile size in pixels (rounded up to the network multiple); 0: never tile. Default: the model's, else 512. */
  tile?: number;
  /** Tile overlap in pixels, at most tile/2. Default: the model's, else 32. */
  overlap?: number;
  /** Sampler seed (default 0). */
  seed?: Seed;
  /**
   * Geometric self-ensemble: restore each tile in its 8 flips/rotations and average the results mapped
   * back (the "+" of restoration papers). 8× the time; usually a few tenths of a dB more PSNR.
   */
  ensemble?: boolean;
  /** ONNX Runtime backend: 'node' (default in Node), 'wasm' (default elsewhere) or 'webgpu'. */
  device?: BackendName;
  /** Intra-op threads for the 'node' backend (default: all cores). */
  threads?: number;
  /**
   * 'node' backend: compile the network for the exact tile shape (true; faster per step) or for any H×W
   * (false; one compile serves every image size). Default: decided per restore from the work it has to do.
   */
  fixedShape?: boolean;
  signal?: AbortSignal;
  onProgress?: (e: RestoreProgressEvent) => void;
}

/** What a restoration used (for logs and sidecars). */
export interface RestoreInfo {
  model: string;
  task: string;
  sampler: SamplerMode;
  steps: number;
  /** The largest tile asked for (0: none), and the size of the tiles used: as short as still covers the image. */
  tile: number;
  overlap: number;
  tiles: number;
  tileWidth: number;
  tileHeight: number;
  seed: Seed;
  device: BackendName;
  /** Super-resolution factor of the model (the output is this many times larger); absent for 1. */
  scale?: number;
  /** Restorations averaged per tile: 8 with `ensemble`, absent for 1. */
  ensemble?: number;
  /** Denoising-SDE models: the noise level used (σ in 8-bit units), whether it was estimated, and t*. */
  noiseLevel?: number;
  noiseEstimated?: boolean;
  startStep?: number;
}

export const DEFAULT_TILE = 512;
export const DEFAULT_OVERLAP = 32;
const isNode = typeof process === 'object' && typeof process.versions === 'object' && !!process.versions.node;

// ---------------------------------------------------------------------------------------------------------
// Model loading and the session cache

interface Prepared {
  key: string;
  name: string;
  config: ModelConfig;
  loadWeights: () => Promise<ReadonlyMap<string, Float32Array>>;
}

const sourceKeys = new WeakMap<object, string>();
let sourceCounter = 0;

async function prepareModel(opts: RestoreOptions): Promise<Prepared> {
  const m = opts.model;
  if (m !== undefined && typeof m === 'object') {
    if (!m || !('config' in m) || !('weights' in m)) throw new IrsdeError('bad-option', 'model must be a name, a folder path or { config, weights }');
    const config = validateModelConfig(m.config, 'model config');
    let key = m.key ?? sourceKeys.get(m);
    if (!key) { key = `source#${++sourceCounter}`; sourceKeys.set(m, key); }
    if (opts.task !== undefined && canonicalTask(config.task) !== canonicalTask(opts.task)) throw new IrsdeError('bad-option', `model "${config.name}" is for task "${config.task}", not "${opts.task}"`);
    // safetensors bytes as a Uint8Array or as the ArrayBuffer `await response.arrayBuffer()` gives, or a name → tensor map
    const w = m.weights instanceof ArrayBuffer ? new Uint8Array(m.weights) : m.weights;
    const isMap = typeof (w as Partial<ReadonlyMap<string, Float32Array>>)?.get === 'function' && typeof (w as Partial<ReadonlyMap<string, Float32Array>>)?.has === 'function';
    if (!(w instanceof Uint8Array) && !isMap) {
      throw new IrsdeError('bad-option', `model weights must be the safetensors file's bytes (Uint8Array or ArrayBuffer) or a Map of name → Float32Array, got ${shown(w)}`);
    }
    return {
      key, name: config.name, config,
      loadWeights: async () => {
        if (!(w instanceof Uint8Array)) return w;
        const store = ParamStore.fromSafetensors(decodeSafetensors(w, { toFloat32: true }));
        return new Map([...store].map((p) => [p.name, p.data]));
      },
    };
  }
  if (!isNode) throw new IrsdeError('bad-option', 'in the browser, pass the model as { config, weights }');
  // A computed specifier keeps bundlers from pulling the Node-only registry into browser builds.
  const spec = './registry.js';
  const reg = (await import(/* @vite-ignore */ spec)) as typeof import('./registry.js');
  const r = reg.resolveModel({ model: m, task: opts.task, modelsDir: opts.modelsDir });
  return { key: r.dir, name: r.name, config: r.config, loadWeights: () => reg.loadModelWeights(r) };
}

function networkPadding(config: ModelConfig): PadSpec {
  const n = config.network;
  const spec = n.kind === 'nafnet' ? nafnetPadding(n.config) : unetPadding(n.config);
  return n.padding ? { ...spec, mode: n.padding } : spec;
}

function buildGraph(config: ModelConfig, shape: readonly [number, number] | null): { graph: Graph; out: Tensor } {
  const graph = new Graph();
  const s = new Scope(graph);
  const dims = shape ? [1, 3, shape[0], shape[1]] : ['B', 3, 'H', 'W'];
  const xt = graph.input('xt', dims);
  const mu = graph.input('mu', dims);
  const t = graph.input('t', [dims[0]!]);
  const n = config.network;
  const cond = n.conditional !== false;
  const out = n.kind === 'nafnet'
    ? (cond ? conditionalNAFNet(s, xt, mu, t, n.config) : denoisingNAFNet(s, xt, t, n.config))
    : (cond ? conditionalUNet(s, xt, mu, t, n.config) : denoisingUNet(s, xt, t, n.config));
  return { graph, out };
}

interface CachedSession { session: Promise<Session>; users: number }
/**
 * Sessions by `${model}|${device}|${threads}|${shape}`; shape is "<h>x<w>" (fixed) or "any" (symbolic H and W).
 * At most one idle session per model is kept: each holds its own buffers (~260 MB for the w24 NAFNet at 512²),
 * so a process restoring images of many sizes must not collect one per size.
 */
const sessions = new Map<string, CachedSession>();
/**
 * Network calls × padded pixels from which a restore compiles a session for its tile shape although a
 * shape-generic one is cached. Measured (onnxruntime-node, 2 cores): a fixed-shape session compiles no slower
 * (w24 NAFNet 274 vs 330 ms) and runs each call faster because onnxruntime plans every shape ahead
 * (w24: 472 vs 539 ms at 512², −6.5 ms at 256²; w32 conditional at 256²: −13 to −20 ms of ~170). 2²² pixel-calls
 * (16 calls at 512²) repay a second compile.
 */
const FIXED_SHAPE_MIN_WORK = 2 ** 22;
/**
 * Network calls × padded pixels from which a fixed-shape session uses the blocked-layout inference graph
 * (graph/emitter.ts, nchwcInference), which needs the block-size probe (~40 ms once per process). Measured per call
 * against onnxruntime's own NCHWc pass (separate processes, alternating): w24 NAFNet at 512² −32 to −43 ms of ~290
 * (0.12 µs per pixel), w16 −22.7 ms at 512², −4.4 ms at 256². 2²⁰ pixel-calls (4 calls at 512²) repay the probe
 * about twice.
 */
const BLOCKED_MIN_WORK = 2 ** 20;
/** Sessions this process has compiled (the block-size probe pays from the second one). */
let sessionsCompiled = 0;

/**
 * The session for one padded tile shape, counted as in use until `release()`. Fixed shape when asked, when one
 * is cached for this shape, when the work repays a compile, or when nothing is cached for the model (the common
 * single-image run compiles once either way); the symbolic one otherwise (images of several sizes). Creating a
 * session releases the model's other idle ones.
 */
async function acquireSession(p: Prepared, device: BackendName, threads: number | undefined, shape: readonly [number, number], work: number, fixedShape: boolean | undefined): Promise<{ session: Session; release: () => void }> {
  const base = `${p.key}|${device}|${threads ?? ''}|`;
  const fixedKey = base + shape.join('x'), anyKey = base + 'any';
  let key = anyKey;
  if (device === 'node' && fixedShape !== false) {
    const cachedForModel = [...sessions.keys()].some((k) => k.startsWith(base));
    if (fixedShape === true || sessions.has(fixedKey) || work >= FIXED_SHAPE_MIN_WORK || !cachedForModel) key = fixedKey;
  }
  let entry = sessions.get(key);
  if (!entry) {
    for (const [k, e] of sessions) {
      if (k.startsWith(base) && e.users === 0) { sessions.delete(k); void e.session.then((s) => s.release(), () => undefined); }
    }
    const fixed = key === fixedKey;
    const session = (async () => {
      const weights = await p.loadWeights();
      const { graph, out } = buildGraph(p.config, fixed ? shape : null);
      for (const prm of graph.params) {
        if (!weights.has(prm.name)) throw new IrsdeError('bad-model', `model "${p.name}": the weights have no "${prm.name}"`, { hint: 'the weights were saved for a different network configuration' });
      }
      const backend = await getBackend(device);
      // The blocked-layout inference graph: from BLOCKED_MIN_WORK, or once a process compiles its second session
      // (many images), when the probe is already paid.
      const blocked = fixed && (work >= BLOCKED_MIN_WORK || sessionsCompiled > 0);
      sessionsCompiled++;
      const nchwcBlock = blocked ? await nchwcBlockSize(backend, { forwardOnly: true }) : 0;
      let bytes: Uint8Array | null = serializeModel(emitModel(graph, { outputs: { eps: out }, bakedParams: weights, graphName: p.name, nchwcBlock, nchwcInference: true }).model);
      try {
        return await backend.createSession(bytes, { threads });
      } finally {
        bytes = null;
      }
    })();
    entry = { session, users: 0 };
    sessions.set(key, entry);
    session.catch(() => { if (sessions.get(key) === entry) sessions.delete(key); });
  }
  const e = entry;
  e.users++;
  try {
    const session = await e.session;
    let done = false;
    return { session, release: () => { if (!done) { done = true; e.users--; } } };
  } catch (err) {
    e.users--;
    throw err;
  }
}

/** The cached sessions (diagnostics and tests): key `${model}|${device}|${threads}|${"<h>x<w>" or "any"}`. */
export function cachedSessions(): { key: string; users: number }[] {
  return [...sessions].map(([key, e]) => ({ key, users: e.users }));
}

/** Release every cached ONNX Runtime session (the next restore compiles again). */
export async function releaseModels(): Promise<void> {
  const all = [...sessions.values()];
  sessions.clear();
  for (const e of all) await (await e.session.catch(() => null))?.release();
}

// ---------------------------------------------------------------------------------------------------------
// Options

/** A value as an error message shows it: numbers plainly, anything else with its type ("the string '16'"). */
function shown(v: unknown): string {
  return typeof v === 'number' ? String(v) : typeof v === 'string' ? `the string '${v}'` : v === null ? 'null' : `${typeof v} ${String(v)}`;
}

function checkInt(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new IrsdeError('bad-option', `${name} must be an integer from ${min} to ${max}, got ${shown(v)}`);
  }
  return v;
}

interface Resolved {
  mode: SamplerMode;
  steps: number;
  tile: number;
  overlap: number;
  seed: Seed;
  device: BackendName;
}

/** Every key of RestoreOptions: a misspelt one (`stpes`) is an error rather than silently ignored. */
const RESTORE_OPTION_KEYS: ReadonlySet<string> = new Set<keyof RestoreOptions>([
  'task', 'model', 'modelsDir', 'sampler', 'steps', 'noiseLevel', 'tile', 'overlap', 'seed', 'ensemble', 'device',
  'threads', 'fixedShape', 'signal', 'onProgress',
]);

function resolveOptions(config: ModelConfig, opts: RestoreOptions, multiple: number): Resolved {
  for (const k of Object.keys(opts)) {
    if (!RESTORE_OPTION_KEYS.has(k)) throw new IrsdeError('bad-option', `unknown restore option "${k}"`, { hint: `options: ${[...RESTORE_OPTION_KEYS].join(', ')}` });
  }
  const denoising = config.sde.kind === 'denoising';
  const modes: SamplerMode[] = denoising ? ['ode', 'sde'] : ['posterior', 'sde', 'ode'];
  const mode = opts.sampler ?? config.sampler.mode;
  if (!modes.includes(mode)) {
    const known = (['posterior', 'sde', 'ode'] as unknown[]).includes(mode);
    throw new IrsdeError('bad-option', known
      ? `the ${String(mode)} sampler does not apply to this model (a Denoising-SDE model: it starts from the noisy image itself)`
      : `unknown sampler "${String(mode)}"`, { hint: `use ${modes.join(', ')}` });
  }
  const steps = opts.steps === undefined ? config.sampler.steps : checkInt('steps', opts.steps, 1, config.sde.T);
  let tile = opts.tile ?? config.tile?.size ?? DEFAULT_TILE;
  if (tile !== 0 && tile !== Infinity) tile = checkInt('tile', tile, 8, 16384);
  if (tile === 0) tile = Infinity;
  else if (tile !== Infinity) tile = Math.ceil(tile / multiple) * multiple;
  let overlap = opts.overlap ?? config.tile?.overlap ?? DEFAULT_OVERLAP;
  const maxOverlap = tile === Infinity ? 16384 : Math.floor(tile / 2);
  if (opts.overlap === undefined) overlap = Math.min(overlap, maxOverlap);
  overlap = checkInt('overlap', overlap, 0, maxOverlap);
  const seed = opts.seed ?? 0;
  if (typeof seed !== 'string' && !Number.isSafeInteger(seed)) throw new IrsdeError('bad-option', `seed must be an integer of magnitude at most ${Number.MAX_SAFE_INTEGER}, or a string; got ${shown(seed)}`);
  const device = opts.device ?? (isNode ? 'node' : 'wasm');
  if (!['node', 'wasm', 'webgpu'].includes(device)) throw new IrsdeError('bad-option', `unknown device "${String(device)}"`, { hint: 'use node, wasm or webgpu' });
  // Without WebGPU (Node, or a browser without it) onnxruntime-web would quietly run 'webgpu' on the CPU.
  if (device === 'webgpu' && !(globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu) {
    throw new IrsdeError('bad-option', 'device "webgpu": this runtime has no WebGPU', { hint: isNode ? 'in Node use "node" (onnxruntime-node) or "wasm"' : 'use "wasm"' });
  }
  if (opts.threads !== undefined) checkInt('threads', opts.threads, 1, 1024);
  if (opts.noiseLevel !== undefined && !denoising) {
    throw new IrsdeError('bad-option', `a noise level applies to Denoising-SDE models (which start from it), not to "${config.name}" (${config.sde.kind === 'irsde' ? 'an IR-SDE model that starts from its fixed maximum noise' : config.sde.kind})`, {
      hint: 'drop --noise-level, or use a Denoising-SDE model such as denoise-color',
    });
  }
  if (opts.onProgress !== undefined && typeof opts.onProgress !== 'function') throw new IrsdeError('bad-option', `onProgress must be a function, got ${shown(opts.onProgress)}`);
  if (opts.signal !== undefined && !(typeof opts.signal === 'object' && opts.signal !== null && 'aborted' in opts.signal && typeof opts.signal.addEventListener === 'function')) {
    throw new IrsdeError('bad-option', 'signal must be an AbortSignal (e.g. new AbortController().signal)');
  }
  return { mode, steps, tile, overlap, seed, device };
}

/**
 * Resolve the model and check the options without restoring anything (the CLI calls this once before a
 * batch, so a bad --model, --task, --sampler or --steps fails before any file is touched).
 */
export async function checkRestoreOptions(opts: RestoreOptions = {}): Promise<{ model: string; dir?: string; config: ModelConfig; sampler: SamplerMode; steps: number; tile: number; overlap: number }> {
  const prepared = await prepareModel(opts);
  const r = resolveOptions(prepared.config, opts, networkPadding(prepared.config).multiple);
  return {
    model: prepared.name, ...(typeof opts.model === 'object' ? {} : { dir: prepared.key }), config: prepared.config,
    sampler: r.mode, steps: r.steps, tile: r.tile === Infinity ? 0 : r.tile, overlap: r.overlap,
  };
}

function checkImage(img: PixelImage): void {
  const d = (img as { data?: unknown } | null)?.data;
  if (!(d instanceof Uint8Array || d instanceof Uint8ClampedArray || d instanceof Uint16Array || d instanceof Float32Array)) {
    throw new IrsdeError('bad-input', 'image.data must be a Uint8Array, Uint8ClampedArray, Uint16Array or Float32Array');
  }
  const { width, height, channels } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new IrsdeError('bad-input', `image size must be positive integers, got ${shown(width)} × ${shown(height)}`);
  }
  if (!Number.isInteger(channels) || channels < 1 || channels > 4) throw new IrsdeError('bad-input', `image channels must be 1 to 4, got ${shown(channels)}`);
  if (width * height > MAX_PIXELS) throw new IrsdeError('image-too-large', `image ${width}×${height} is too large (more than ${MAX_PIXELS / 2 ** 20} Mpixel)`);
  if (d.length !== width * height * channels) {
    throw new IrsdeError('bad-input', `image.data has ${d.length} values, expected ${width}×${height}×${channels} = ${width * height * channels}`);
  }
  if (d instanceof Float32Array) {
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i]!)) throw new IrsdeError('bad-input', `image.data[${i}] is ${d[i]}: float pixels must be finite numbers`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Sampling one tile

/** The factor that maps the caller's samples to [0, 1]: float as is, 16-bit and 8-bit by their maximum. */
function unitScale(data: PixelImage['data']): number {
  return data instanceof Float32Array ? 1 : data instanceof Uint16Array ? 1 / 65535 : 1 / 255;
}

/**
 * Denoising-SDE models: the noise level (σ as a fraction of the [0, 1] range) — the caller's, else the model's
 * fixed one, else estimated from the whole image — and the start step it gives in the network's value range.
 */
function denoisingStart(sde: DenoisingSDE, config: ModelConfig, img: PixelImage, given: number | undefined, span: number):
  { sigma: number; estimated: boolean; startStep: number } {
  const level = given ?? config.sampler.noiseLevel;
  let sigma: number;
  if (level !== undefined) {
    if (!(Number.isFinite(level) && level >= 0 && level <= 255)) {
      throw new IrsdeError('bad-option', `noise level must be a number in [0, 255], got ${String(level)}`, { hint: 'σ in 8-bit units, e.g. 25' });
    }
    // always 8-bit units here: the SDE layer's "a fraction if ≤ 1" (the reference's rule) would read 1 as 255
    sigma = level / 255;
  } else {
    // the raw estimate reads low on clipped noise; the calibrated σ is the level the model was trained on
    sigma = calibratedNoiseLevel(estimateNoiseLevel(img, { valueScale: unitScale(img.data) }) * 255) / 255;
  }
  return { sigma, estimated: level === undefined, startStep: sde.optimalStartStep(Math.min(1, sigma * span)) };
}

async function runSampler(
  net: NoiseNetwork, sde: MeanRevertingSDE | DenoisingSDE, mu: Float32Array, seedRng: ReturnType<typeof createRng>,
  r: Resolved, startStep: number, shape: number[], signal: AbortSignal | undefined, onStep: (e: SampleProgressEvent) => void,
): Promise<Float32Array> {
  const o = { shape, signal, onProgress: onStep };
  if (sde instanceof DenoisingSDE) return denoise(net, sde, mu, seedRng, { ...o, mode: r.mode as 'ode' | 'sde', startStep, steps: r.steps });
  if (r.mode === 'posterior') return samplePosterior(net, sde, mu, seedRng, { ...o, timesteps: r.steps === sde.T ? undefined : stridedTimesteps(sde.T, r.steps) });
  if (r.steps === sde.T) return sample(net, sde, mu, seedRng, { ...o, mode: r.mode });
  return sampleReducedSteps(net, sde, mu, seedRng, { ...o, mode: r.mode, steps: r.steps });
}

/**
 * Where each of `padded` positions along an axis of length n reads from: itself inside, a reflection (reflect-101)
 * or −1 (a zero) beyond. Reflect padding (the U-Net's) cannot pad an axis by as much as its length (torch refuses;
 * reflect-101 would wrap around periodically), so such an axis of a tiny image is padded with zeros instead
 * (NETWORKS.md §6).
 */
export function padSourceIndex(n: number, padded: number, mode: PadSpec['mode']): Int32Array {
  const reflect = mode === 'reflect' && padded - n < n;
  return Int32Array.from({ length: padded }, (_, i) => (i < n ? i : reflect ? reflect101(i, n) : -1));
}

/**
 * The noise network for one tile size h×w: pads x and μ at the right/bottom to the network multiple (zeros
 * for NAFNet, reflect for the U-Net, as the reference forward does internally), runs, crops ε̂ back.
 * Buffers are allocated once per tile size.
 */
function tileNetwork(session: Session, pad: PadSpec, h: number, w: number): { net: NoiseNetwork; setMu: (mu: Float32Array) => void } {
  const hp = Math.ceil(h / pad.multiple) * pad.multiple, wp = Math.ceil(w / pad.multiple) * pad.multiple;
  const padded = hp !== h || wp !== w;
  const dims = [1, 3, hp, wp];
  const xBuf = padded ? new Float32Array(3 * hp * wp) : null;
  const muBuf = padded ? new Float32Array(3 * hp * wp) : null;
  const outBuf = padded ? new Float32Array(3 * h * w) : null;
  const tBuf = new Float32Array(1);
  const rowMap = padSourceIndex(h, hp, pad.mode), colMap = padSourceIndex(w, wp, pad.mode);
  const padInto = (src: Float32Array, dst: Float32Array): void => {
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < hp; y++) {
        const sy = rowMap[y]!, drow = (c * hp + y) * wp;
        if (sy < 0) { dst.fill(0, drow, drow + wp); continue; }
        const srow = (c * h + sy) * w;
        dst.set(src.subarray(srow, srow + w), drow);
        for (let x = w; x < wp; x++) { const sx = colMap[x]!; dst[drow + x] = sx < 0 ? 0 : src[srow + sx]!; }
      }
    }
  };
  let muFeed: HostTensor = { data: new Float32Array(0), dims, dtype: 'float32' };
  const inputs = new Set(session.inputNames);
  return {
    setMu(mu) {
      if (muBuf) { padInto(mu, muBuf); muFeed = { data: muBuf, dims, dtype: 'float32' }; } else muFeed = { data: mu, dims, dtype: 'float32' };
    },
    async net(x, _mu, t) {
      tBuf[0] = t;
      if (xBuf) padInto(x, xBuf);
      const feeds: Record<string, HostTensor> = {
        xt: { data: xBuf ?? x, dims, dtype: 'float32' },
        t: { data: tBuf, dims: [1], dtype: 'float32' },
      };
      if (inputs.has('mu')) feeds.mu = muFeed;
      const res = await session.run(feeds);
      const eps = res[session.outputNames[0]!]!.data as Float32Array;
      if (!outBuf) return eps;
      for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) outBuf.set(eps.subarray((c * hp + y) * wp, (c * hp + y) * wp + w), (c * h + y) * w);
      return outBuf;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// The restoration loop

/**
 * Restore an image given as float samples (any of 1–4 channels, values in [0, 1]); returns the same layout.
 * The workhorse behind `restore`; also returns what was used.
 */
export async function restoreImage(img: PixelImage, opts: RestoreOptions = {}): Promise<{ image: PixelImage; info: RestoreInfo }> {
  checkImage(img);
  throwIfAborted(opts.signal);
  const prepared = await prepareModel(opts);
  const config = prepared.config;
  const pad = networkPadding(config);
  const r = resolveOptions(config, opts, pad.multiple);
  const sde = createSDE({ kind: config.sde.kind ?? 'irsde', maxSigma: config.sde.maxSigma, T: config.sde.T, schedule: config.sde.schedule, eps: config.sde.eps });
  const start = sde instanceof DenoisingSDE ? denoisingStart(sde, config, img, opts.noiseLevel, config.valueRange[1] - config.valueRange[0]) : null;
  const count = start ? Math.min(start.startStep, r.steps) : r.steps;

  let threads = opts.threads;
  if (threads === undefined && r.device === 'node' && isNode) {
    const osModule = 'node:os'; // computed: keeps browser bundles from resolving a Node built-in
    const os = (await import(/* @vite-ignore */ osModule)) as typeof import('node:os');
    threads = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  }
  throwIfAborted(opts.signal);

  const srScale = config.scale ?? 1;
  const orig = img.data;
  if (srScale > 1) img = upsampleInput(img, srScale);
  const { width: W, height: H, channels: C, data } = img;
  const plan = planTiles(W, H, r.tile, r.overlap, pad.multiple);
  const th = plan.rows.length, tw = plan.cols.length;
  const scale = unitScale(data);
  const [lo, hi] = config.valueRange;
  const span = hi - lo;
  const plane = W * H;
  const acc = new Float32Array(3 * plane);
  const mu = new Float32Array(3 * th * tw);
  // One network per tile orientation (the transposed one only for the self-ensemble of non-square tiles).
  const views = new Map<string, { net: NoiseNetwork; setMu: (mu: Float32Array) => void }>();
  const view = (h: number, w: number) => {
    let v = views.get(`${h}x${w}`);
    if (!v) {
      const t = tileNetwork(tileSessions.get(`${h}x${w}`)!, pad, h, w);
      v = { net: asNoiseNetwork(t.net, sde, config.sde.prediction), setMu: t.setMu };
      views.set(`${h}x${w}`, v);
    }
    return v;
  };
  const ensemble = opts.ensemble === true ? 8 : 1;
  if (opts.ensemble !== undefined && typeof opts.ensemble !== 'boolean') throw new IrsdeError('bad-option', `ensemble must be true or false, got ${String(opts.ensemble)}`);
  // Every tile has the same size, so the 8 index maps and the view buffer are made once.
  const views8 = ensemble > 1 ? Array.from({ length: ensemble }, (_, k) => dihedral(k, th, tw)) : [];
  const muK = new Float32Array(ensemble > 1 ? mu.length : 0);
  if (opts.fixedShape !== undefined && typeof opts.fixedShape !== 'boolean') throw new IrsdeError('bad-option', `fixedShape must be true or false, got ${String(opts.fixedShape)}`);
  // Sessions per tile orientation (the transposed one only for the self-ensemble of non-square tiles).
  const orientations: [number, number][] = ensemble > 1 && th !== tw ? [[th, tw], [tw, th]] : [[th, tw]];
  const tileSessions = new Map<string, Session>();
  const held: (() => void)[] = [];
  const rootRng = createRng(r.seed);
  const info: RestoreInfo = {
    model: prepared.name, task: config.task, sampler: r.mode, steps: count, tile: r.tile === Infinity ? 0 : r.tile,
    overlap: r.overlap, tiles: plan.count, tileWidth: tw, tileHeight: th, seed: r.seed, device: r.device, ...(srScale > 1 ? { scale: srScale } : {}),
    ...(ensemble > 1 ? { ensemble } : {}),
    ...(start ? { noiseLevel: Math.round(start.sigma * 255 * 100) / 100, noiseEstimated: start.estimated, startStep: start.startStep } : {}),
  };

  const runTile = async (net: NoiseNetwork, muT: Float32Array, rng: ReturnType<typeof createRng>, shape: number[], onStep: (step: number) => void): Promise<Float32Array> => {
    try {
      return await runSampler(net, sde, muT, rng, r, start?.startStep ?? 0, shape, opts.signal, (e) => onStep(e.step));
    } catch (e) {
      if (isIrsdeError(e) && e.code === 'aborted') throw abortedError(opts.signal);
      throw e;
    }
  };

  try {
    for (const [h, w] of orientations) {
      const padded: [number, number] = [Math.ceil(h / pad.multiple) * pad.multiple, Math.ceil(w / pad.multiple) * pad.multiple];
      const calls = Math.max(count, 1) * plan.count * (ensemble / orientations.length);
      const { session, release } = await acquireSession(prepared, r.device, threads, padded, calls * padded[0] * padded[1], opts.fixedShape);
      held.push(release);
      tileSessions.set(`${h}x${w}`, session);
    }

    let index = 0;
    for (let ty = 0; ty < plan.rows.positions.length; ty++) {
      for (let tx = 0; tx < plan.cols.positions.length; tx++) {
        throwIfAborted(opts.signal);
        const x0 = plan.cols.positions[tx]!, y0 = plan.rows.positions[ty]!;
        // μ: the tile as planar RGB in the network's value range (grey replicated)
        for (let c = 0; c < 3; c++) {
          const sc = C >= 3 ? c : 0;
          for (let y = 0; y < th; y++) {
            let s = ((y0 + y) * W + x0) * C + sc;
            const d = (c * th + y) * tw;
            for (let x = 0; x < tw; x++, s += C) mu[d + x] = lo + data[s]! * scale * span;
          }
        }
        const tileNo = ++index;
        opts.onProgress?.({ type: 'progress', stage: 'restore', tile: tileNo, tiles: plan.count, step: 0, steps: count * ensemble });
        const rng = rootRng.fork(`tile:${tileNo - 1}`);
        let x: Float32Array;
        if (count === 0) x = Float32Array.from(mu);
        else if (ensemble === 1) {
          const v = view(th, tw);
          v.setMu(mu);
          x = await runTile(v.net, mu, rng, [1, 3, th, tw], (step) => {
            opts.onProgress?.({ type: 'progress', stage: 'restore', tile: tileNo, tiles: plan.count, step, steps: count });
          });
        } else {
          // Self-ensemble: the 8 dihedral views of the tile, each restored and mapped back, averaged.
          x = new Float32Array(mu.length);
          for (let k = 0; k < ensemble; k++) {
            const d = views8[k]!;
            for (let c = 0, plane = th * tw; c < 3; c++) for (let i = 0; i < plane; i++) muK[c * plane + i] = mu[c * plane + d.source[i]!]!;
            const v = view(d.height, d.width);
            v.setMu(muK);
            const out = await runTile(v.net, muK, k === 0 ? rng : rng.fork(`ensemble:${k}`), [1, 3, d.height, d.width], (step) => {
              opts.onProgress?.({ type: 'progress', stage: 'restore', tile: tileNo, tiles: plan.count, step: k * count + step, steps: count * ensemble });
            });
            for (let c = 0, plane = th * tw; c < 3; c++) for (let i = 0; i < plane; i++) x[c * plane + d.source[i]!] += out[c * plane + i]! / ensemble;
          }
        }
        const wy = plan.rows.weights[ty]!, wx = plan.cols.weights[tx]!;
        for (let c = 0; c < 3; c++) {
          for (let y = 0; y < th; y++) {
            const s = (c * th + y) * tw, d = c * plane + (y0 + y) * W + x0, wyv = wy[y]!;
            for (let xx = 0; xx < tw; xx++) acc[d + xx] += wyv * wx[xx]! * x[s + xx]!;
          }
        }
      }
    }
  } finally {
    for (const release of held) release();
  }
  // An abort that arrived during the last network call (for most images the only one) still aborts. A signal
  // (Ctrl-C) that came while onnxruntime held the thread is read in the event loop's next poll phase: two
  // setImmediate hops put one poll between here and the check.
  if (opts.signal) {
    const hop = (): Promise<void> => new Promise<void>((r) => (typeof setImmediate === 'function' ? setImmediate(r) : setTimeout(r, 0)));
    await hop();
    await hop();
    throwIfAborted(opts.signal);
  }

  // normalise, clamp, back to [0, 1] and the caller's layout (for SR: the caller's sample type)
  const out = makeLike(orig, plane * C);
  const toOut = orig instanceof Float32Array ? (v: number) => v
    : orig instanceof Uint16Array ? (v: number) => Math.round(v * 65535) : (v: number) => toByte(v);
  const alphaOut = srScale > 1 ? (v: number) => toOut(v < 0 ? 0 : v > 1 ? 1 : v) : (v: number) => v;
  const totalX = plan.cols.total, totalY = plan.rows.total;
  // A grey picture stored as RGB stays grey (the network, trained on colour noise, tints it slightly otherwise).
  const greyRGB = C >= 3 && channelsEqual(data, C);
  const px = new Float32Array(3);
  for (let y = 0; y < H; y++) {
    const ty = totalY[y]!;
    for (let x = 0; x < W; x++) {
      const i = y * W + x, norm = 1 / (ty * totalX[x]!);
      for (let c = 0; c < 3; c++) {
        let v = plan.count === 1 ? acc[c * plane + i]! : acc[c * plane + i]! * norm;
        v = v < lo ? lo : v > hi ? hi : v;
        px[c] = (v - lo) / span;
      }
      const o = i * C;
      if (C >= 3 && greyRGB) { const g = toOut((px[0]! + px[1]! + px[2]!) / 3); out[o] = g; out[o + 1] = g; out[o + 2] = g; if (C === 4) out[o + 3] = alphaOut(data[o + 3]!); }
      else if (C >= 3) { out[o] = toOut(px[0]!); out[o + 1] = toOut(px[1]!); out[o + 2] = toOut(px[2]!); if (C === 4) out[o + 3] = alphaOut(data[o + 3]!); }
      else { out[o] = toOut((px[0]! + px[1]! + px[2]!) / 3); if (C === 2) out[o + 1] = alphaOut(data[o + 1]!); }
    }
  }
  return { image: { data: out, width: W, height: H, channels: C }, info };
}

/**
 * The k-th element (0–7) of the dihedral group on an h×w plane: transpose if k & 4, then mirror left–right
 * if k & 1 and top–bottom if k & 2. `source[i]` is the index in the original plane of the view's pixel i,
 * so the view is src[source[i]] and mapping a result back is dst[source[i]] = view[i]. k = 0: identity.
 */
export function dihedral(k: number, h: number, w: number): { height: number; width: number; source: Int32Array } {
  const transpose = (k & 4) !== 0;
  const height = transpose ? w : h, width = transpose ? h : w;
  const source = new Int32Array(h * w);
  for (let y = 0; y < height; y++) {
    const yy = k & 2 ? height - 1 - y : y;
    for (let x = 0; x < width; x++) {
      const xx = k & 1 ? width - 1 - x : x;
      source[y * width + x] = transpose ? xx * w + yy : yy * w + xx;
    }
  }
  return { height, width, source };
}

/** The input as float [0, 1] samples, upsampled ×s with MATLAB bicubic (unclamped; the SR model's μ). */
function upsampleInput(img: PixelImage, s: number): PixelImage<Float32Array> {
  const { data, width, height, channels } = img;
  if (width * s * height * s > MAX_PIXELS) throw new IrsdeError('image-too-large', `image ${width}×${height} upsampled ×${s} is too large (more than ${MAX_PIXELS / 2 ** 20} Mpixel)`);
  const k = unitScale(data);
  const f = new Float32Array(data.length);
  for (let i = 0; i < f.length; i++) f[i] = data[i]! * k;
  const up = matlabImresize({ data: f, width, height, channels }, s);
  return { data: up.data, width: up.width, height: up.height, channels };
}

function makeLike(d: PixelData, n: number): PixelData {
  if (d instanceof Float32Array) return new Float32Array(n);
  if (d instanceof Uint16Array) return new Uint16Array(n);
  if (d instanceof Uint8ClampedArray) return new Uint8ClampedArray(n);
  return new Uint8Array(n);
}

function abortedError(signal: AbortSignal | undefined): IrsdeError {
  return new IrsdeError('aborted', 'restoration was aborted', { cause: signal?.reason });
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortedError(signal);
}

/**
 * Restore an image. `image` is `{ data, width, height, channels }` (Uint8/Uint8Clamped/Uint16/Float32 samples,
 * 1–4 channels; the result has the same type and layout), or — in Node — a PNG/JPEG file path (the result is
 * then a float image in [0, 1] with the file's channels, EXIF orientation applied, ready for `writeImage`).
 */
export async function restore<D extends PixelData>(image: PixelImage<D>, opts?: RestoreOptions): Promise<PixelImage<D>>;
export async function restore(image: string, opts?: RestoreOptions): Promise<PixelImage<Float32Array>>;
export async function restore(image: PixelImage | string, opts?: RestoreOptions): Promise<PixelImage>;
export async function restore(image: PixelImage | string, opts: RestoreOptions = {}): Promise<PixelImage> {
  if (typeof image === 'string') {
    if (!isNode) throw new IrsdeError('bad-input', 'file paths work in Node only; pass { data, width, height, channels }');
    const spec = './input-node.js';
    const { loadImageFile } = (await import(/* @vite-ignore */ spec)) as typeof import('./input-node.js');
    const loaded = await loadImageFile(image);
    return (await restoreImage(loaded.image, opts)).image;
  }
  return (await restoreImage(image, opts)).image;
}

export type { FloatImage };
