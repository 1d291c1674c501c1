/**
 * Operator chains from text, for `irsde degrade --ops "blur:aniso,resize:0.5,noise:15,jpeg:40"`.
 *
 * Grammar: ops separated by commas; each op is `name[:arg]...` where an arg is a positional word/number or
 * `key=value`. A number may be a range `lo-hi`, drawn uniformly per image. Parameters left out are drawn
 * from the defaults listed in `OPS_HELP`. Every parameter actually used is recorded in the returned steps.
 * Parsing validates everything up front, so a bad spec fails before any file is touched.
 */
import { IrsdeError } from '../common/errors.js';
import type { FloatImage } from '../image/types.js';
import { greyscaleRGB } from '../image/color.js';
import { quantizeInPlace } from '../image/convert.js';
import { filter2D } from './filter.js';
import {
  boxKernel, defocusKernel, drawBeta, generalizedGaussianKernel, gaussianKernel, lineKernel, lineIndexForAngle, kernelNoise,
  plateauKernel, randomKernelOfType, randomMixedKernel, sincKernel, type KernelParams, type KernelType, type Kernel,
} from './kernels.js';
import { randomBlur } from './blur.js';
import { gaussianNoise, poissonNoise, randomNoise } from './noise.js';
import { initJpeg, jpegCompressSync } from './jpeg.js';
import { matlabImresize, resize, type Interpolation } from './resize.js';
import { addHaze, addRain, addSnow, lowLight } from './synthetic.js';
import { applyMask, fitMask, randomBoxMask, randomStrokeMask } from './masks.js';
import type { DegradeRng } from './random.js';

type Num = number | [number, number];

export type ParsedOp =
  | { kind: 'blur'; text: string; type: KernelType | 'mixed' | 'random'; k?: number; sigma?: Num; sigmaY?: Num; theta?: Num; beta?: Num; omegaC?: Num; angle?: Num; noise: boolean }
  | { kind: 'resize'; text: string; scale?: Num; width?: number; height?: number; interp: Interpolation | 'matlab' | 'random' }
  | { kind: 'noise'; text: string; sigma: Num | 'random'; grey: boolean }
  | { kind: 'poisson'; text: string; scale: Num; grey: boolean }
  | { kind: 'jpeg'; text: string; quality: Num }
  | { kind: 'rain'; text: string; heavy: boolean; density?: Num; angle?: Num; length?: Num; width?: 1 | 2 | 3; mode: 'add' | 'screen' }
  | { kind: 'haze'; text: string; beta?: Num; airlight?: Num; jitter?: number; depth: 'homogeneous' | 'ramp' | 'random' }
  | { kind: 'lowlight'; text: string; alpha?: Num; beta?: Num; gamma?: Num; photons?: Num | null }
  | { kind: 'mask'; text: string; source: 'thin' | 'thick' | 'boxes' | 'set' | 'file'; family?: string; file?: string; interp: 'nearest' | 'area' }
  | { kind: 'grey'; text: string }
  | { kind: 'snow'; text: string; density?: Num };

export const OPS_HELP = `operators (comma-separated; args after ':'; a number may be a range lo-hi):
  blur:<type>[:k=K][:sigma=S][:sigmaY=S][:theta=RAD][:beta=B][:wc=W][:angle=DEG][:noise]
        types: iso aniso gen_iso gen_aniso plateau_iso plateau_aniso defocus box line motion sinc mixed random
        (k default 7..21 random, or 2*ceil(3 sigma)+1 when sigma is given; sigma default 0.2-3; for random,
        k is the largest size drawn, 5..k, default 19; parameters only for the types that have them:
        sigmaY/theta for aniso kinds, beta for gen/plateau, wc for sinc, angle for line; noise for iso/aniso/gen)
  resize:<scale>|<W>x<H>[:nearest|bilinear|bicubic|area|matlab|random]   (default bicubic; matlab = imresize;
                                            at most 64 Mpixel out)
  noise:<sigma 0..255>|random[:grey]        Gaussian noise (random = the wild pipeline's random_noise)
  poisson:<scale>[:grey]                    Poisson noise
  jpeg:<quality 1..100>                     JPEG round trip (baseline, 4:2:0)
  rain[:light|heavy][:density=D][:angle=DEG][:length=L][:width=1|2|3][:screen]
  haze[:beta=B][:A=A][:jitter=J][:depth=homogeneous|ramp]   (A per channel ±J, default 0.03; 0 when A is one number)
  lowlight[:alpha=A][:beta=B][:gamma=G][:photons=P|none]
  mask:thin|thick|boxes|set=<family>|file=<png>[:area]   inpainting mask (set: a random file of a shared family)
  grey                                      greyscale (luma kept as RGB)
  snow[:density=D]`;

function bad(text: string, why: string): IrsdeError {
  return new IrsdeError('bad-op', `--ops "${text}": ${why}`, { hint: 'see `irsde degrade --help` for the operator list' });
}

/** A plain decimal number (no hex, no Infinity, no empty string): what Number() alone would let through. */
const NUMBER = '[+-]?(?:\\d+\\.?\\d*|\\.\\d+)(?:e[+-]?\\d+)?';
const NUMBER_RE = new RegExp(`^${NUMBER}$`, 'i');
const RANGE_RE = new RegExp(`^(${NUMBER})-(${NUMBER})$`, 'i');

function parseNum(text: string, key: string, v: string, lo: number, hi: number, opts: { integer?: boolean; loOpen?: boolean } = {}): Num {
  const one = (s: string): number => {
    const x = NUMBER_RE.test(s) ? Number(s) : NaN;
    if (!Number.isFinite(x)) throw bad(text, `${key} must be a number or a range lo-hi, got "${s}"`);
    if (opts.integer && !Number.isInteger(x)) throw bad(text, `${key} must be an integer, got ${s}`);
    if (x < lo || x > hi || (opts.loOpen && x === lo)) throw bad(text, `${key} must be in ${opts.loOpen ? '(' : '['}${lo}, ${hi}], got ${s}`);
    return x;
  };
  const m = NUMBER_RE.test(v) ? null : RANGE_RE.exec(v);
  if (m) {
    const a = one(m[1]!), b = one(m[2]!);
    if (b < a) throw bad(text, `${key} range ${v} is empty`);
    return [a, b];
  }
  return one(v);
}

/** A parameter that takes one number, not a range. */
function single(text: string, key: string, v: Num): number {
  if (typeof v !== 'number') throw bad(text, `${key} takes one number, not a range`);
  return v;
}

const BLUR_TYPES: Record<string, KernelType | 'mixed' | 'random'> = {
  iso: 'iso', aniso: 'aniso', gen_iso: 'generalized_iso', generalized_iso: 'generalized_iso', gen_aniso: 'generalized_aniso',
  generalized_aniso: 'generalized_aniso', plateau_iso: 'plateau_iso', plateau_aniso: 'plateau_aniso', defocus: 'defocus',
  disk: 'defocus', box: 'box', line: 'line', motion: 'psf', psf: 'psf', sinc: 'sinc', mixed: 'mixed', random: 'random',
};
/**
 * Largest resize output: 2^26 pixels (8192 × 8192). A float RGB image that size is 768 MB, and the WebAssembly
 * kernels hold input and output in one 32-bit memory, so much larger ones cannot be made at all.
 */
export const MAX_RESIZE_PIXELS = 2 ** 26;
const MASK_FAMILIES = ['thin', 'thick', 'ex64', 'genhalf', 'nn2', 'ev2li', 'face'];

/** Parse and validate an operator chain. Throws IrsdeError('bad-op') naming the op and the reason. */
export function parseOps(spec: string): ParsedOp[] {
  const parts = spec.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (parts.length === 0) throw new IrsdeError('bad-op', '--ops is empty', { hint: 'e.g. --ops "blur:aniso,resize:0.5,noise:15,jpeg:40"' });
  return parts.map(parseOne);
}

function parseOne(text: string): ParsedOp {
  const [name, ...rest] = text.split(':');
  const pos: string[] = [];
  const kv: Record<string, string> = {};
  for (const a of rest) {
    const eq = a.indexOf('=');
    if (eq >= 0) kv[a.slice(0, eq).trim()] = a.slice(eq + 1).trim();
    else pos.push(a.trim());
  }
  const allowKeys = (keys: string[]): void => {
    for (const k of Object.keys(kv)) if (!keys.includes(k)) throw bad(text, `unknown parameter "${k}" (allowed: ${keys.join(', ') || 'none'})`);
  };
  const allowPos = (max: number, what: string): void => {
    if (pos.length > max) throw bad(text, `unexpected argument "${pos[max]}" (${what})`);
  };
  switch ((name ?? '').trim().toLowerCase()) {
    case 'blur': {
      const t = pos[0] ?? 'mixed';
      const type = BLUR_TYPES[t];
      if (!type) throw bad(text, `unknown blur type "${t}" (use ${Object.keys(BLUR_TYPES).join(', ')})`);
      const flags = pos.slice(1);
      for (const f of flags) if (f !== 'noise') throw bad(text, `unexpected argument "${f}"`);
      // Only the parameters the kernel type has (a silently dropped sigmaY would be a different kernel than asked).
      const keysOf: Record<KernelType | 'mixed' | 'random', string[]> = {
        iso: ['sigma'], aniso: ['sigma', 'sigmaY', 'theta'],
        generalized_iso: ['sigma', 'beta'], generalized_aniso: ['sigma', 'sigmaY', 'theta', 'beta'],
        plateau_iso: ['sigma', 'beta'], plateau_aniso: ['sigma', 'sigmaY', 'theta', 'beta'],
        sinc: ['wc'], line: ['angle'], defocus: [], box: [], psf: [], mixed: [], random: [],
      };
      allowKeys(['k', ...keysOf[type]]);
      const noiseTypes = ['iso', 'aniso', 'generalized_iso', 'generalized_aniso'];
      if (flags.includes('noise') && !noiseTypes.includes(type)) {
        throw bad(text, `the noise flag (multiplicative kernel noise) applies to iso, aniso, gen_iso and gen_aniso kernels only`);
      }
      const kMin = type === 'random' ? 5 : 3;
      const k = kv.k !== undefined ? (parseNum(text, 'k', kv.k, kMin, 99, { integer: true }) as number) : undefined;
      if (k !== undefined && (typeof k !== 'number' || k % 2 === 0)) throw bad(text, `k must be an odd integer in [${kMin}, 99], got ${kv.k}`);
      const op: ParsedOp = {
        kind: 'blur', text, type, k, noise: flags.includes('noise'),
        sigma: kv.sigma !== undefined ? parseNum(text, 'sigma', kv.sigma, 0, 50, { loOpen: true }) : undefined,
        sigmaY: kv.sigmaY !== undefined ? parseNum(text, 'sigmaY', kv.sigmaY, 0, 50, { loOpen: true }) : undefined,
        theta: kv.theta !== undefined ? parseNum(text, 'theta', kv.theta, -Math.PI, Math.PI) : undefined,
        beta: kv.beta !== undefined ? parseNum(text, 'beta', kv.beta, 0, 10, { loOpen: true }) : undefined,
        omegaC: kv.wc !== undefined ? parseNum(text, 'wc', kv.wc, 0, Math.PI, { loOpen: true }) : undefined,
        angle: kv.angle !== undefined ? parseNum(text, 'angle', kv.angle, 0, 360) : undefined,
      };
      return op;
    }
    case 'resize': {
      allowKeys([]);
      allowPos(2, 'resize:<scale>|<W>x<H>[:interpolation]');
      const a = pos[0];
      if (!a) throw bad(text, 'needs a scale (e.g. resize:0.5) or a size (e.g. resize:128x96)');
      const interpName = (pos[1] ?? 'bicubic').toLowerCase();
      const interps = ['nearest', 'bilinear', 'bicubic', 'area', 'matlab', 'random'];
      if (!interps.includes(interpName)) throw bad(text, `unknown interpolation "${pos[1]}" (use ${interps.join(', ')})`);
      const interp = interpName as Interpolation | 'matlab' | 'random';
      const size = /^(\d+)x(\d+)$/i.exec(a);
      if (size) {
        const width = Number(size[1]), height = Number(size[2]);
        if (width < 1 || height < 1 || width > 32768 || height > 32768) throw bad(text, `size must be 1..32768 per side, got ${a}`);
        if (width * height > MAX_RESIZE_PIXELS) throw bad(text, `${a} is ${((width * height) / 2 ** 20).toFixed(0)} Mpixel; at most ${MAX_RESIZE_PIXELS / 2 ** 20} Mpixel`);
        return { kind: 'resize', text, width, height, interp };
      }
      return { kind: 'resize', text, scale: parseNum(text, 'scale', a, 0, 16, { loOpen: true }), interp };
    }
    case 'noise': {
      allowKeys([]);
      const a = pos[0];
      if (!a) throw bad(text, 'needs a level: noise:<sigma 0..255> (e.g. noise:15) or noise:random');
      for (const f of pos.slice(1)) if (f !== 'grey' && f !== 'gray' && f !== 'color' && f !== 'colour') throw bad(text, `unexpected argument "${f}" (use grey)`);
      const grey = pos.includes('grey') || pos.includes('gray');
      if (a === 'random') return { kind: 'noise', text, sigma: 'random', grey };
      return { kind: 'noise', text, sigma: parseNum(text, 'sigma', a, 0, 255), grey };
    }
    case 'poisson': {
      allowKeys([]);
      const a = pos[0] ?? '0.01-0.5';
      return { kind: 'poisson', text, scale: parseNum(text, 'scale', a, 0, 10), grey: pos.includes('grey') || pos.includes('gray') };
    }
    case 'jpeg': {
      allowKeys([]);
      allowPos(1, 'jpeg:<quality>');
      const a = pos[0];
      if (!a) throw bad(text, 'needs a quality: jpeg:<1..100> (e.g. jpeg:40)');
      return { kind: 'jpeg', text, quality: parseNum(text, 'quality', a, 1, 100, { integer: true }) };
    }
    case 'rain': {
      allowKeys(['density', 'angle', 'length', 'width']);
      for (const f of pos) if (!['light', 'heavy', 'screen', 'add'].includes(f)) throw bad(text, `unexpected argument "${f}" (use light, heavy, screen)`);
      let width: 1 | 2 | 3 | undefined;
      if (kv.width !== undefined) {
        const w = Number(kv.width);
        if (w !== 1 && w !== 2 && w !== 3) throw bad(text, `width must be 1, 2 or 3, got ${kv.width}`);
        width = w;
      }
      return {
        kind: 'rain', text, heavy: pos.includes('heavy'), mode: pos.includes('screen') ? 'screen' : 'add', width,
        density: kv.density !== undefined ? parseNum(text, 'density', kv.density, 0, 0.5, { loOpen: true }) : undefined,
        angle: kv.angle !== undefined ? parseNum(text, 'angle', kv.angle, 0, 180) : undefined,
        length: kv.length !== undefined ? parseNum(text, 'length', kv.length, 1, 200) : undefined,
      };
    }
    case 'haze': {
      allowKeys(['beta', 'A', 'depth', 'jitter']);
      allowPos(0, 'use key=value');
      const depth = (kv.depth ?? 'random') as 'homogeneous' | 'ramp' | 'random';
      if (!['homogeneous', 'ramp', 'random'].includes(depth)) throw bad(text, `depth must be homogeneous or ramp, got ${kv.depth}`);
      const airlight = kv.A !== undefined ? parseNum(text, 'A', kv.A, 0, 1) : undefined;
      return {
        kind: 'haze', text, depth, airlight,
        beta: kv.beta !== undefined ? parseNum(text, 'beta', kv.beta, 0, 10) : undefined,
        // A given as one number is used as given (grey); otherwise each channel's A is jittered ±0.03 (§10.2).
        jitter: kv.jitter !== undefined ? single(text, 'jitter', parseNum(text, 'jitter', kv.jitter, 0, 0.5)) : typeof airlight === 'number' ? 0 : undefined,
      };
    }
    case 'lowlight': case 'low_light': case 'low-light': {
      allowKeys(['alpha', 'beta', 'gamma', 'photons']);
      allowPos(0, 'use key=value');
      return {
        kind: 'lowlight', text,
        alpha: kv.alpha !== undefined ? parseNum(text, 'alpha', kv.alpha, 0, 1, { loOpen: true }) : undefined,
        beta: kv.beta !== undefined ? parseNum(text, 'beta', kv.beta, 0, 1, { loOpen: true }) : undefined,
        gamma: kv.gamma !== undefined ? parseNum(text, 'gamma', kv.gamma, 0.1, 10) : undefined,
        photons: kv.photons === 'none' ? null : kv.photons !== undefined ? parseNum(text, 'photons', kv.photons, 1, 1e6) : undefined,
      };
    }
    case 'mask': {
      allowKeys(['set', 'file']);
      const interp = pos.includes('area') ? 'area' : 'nearest';
      const kinds = pos.filter((p) => p !== 'area' && p !== 'nearest');
      if (kv.set !== undefined) {
        // A family is a subfolder of the masks folder (the shared sets or --masks DIR); checked when it is read.
        if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(kv.set)) throw bad(text, `mask family "${kv.set}" must be a folder name (the shared sets: ${MASK_FAMILIES.join(', ')})`);
        return { kind: 'mask', text, source: 'set', family: kv.set, interp };
      }
      if (kv.file !== undefined) return { kind: 'mask', text, source: 'file', file: kv.file, interp };
      const k = kinds[0] ?? 'thin';
      if (k !== 'thin' && k !== 'thick' && k !== 'boxes') throw bad(text, `unknown mask kind "${k}" (use thin, thick, boxes, set=<family> or file=<png>)`);
      return { kind: 'mask', text, source: k, interp };
    }
    case 'grey': case 'gray': case 'greyscale': case 'grayscale':
      allowKeys([]); allowPos(0, 'grey takes no arguments');
      return { kind: 'grey', text };
    case 'snow':
      allowKeys(['density']);
      return { kind: 'snow', text, density: kv.density !== undefined ? parseNum(text, 'density', kv.density, 0, 0.1, { loOpen: true }) : undefined };
    default:
      throw bad(text, `unknown operator "${name}" (use blur, resize, noise, poisson, jpeg, rain, haze, lowlight, mask, grey, snow)`);
  }
}

export interface OpStep { op: string; spec: string; [k: string]: unknown }

export interface ApplyContext {
  /** load a mask for `mask:set=<family>` (picks a file with the rng) or `mask:file=<path>` (Node CLI supplies it) */
  loadMask?: (req: { family?: string; file?: string }, rng: DegradeRng) => Promise<{ mask: FloatImage; file: string }>;
}

function draw(rng: DegradeRng, v: Num | undefined, dflt: Num): number {
  const x = v ?? dflt;
  return typeof x === 'number' ? x : rng.uniform(x[0], x[1]);
}
function drawOpt(rng: DegradeRng, v: Num | undefined): number | undefined {
  return v === undefined ? undefined : typeof v === 'number' ? v : rng.uniform(v[0], v[1]);
}

function blurKernel(op: Extract<ParsedOp, { kind: 'blur' }>, rng: DegradeRng): { kernel: Kernel; params: KernelParams } {
  const sizes = [7, 9, 11, 13, 15, 17, 19, 21];
  if (op.type === 'mixed') return randomMixedKernel(op.k ?? rng.choice(sizes), rng, [0.2, 3]);
  const sigmaX = drawOpt(rng, op.sigma);
  const k = op.k ?? (sigmaX !== undefined ? Math.min(99, Math.max(3, 2 * Math.ceil(3 * sigmaX) + 1)) : rng.choice(sizes));
  const t = op.type as KernelType;
  const given = sigmaX !== undefined || op.sigmaY !== undefined || op.theta !== undefined || op.beta !== undefined || op.omegaC !== undefined || op.angle !== undefined;
  if (!given) {
    const r = randomKernelOfType(t, k, rng, { sigmaRange: [0.2, 3], noiseRange: op.noise ? [0.9, 1.1] : null });
    return r;
  }
  const sx = sigmaX ?? rng.uniform(0.2, 3);
  const aniso = t === 'aniso' || t === 'generalized_aniso' || t === 'plateau_aniso';
  const sy = aniso ? draw(rng, op.sigmaY, [0.2, 3]) : undefined;
  const th = aniso ? draw(rng, op.theta, [-Math.PI, Math.PI]) : 0;
  let kernel: Kernel;
  const params: KernelParams = { type: t, size: k };
  switch (t) {
    case 'iso': case 'aniso':
      kernel = gaussianKernel(k, sx, sy, th); Object.assign(params, { sigmaX: sx, sigmaY: sy, theta: aniso ? th : undefined }); break;
    case 'generalized_iso': case 'generalized_aniso': {
      const beta = op.beta !== undefined ? draw(rng, op.beta, 1) : drawBeta(rng, [0.5, 2]);
      kernel = generalizedGaussianKernel(k, beta, sx, sy, th); Object.assign(params, { sigmaX: sx, sigmaY: sy, theta: aniso ? th : undefined, beta }); break;
    }
    case 'plateau_iso': case 'plateau_aniso': {
      const beta = op.beta !== undefined ? draw(rng, op.beta, 1) : drawBeta(rng, [1, 1.5]);
      kernel = plateauKernel(k, beta, sx, sy, th); Object.assign(params, { sigmaX: sx, sigmaY: sy, theta: aniso ? th : undefined, beta }); break;
    }
    case 'sinc': {
      const wc = draw(rng, op.omegaC, k < 13 ? [Math.PI / 3, Math.PI] : [Math.PI / 5, Math.PI]);
      kernel = sincKernel(k, wc); params.omegaC = wc; break;
    }
    case 'line': {
      const idx = op.angle !== undefined ? lineIndexForAngle(k, draw(rng, op.angle, 0)) : rng.int(0, 2 * (k > 15 ? k - 10 : k) - 3);
      kernel = lineKernel(k, idx); params.lineIndex = idx; params.size = kernel.size; params.angle = (idx * 180) / (2 * kernel.size - 2); break;
    }
    case 'defocus': kernel = defocusKernel(k); break;
    case 'box': kernel = boxKernel(k); break;
    default: return randomKernelOfType(t, k, rng);
  }
  if (op.noise) { kernel = kernelNoise(kernel, rng); params.noise = true; }
  for (const key of Object.keys(params) as (keyof KernelParams)[]) if (params[key] === undefined) delete params[key];
  return { kernel, params };
}

/** Whether every value is k/255 for an integer k (as read from an 8-bit file). */
function onUint8Grid(img: FloatImage): boolean {
  const d = img.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]! * 255;
    if (Math.abs(v - Math.round(v)) > 1e-3) return false;
  }
  return true;
}

/**
 * Apply a parsed chain to an RGB image. The result is quantised to the 8-bit grid at the end (q(·)).
 * Returns every sampled parameter, in order.
 */
export async function applyOps(img: FloatImage, ops: ParsedOp[], rng: DegradeRng, ctx: ApplyContext = {}): Promise<{ image: FloatImage; steps: OpStep[] }> {
  if (ops.some((o) => o.kind === 'jpeg')) await initJpeg();
  let cur = img;
  const steps: OpStep[] = [];
  for (const op of ops) {
    switch (op.kind) {
      case 'blur': {
        if (op.type === 'random') {
          // k is the largest kernel size drawn (sizes 5, 7, …, k; default 19 = the wild pipeline's maxRadius 10).
          const r = randomBlur(cur, rng, { maxRadius: op.k ? (op.k + 1) / 2 : 10, sincProb: 0.1, deblurProb: 0.1, blurRange: [0.2, 2.2] });
          cur = r.image;
          steps.push({ spec: op.text, ...r.step, words: r.words });
        } else {
          const { kernel, params } = blurKernel(op, rng);
          cur = filter2D(cur, kernel);
          steps.push({ op: 'blur', spec: op.text, kernel: params });
        }
        break;
      }
      case 'resize': {
        const interp = op.interp === 'random' ? rng.choice(['area', 'bicubic', 'bilinear'] as Interpolation[]) : op.interp;
        let w: number, h: number;
        let scale: number | undefined;
        if (op.width !== undefined && op.height !== undefined) { w = op.width; h = op.height; } else {
          scale = draw(rng, op.scale, 1);
          w = interp === 'matlab' ? Math.ceil(cur.width * scale) : Math.floor(cur.width * scale);
          h = interp === 'matlab' ? Math.ceil(cur.height * scale) : Math.floor(cur.height * scale);
          if (w < 1 || h < 1) throw new IrsdeError('bad-op', `--ops "${op.text}": ${cur.width}x${cur.height} scaled by ${scale} is empty`);
          if (w * h > MAX_RESIZE_PIXELS) throw new IrsdeError('bad-op', `--ops "${op.text}": ${cur.width}x${cur.height} scaled by ${scale} is ${w}x${h}, more than ${MAX_RESIZE_PIXELS / 2 ** 20} Mpixel`);
        }
        // An image still on the 8-bit grid (an 8-bit file, before any noise or blur) takes MATLAB's uint8 path,
        // which rounds between the two 1-D passes: the LR files of the SR benchmarks were made that way.
        const uint8 = interp === 'matlab' && onUint8Grid(cur);
        cur = interp === 'matlab' ? matlabImresize(cur, scale !== undefined ? scale : [h, w], { uint8 }) : resize(cur, w, h, interp);
        steps.push({ op: 'resize', spec: op.text, width: cur.width, height: cur.height, ...(scale !== undefined ? { scale } : {}), interpolation: interp, ...(uint8 ? { uint8 } : {}) });
        break;
      }
      case 'noise': {
        if (op.sigma === 'random') {
          const r = randomNoise(cur, rng);
          cur = r.image;
          steps.push({ op: 'noise', spec: op.text, steps: r.steps });
        } else {
          const sigma255 = draw(rng, op.sigma, 0);
          cur = gaussianNoise(cur, sigma255, rng, { grey: op.grey });
          steps.push({ op: 'gaussian_noise', spec: op.text, sigma255, grey: op.grey });
        }
        break;
      }
      case 'poisson': {
        const scale = draw(rng, op.scale, 0.1);
        cur = poissonNoise(cur, scale, rng, { grey: op.grey });
        steps.push({ op: 'poisson_noise', spec: op.text, scale, grey: op.grey });
        break;
      }
      case 'jpeg': {
        const quality = Math.floor(draw(rng, op.quality, 75));
        cur = jpegCompressSync(cur, quality);
        steps.push({ op: 'jpeg', spec: op.text, quality });
        break;
      }
      case 'rain': {
        const r = addRain(cur, rng, { heavy: op.heavy, density: op.density, angle: op.angle, length: op.length, width: op.width, mode: op.mode });
        cur = r.image;
        steps.push({ spec: op.text, ...r.params });
        break;
      }
      case 'haze': {
        const r = addHaze(cur, rng, { beta: op.beta, airlight: op.airlight, jitter: op.jitter, depth: op.depth });
        cur = r.image;
        steps.push({ spec: op.text, ...r.params });
        break;
      }
      case 'lowlight': {
        const r = lowLight(cur, rng, { alpha: op.alpha, beta: op.beta, gamma: op.gamma, photons: op.photons });
        cur = r.image;
        steps.push({ spec: op.text, ...r.params });
        break;
      }
      case 'mask': {
        let mask: FloatImage;
        let params: Record<string, unknown>;
        if (op.source === 'set' || op.source === 'file') {
          if (!ctx.loadMask) throw new IrsdeError('bad-op', `--ops "${op.text}": mask files need a mask loader (available from the CLI)`);
          const m = await ctx.loadMask({ family: op.family, file: op.file }, rng);
          mask = fitMask(m.mask, cur.width, cur.height, op.interp);
          let holes = 0;
          for (let i = 0; i < mask.data.length; i++) holes += 1 - mask.data[i]!;
          params = { op: 'mask', source: op.source, file: m.file, interpolation: op.interp, holeFraction: holes / mask.data.length };
        } else if (op.source === 'boxes') {
          const r = randomBoxMask(cur.width, cur.height, rng);
          mask = r.mask; params = { ...r.params };
        } else {
          const r = randomStrokeMask(cur.width, cur.height, rng, { brush: op.source });
          mask = r.mask; params = { ...r.params };
        }
        cur = applyMask(cur, mask);
        steps.push({ spec: op.text, ...(params as { op: string }) });
        break;
      }
      case 'grey':
        cur = greyscaleRGB(cur);
        steps.push({ op: 'greyscale', spec: op.text });
        break;
      case 'snow': {
        const r = addSnow(cur, rng, { density: op.density });
        cur = r.image;
        steps.push({ spec: op.text, ...r.params });
        break;
      }
    }
  }
  const out = cur === img ? { ...img, data: img.data.slice() } : cur;
  quantizeInPlace(out);
  return { image: out, steps };
}
