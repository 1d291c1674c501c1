/** Shared helpers of the training tests: tiny generated image folders and a tiny training config. */
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeImage } from '../../src/image/node-io.js';
import { createImage } from '../../src/image/types.js';
import { resolveConfig, type TrainConfig } from '../../src/train/config.js';

export function tempDir(prefix = 'irsde-train-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A smooth RGB test pattern (8-bit values), different per index. */
export function pattern(k: number, width: number, height: number, f: (v: number) => number = (v) => v) {
  const img = createImage(width, height, 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) {
    const v = 0.5 + 0.35 * Math.sin(0.31 * x * (k + 1) + 0.17 * y + 1.3 * c + k) * Math.cos(0.23 * y - 0.11 * x * c);
    img.data[(y * width + x) * 3 + c] = Math.round(f(v) * 255) / 255;
  }
  return img;
}

/** Write `n` PNGs (names img0.png …) into dir/sub; returns the folder. */
export async function writeImages(dir: string, n: number, width: number, height: number, opts: { prefix?: string; f?: (v: number) => number; offset?: number } = {}): Promise<string> {
  mkdirSync(dir, { recursive: true });
  for (let k = 0; k < n; k++) await writeImage(join(dir, `${opts.prefix ?? 'img'}${k}.png`), pattern(k + (opts.offset ?? 0), width, height, opts.f));
  return dir;
}

/** A tiny but complete config: NAFNet w4 (one level), 8×8 patches, batch 2, T 20, validation on 2 images. */
export function tinyConfig(train: string, val: string, outDir: string, extra: string[] = []): TrainConfig {
  return resolveConfig({
    name: 'tiny',
    network: { type: 'nafnet', width: 4, middleBlkNum: 1, encBlkNums: [1], decBlkNums: [1] },
    sde: { maxSigma: 50, T: 20, schedule: 'cosine', eps: 0.005 },
    data: { train: { kind: 'clean', dirs: [train] }, degradation: { kind: 'gaussian', sigmaRange: [10, 40] }, patch: 8, batch: 2, prefetch: 2 },
    val: { data: { kind: 'clean', dirs: [val] }, count: 2, crop: 8, steps: 3 },
    optim: { type: 'adamw', lr: 2e-3 },
    schedule: { type: 'cosine', etaMin: 1e-5 },
    ema: { every: 2, updateAfterStep: 2 },
    steps: 8, checkpointEvery: 3, valEvery: 4, logEvery: 2, seed: 7, outDir,
  }, { sets: extra });
}
