/**
 * Calibrates the blind noise-level estimate (src/metrics/noise-level.ts) against the true σ of clipped
 * Gaussian noise: `npx tsx tools/calibrate-noise-estimate.ts [--images N]`. On the first N BSDS400 training
 * images (never the test sets), for each σ of the grid it adds seeded Gaussian noise clipped to [0, 1] (the
 * evaluation convention, and what real 8-bit noisy photos are) and records the mean estimate. Prints the
 * table to paste into NOISE_CALIBRATION; `calibratedNoiseLevel` inverts it by linear interpolation.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { estimateNoiseLevel } from '../src/metrics/noise-level.js';
import { gaussianNoise } from '../src/degrade/noise.js';
import { DegradeRng } from '../src/degrade/random.js';
import { readImage } from '../src/image/node-io.js';
import { defaultDataRoot } from '../src/metrics/datasets.js';

const { values } = parseArgs({ options: { images: { type: 'string', default: '48' } } });
const root = defaultDataRoot();
if (!root) throw new Error('shared data not found (set IRSDE_DATA)');
const dir = join(root, 'BSDS400', 'train');
const files = readdirSync(dir).filter((f) => /\.(png|jpe?g)$/i.test(f)).sort().slice(0, Number(values.images));
const images = await Promise.all(files.map((f) => readImage(join(dir, f))));
const sigmas = [0, 2.5, 5, 7.5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 70];
const rows: Array<[number, number]> = [];
for (const sigma of sigmas) {
  let sum = 0, sumSq = 0;
  images.forEach((img, k) => {
    const noisy = sigma > 0 ? gaussianNoise(img, sigma, new DegradeRng(1, k)) : img;
    const est = estimateNoiseLevel(noisy) * 255;
    sum += est; sumSq += est * est;
  });
  const mean = sum / images.length, sd = Math.sqrt(Math.max(0, sumSq / images.length - mean * mean));
  rows.push([Math.round(mean * 100) / 100, sigma]);
  console.error(`σ ${sigma}: estimate ${mean.toFixed(2)} ± ${sd.toFixed(2)} over ${images.length} images`);
}
console.log(JSON.stringify(rows));
