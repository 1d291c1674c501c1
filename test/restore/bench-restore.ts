/**
 * Restoration timing and memory (not a test; run by hand):
 *
 *     node --import tsx test/restore/bench-restore.ts tiny512|naf512|big|bignaf      (STEPS=, TILE=, THREADS= env)
 *
 * tiny512 / naf512: a 512×512 image, 20 posterior steps (T = 100), with a random tiny NAFNet (w8, enc [1,1]) or a
 * random ConditionalNAFNet w32 enc [1,1,1,4] (6.5 M parameters); the session is compiled before timing.
 * big / bignaf: a 4000×3000 image tiled 512/32; prints the peak RSS of the process.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { restoreImage } from '../../src/restore/restore.js';
import { tinyConfig, writeModel, testPixels } from './helpers.js';
const what = process.argv[2] ?? 'all';
const root = mkdtempSync(join(tmpdir(), 'irsde-bench-'));
writeModel(root, tinyConfig('tiny', { sde: { maxSigma: 50, T: 100, schedule: 'cosine', eps: 0.005 }, sampler: { mode: 'posterior', steps: 20 }, tile: undefined }));
writeModel(root, tinyConfig('naf32', { network: { kind: 'nafnet', config: { imgChannel: 3, width: 32, middleBlkNum: 1, encBlkNums: [1, 1, 1, 4], decBlkNums: [1, 1, 1, 1] } }, sde: { maxSigma: 50, T: 100, schedule: 'cosine', eps: 0.005 }, sampler: { mode: 'posterior', steps: 20 }, tile: undefined }));
const threads = process.env.THREADS ? Number(process.env.THREADS) : undefined;
async function time(label: string, model: string, w: number, h: number, opts: object) {
  const img = { data: testPixels(w, h, 3), width: w, height: h, channels: 3 };
  await restoreImage({ data: testPixels(64, 64, 3), width: 64, height: 64, channels: 3 }, { modelsDir: root, model, steps: 1, threads }); // compile
  const t0 = performance.now();
  const r = await restoreImage(img, { modelsDir: root, model, threads, ...opts });
  const s = (performance.now() - t0) / 1000;
  console.log(`${label}: ${w}x${h} ${r.info.sampler} ${r.info.steps} steps, ${r.info.tiles} tile(s) of ${r.info.tile || 'whole'}: ${s.toFixed(2)} s; maxRSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
}
if (what === 'all' || what === 'tiny512') await time('tiny w8', 'tiny', 512, 512, { steps: 20 });
if (what === 'all' || what === 'naf512') await time('naf32 enc[1,1,1,4]', 'naf32', 512, 512, { steps: 20 });
if (what === 'big') await time('tiny w8 big', 'tiny', 4000, 3000, { steps: Number(process.env.STEPS ?? 2), tile: Number(process.env.TILE ?? 512), overlap: 32 });
if (what === 'bignaf') await time('naf32 big', 'naf32', 4000, 3000, { steps: Number(process.env.STEPS ?? 1), tile: Number(process.env.TILE ?? 512), overlap: 32 });
