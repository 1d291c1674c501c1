/**
 * The wild-IR random pipeline `random_degrade` (DEGRADATIONS.md §8): optional greyscale GT, then three
 * orders of randomly permuted blur / resize / noise / JPEG with the reference's probabilities, then q(·).
 * Every random choice comes from the DegradeRng passed in, and every sampled parameter is recorded.
 */
import type { FloatImage } from '../image/types.js';
import { recycleImage } from '../image/buffers.js';
import { quantizeInPlace } from '../image/convert.js';
import { greyscaleRGB } from '../image/color.js';
import { randomBlur, udcFilter, type BlurStep, type DegradeWord, type UdcStep } from './blur.js';
import type { Kernel } from './kernels.js';
import { randomNoise, type NoiseStep } from './noise.js';
import { initJpeg, jpegCompressSync } from './jpeg.js';
import { resize, type Interpolation } from './resize.js';
import type { DegradeRng } from './random.js';

export interface WildOptions {
  blurProb?: number;
  resizeProb?: number;
  noiseProb?: number;
  jpegProb?: number;
  greyProb?: number;
  /** PSF bank for the UDC branch (default: none, the branch is a no-op that still draws) */
  udcBank?: Kernel[];
}

export type WildStep =
  | ({ order: 1 | 2 | 3 } & BlurStep)
  | ({ order: 1 | 2 | 3 } & UdcStep)
  | { order: 1 | 3; op: 'resize'; width: number; height: number; scale?: number; interpolation: Interpolation }
  | { order: 1 | 2; op: 'noise'; steps: NoiseStep[] }
  | { order: 1 | 3; op: 'jpeg'; quality: number }
  | { order: 0; op: 'greyscale_gt' };

export interface WildResult {
  /** the (possibly greyscaled) ground truth the LQ belongs to */
  gt: FloatImage;
  lq: FloatImage;
  words: DegradeWord[];
  steps: WildStep[];
  /** the permutations drawn for orders 1, 2 and 3 */
  orders: [string[], string[], string[]];
  greyscale: boolean;
  resizeFlag: boolean;
}

const INTERPS: Interpolation[] = ['area', 'bicubic', 'bilinear'];

/** `random_degrade` (synchronous; call `await initJpeg()` once first, or use `wildDegrade`). */
export function wildDegradeSync(input: FloatImage, rng: DegradeRng, opts: WildOptions = {}): WildResult {
  if (input.channels !== 3) throw new RangeError(`the wild pipeline needs an RGB image, got ${input.channels} channel(s)`);
  const blurProb = opts.blurProb ?? 0.8, resizeProb = opts.resizeProb ?? 0.8;
  const noiseProb = opts.noiseProb ?? 0.4, jpegProb = opts.jpegProb ?? 0.4, greyProb = opts.greyProb ?? 0.1;
  const bank = opts.udcBank ?? [];
  const { width: w, height: h } = input;
  const steps: WildStep[] = [];
  const words: DegradeWord[] = [];

  let gt = input;
  const greyscale = rng.random() < greyProb;
  if (greyscale) { gt = greyscaleRGB(input); steps.push({ order: 0, op: 'greyscale_gt' }); }
  const resizeFlag = rng.random() < resizeProb;
  let img = gt;
  // each step's input, once it is only an intermediate result, lends its buffer to a later step's output
  const advance = (next: FloatImage): void => {
    if (img !== gt && img !== input && next.data !== img.data) recycleImage(img);
    img = next;
  };

  // Order 1
  const order1 = rng.shuffle(['blur', 'resize', 'noise', 'jpeg']);
  for (const op of order1) {
    if (op === 'blur') {
      if (rng.random() < blurProb) {
        const r = randomBlur(img, rng, { maxRadius: 10, sincProb: 0.1, deblurProb: 0.1, blurRange: [0.2, 2.2] });
        advance(r.image); words.push(...r.words); steps.push({ order: 1, ...r.step });
      } else if (rng.random() < 0.2) {
        const r = udcFilter(img, rng, bank);
        advance(r.image); steps.push({ order: 1, ...r.step });
      }
    } else if (op === 'resize') {
      if (resizeFlag) {
        const s = rng.uniform(0.5, 1.4);
        const interp = rng.choice(INTERPS);
        const nh = Math.max(1, Math.floor(img.height / s)), nw = Math.max(1, Math.floor(img.width / s));
        advance(resize(img, nw, nh, interp));
        words.push('blur');
        steps.push({ order: 1, op: 'resize', width: nw, height: nh, scale: s, interpolation: interp });
      }
    } else if (op === 'noise') {
      if (rng.random() < noiseProb) {
        const r = randomNoise(img, rng);
        advance(r.image); words.push('noise'); steps.push({ order: 1, op: 'noise', steps: r.steps });
      }
    } else if (op === 'jpeg') {
      if (rng.random() < jpegProb) {
        const q = Math.floor(rng.uniform(60, 95));
        advance(jpegCompressSync(img, q));
        words.push('jpeg block'); steps.push({ order: 1, op: 'jpeg', quality: q });
      }
    }
  }

  // Order 2 (its probabilities are the options halved, as in the reference: 0.4 and 0.2 by default)
  const order2 = rng.shuffle(['blur', 'noise']);
  for (const op of order2) {
    if (op === 'blur') {
      if (rng.random() < blurProb * 0.5) {
        const r = randomBlur(img, rng, { maxRadius: 5, sincProb: 0.1, deblurProb: 0.1, blurRange: [0.2, 1.5] });
        advance(r.image); words.push(...r.words); steps.push({ order: 2, ...r.step });
      } else if (rng.random() < 0.2) {
        const r = udcFilter(img, rng, bank);
        advance(r.image); steps.push({ order: 2, ...r.step });
      }
    } else {
      if (rng.random() < noiseProb * 0.5) {
        const r = randomNoise(img, rng);
        advance(r.image); words.push('noise'); steps.push({ order: 2, op: 'noise', steps: r.steps });
      }
    }
  }

  // Order 3 (the options' probabilities again: 0.8 and 0.4 by default)
  const order3 = rng.shuffle(['blur', 'resize', 'jpeg']);
  for (const op of order3) {
    if (op === 'blur') {
      if (rng.random() < blurProb) {
        const r = randomBlur(img, rng, { maxRadius: 10, sincProb: 0.8, deblurProb: 0.1, blurRange: [0.2, 1.0] });
        advance(r.image); words.push(...r.words); steps.push({ order: 3, ...r.step });
      }
    } else if (op === 'resize') {
      if (resizeFlag) {
        const interp = rng.choice(INTERPS);
        advance(resize(img, w, h, interp));
        words.push('blur');
        steps.push({ order: 3, op: 'resize', width: w, height: h, interpolation: interp });
      }
    } else {
      if (rng.random() < jpegProb) {
        const q = Math.floor(rng.uniform(80, 100));
        advance(jpegCompressSync(img, q));
        words.push('jpeg block'); steps.push({ order: 3, op: 'jpeg', quality: q });
      }
    }
  }

  const lq = img === gt ? { ...img, data: img.data.slice() } : img;
  quantizeInPlace(lq);
  return { gt, lq, words, steps, orders: [order1, order2, order3], greyscale, resizeFlag };
}

/** `random_degrade`: loads the JPEG decoder on first use. */
export async function wildDegrade(input: FloatImage, rng: DegradeRng, opts: WildOptions = {}): Promise<WildResult> {
  await initJpeg();
  return wildDegradeSync(input, rng, opts);
}

/** Unique words (multi-label use). */
export function uniqueWords(words: DegradeWord[]): DegradeWord[] {
  return [...new Set(words)];
}
