/**
 * `irsde bench degrade`: measured speed of the degradation operators, the wild pipeline and the metrics.
 * Numbers are printed, never asserted. The test image is a 256×256 crop of a shared benchmark photo when
 * shared data is present (natural content makes JPEG and blur representative), else a synthetic pattern.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createImage, type FloatImage } from '../../image/types.js';
import { crop } from '../../image/pad.js';
import { readImage } from '../../image/node-io.js';
import { DegradeRng } from '../../degrade/random.js';
import { initJpeg, jpegCompressSync } from '../../degrade/jpeg.js';
import { wildDegradeSync } from '../../degrade/wild.js';
import { filter2D } from '../../degrade/filter.js';
import { gaussianKernel, sincKernel, lineKernel, randomMixedKernel } from '../../degrade/kernels.js';
import { matlabImresize, resize } from '../../degrade/resize.js';
import { gaussianNoise, poissonNoise, randomNoise } from '../../degrade/noise.js';
import { wienerRinging } from '../../degrade/blur.js';
import { addHaze, addRain, lowLight } from '../../degrade/synthetic.js';
import { randomStrokeMask } from '../../degrade/masks.js';
import { psnr, ssim } from '../../metrics/metrics.js';
import { defaultDataRoot } from '../../metrics/datasets.js';

function synthetic(w: number, h: number): FloatImage {
  const img = createImage(w, h, 3);
  const rng = new DegradeRng(99);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const i = (y * w + x) * 3;
    img.data[i] = 0.5 + 0.4 * Math.sin(x / 9) * Math.cos(y / 13);
    img.data[i + 1] = ((x ^ y) & 63) / 63;
    img.data[i + 2] = Math.min(1, Math.max(0, 0.5 + 0.1 * rng.normal()));
  }
  return img;
}

async function testImage(w: number, h: number): Promise<{ img: FloatImage; source: string }> {
  const root = defaultDataRoot();
  const file = root ? join(root, 'Set5', 'HR', 'baby.png') : null;
  if (file && existsSync(file)) {
    const full = await readImage(file);
    if (full.width >= w && full.height >= h) return { img: crop(full, (full.width - w) >> 1, (full.height - h) >> 1, w, h), source: `Set5/HR/baby.png centre ${w}x${h}` };
  }
  return { img: synthetic(w, h), source: `synthetic ${w}x${h}` };
}

function time(fn: (i: number) => unknown, repeats: number, warmup = 2): { mean: number; min: number; n: number } {
  for (let i = 0; i < warmup; i++) fn(-1 - i);
  const ts: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    fn(i);
    ts.push(performance.now() - t);
  }
  return { mean: ts.reduce((a, b) => a + b, 0) / ts.length, min: Math.min(...ts), n: repeats };
}

export async function benchDegrade(opts: { json: boolean; seeds?: number }): Promise<number> {
  await initJpeg();
  const { img, source } = await testImage(256, 256);
  const big = await testImage(512, 512);
  const results: Array<{ name: string; mean: number; min: number; n: number }> = [];
  const add = (name: string, r: { mean: number; min: number; n: number }): void => {
    results.push({ name, ...r });
    if (!opts.json) process.stdout.write(`${name.padEnd(44)} ${r.mean.toFixed(2).padStart(9)} ms mean  ${r.min.toFixed(2).padStart(9)} ms min  (n=${r.n})\n`);
  };
  if (!opts.json) process.stdout.write(`irsde bench degrade — image: ${source}; times per call\n\n`);

  const seeds = opts.seeds ?? 100;
  // Steady state, as in training (thousands of patches): V8 first runs WebAssembly on its baseline compiler and
  // moves hot functions to the optimising one in the background, which takes a few dozen patches to finish.
  add(`wild pipeline 256x256 (${seeds} seeds)`, time((i) => wildDegradeSync(img, new DegradeRng(i < 0 ? 1000 - i : i)), seeds, 30));
  const rng = new DegradeRng(1);
  add('blur iso Gaussian k=7 (direct)', time(() => filter2D(img, gaussianKernel(7, 1.5)), 10));
  add('blur aniso Gaussian k=21 (FFT)', time(() => filter2D(img, gaussianKernel(21, 3, 1, 0.5)), 10));
  add('blur mixed kernel k=5..19 (random)', time(() => filter2D(img, randomMixedKernel(rng.choice([5, 7, 9, 11, 13, 15, 17, 19]), rng, [0.2, 2.2]).kernel), 10));
  add('blur sinc k=13', time(() => filter2D(img, sincKernel(13, 1.5)), 10));
  add('blur line k=15', time(() => filter2D(img, lineKernel(15, 3)), 10));
  add('wiener ringing k=7', time(() => wienerRinging(img, gaussianKernel(7, 1.5)), 5));
  add('resize bicubic 256->182 (OpenCV)', time(() => resize(img, 182, 182, 'bicubic'), 10));
  add('resize area 256->182', time(() => resize(img, 182, 182, 'area'), 10));
  add('resize bilinear 256->512', time(() => resize(img, 512, 512, 'bilinear'), 10));
  add('resize MATLAB bicubic 256->64 (antialias)', time(() => matlabImresize(img, 0.25), 10));
  add('noise Gaussian sigma 15 (colour)', time(() => gaussianNoise(img, 15, rng), 10));
  add('noise Poisson scale 0.3', time(() => poissonNoise(img, 0.3, rng), 10));
  add('noise random_noise', time(() => randomNoise(img, rng), 10));
  add('jpeg q=60 round trip (libjpeg enc + wasm dec)', time(() => jpegCompressSync(img, 60), 10));
  add('jpeg q=90 round trip', time(() => jpegCompressSync(img, 90), 10));
  add('rain (light)', time(() => addRain(img, rng), 5));
  add('haze', time(() => addHaze(img, rng), 5));
  add('low light (Poisson-Gaussian)', time(() => lowLight(img, rng), 5));
  add('mask strokes (thin)', time(() => randomStrokeMask(256, 256, rng), 10));
  const a = big.img;
  const b = gaussianNoise(a, 10, new DegradeRng(2));
  add('SSIM 512x512 Y', time(() => ssim(a, b, { y: true }), 10));
  add('SSIM 512x512 RGB', time(() => ssim(a, b), 5));
  add('PSNR 512x512 Y', time(() => psnr(a, b, { y: true }), 10));
  add('PSNR 512x512 RGB', time(() => psnr(a, b), 10));
  if (opts.json) {
    process.stdout.write(JSON.stringify({ type: 'result', stage: 'bench-degrade', image: source, results }) + '\n');
  }
  return 0;
}
