/** Training degradations besides Gaussian noise: JPEG, bicubic SR (μ = upsampled LR) and synthetic rain. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { BatchMaker, listSource, openBatchSource, loadValImages, degradeImage, type BatchSpec } from '../../src/train/data.js';
import { resolveConfig } from '../../src/train/config.js';
import type { Degradation } from '../../src/train/config.js';
import { matlabImresize } from '../../src/degrade/resize.js';
import { Rng } from '../../src/runtime/rng.js';
import { tempDir, writeImages, pattern } from './tiny.js';

const root = tempDir();
after(() => rmSync(root, { recursive: true, force: true }));
const clean = await writeImages(join(root, 'clean'), 4, 40, 36);
const items = (await listSource({ kind: 'clean', dirs: [clean] })).items;

const KINDS: Array<[string, Degradation]> = [
  ['jpeg', { kind: 'jpeg', qualityRange: [10, 50] }],
  ['bicubic-sr', { kind: 'bicubic-sr', scale: 4 }],
  ['rain', { kind: 'rain', heavyProb: 0.5, margin: 8 }],
];

const spec = (degradation: Degradation, over: Partial<BatchSpec> = {}): BatchSpec => ({
  items, patch: 16, batch: 3, channels: 3, flips: true, rot90: true, degradation, seed: 5, T: 20, ...over,
});

const maxDiff = (a: Float32Array, b: Float32Array): number => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!)); return m; };

for (const [name, deg] of KINDS) {
  test(`${name}: batches are a pure function of (seed, step), shapes [B, 3, P, P], μ ≠ x₀, μ in range`, async () => {
    const a = new BatchMaker(spec(deg)), b = new BatchMaker(spec(deg));
    const a4 = await a.make(4), a1 = await a.make(1);
    const b1 = await b.make(1), b4 = await b.make(4);
    for (const k of ['x0', 'mu', 'noise', 't'] as const) {
      assert.deepEqual(a4[k], b4[k], `step 4 ${k}`);
      assert.deepEqual(a1[k], b1[k], `step 1 ${k}`);
    }
    assert.equal(a1.x0.length, 3 * 3 * 16 * 16, 'x0 shape');
    assert.equal(a1.mu.length, a1.x0.length, 'mu shape');
    for (let s = 0; s < 3; s++) {
      const per = 3 * 16 * 16;
      const d = maxDiff(a1.mu.subarray(s * per, (s + 1) * per), a1.x0.subarray(s * per, (s + 1) * per));
      assert.ok(d > 1 / 255, `sample ${s}: μ should differ from x₀ (max |Δ| ${d})`);
    }
    if (name !== 'bicubic-sr') assert.ok(a1.mu.every((v) => v >= 0 && v <= 1), 'μ in [0, 1]');
    assert.ok(a1.mu.every((v) => Number.isFinite(v)), 'μ finite');
    const other = await new BatchMaker(spec(deg, { seed: 6 })).make(1);
    assert.notDeepEqual(other.mu, a1.mu, 'another seed gives another batch');
  });

  test(`${name}: the worker builds the same batches as the main thread`, async () => {
    const sp = spec(deg);
    const inline = await openBatchSource(sp, { worker: false, prefetch: 2, lastStep: 4 });
    const worker = await openBatchSource(sp, { worker: true, prefetch: 2, lastStep: 4 });
    try {
      worker.start(1);
      for (const s of [1, 2, 4]) {
        const [x, y] = [await inline.get(s), await worker.get(s)];
        for (const k of ['x0', 'mu', 'noise', 't'] as const) assert.deepEqual(y[k], x[k], `step ${s} ${k}`);
      }
    } finally {
      await inline.close();
      await worker.close();
    }
  });
}

test('bicubic-sr: μ is the MATLAB bicubic ×4 upscale of the uint8 ×¼ LR of the patch', () => {
  const img = pattern(2, 16, 16);
  const mu = degradeImage(img, { kind: 'bicubic-sr', scale: 4 }, new Rng(0));
  const lr = matlabImresize(img, 0.25, { uint8: true });
  assert.deepEqual([lr.width, lr.height], [4, 4], 'LR size');
  assert.deepEqual(mu.data, matlabImresize(lr, 4).data, 'μ = up(LR)');
  assert.deepEqual([mu.width, mu.height], [16, 16], 'μ size');
});

test('jpeg: a fixed quality is a plain JPEG round trip; a lower quality moves μ further from x₀', async () => {
  const img = pattern(1, 32, 32);
  const m10 = new BatchMaker(spec({ kind: 'jpeg', quality: 10 }, { flips: false, rot90: false, batch: 4 }));
  const m90 = new BatchMaker(spec({ kind: 'jpeg', quality: 90 }, { flips: false, rot90: false, batch: 4 }));
  const [b10, b90] = [await m10.make(1), await m90.make(1)];
  assert.deepEqual(b10.x0, b90.x0, 'same crops');
  const err = (b: { x0: Float32Array; mu: Float32Array }): number => { let s = 0; for (let i = 0; i < b.x0.length; i++) s += (b.mu[i]! - b.x0[i]!) ** 2; return s; };
  assert.ok(err(b10) > err(b90), `q10 error ${err(b10)} should exceed q90 error ${err(b90)}`);
  assert.ok(b10.mu.every((v) => Math.round(v * 255) / 255 === v || Math.abs(Math.round(v * 255) - v * 255) < 1e-3), 'JPEG output is 8-bit');
  assert.equal(degradeImage(img, { kind: 'jpeg', quality: 30 }, new Rng(0)).width, 32, 'size kept');
});

test('rain: streaks only brighten (additive), μ is 8-bit', () => {
  const img = pattern(3, 48, 48);
  let brighter = 0;
  for (let s = 0; s < 4; s++) {
    const mu = degradeImage(img, { kind: 'rain', heavyProb: 0, margin: 16 }, new Rng(s));
    for (let i = 0; i < mu.data.length; i++) {
      assert.ok(mu.data[i]! >= img.data[i]! - 1e-6, `light rain darkened pixel ${i}`);
      if (mu.data[i]! > img.data[i]! + 1e-6) brighter++;
    }
    assert.ok(mu.data.every((v) => Math.abs(v * 255 - Math.round(v * 255)) < 1e-3), 'μ is 8-bit');
  }
  assert.ok(brighter > 0, 'some pixels got rain');
});

test('validation degrades clean crops with val.degradation (fixed per image, same every time)', async () => {
  const deg: Degradation = { kind: 'jpeg', quality: 20 };
  const a = await loadValImages({ kind: 'clean', dirs: [clean] }, { count: 2, crop: 16, sigma: 0, seed: 0, degradation: deg });
  const b = await loadValImages({ kind: 'clean', dirs: [clean] }, { count: 2, crop: 16, sigma: 0, seed: 0, degradation: deg });
  assert.deepEqual(a.images[1]!.lq, b.images[1]!.lq, 'deterministic');
  assert.ok(maxDiff(a.images[0]!.lq, a.images[0]!.gt) > 1 / 255, 'val μ ≠ x₀');
  const sr = await loadValImages({ kind: 'clean', dirs: [clean] }, { count: 1, crop: 16, sigma: 0, seed: 0, degradation: { kind: 'bicubic-sr', scale: 4 } });
  assert.equal(sr.images[0]!.lq.length, 3 * 16 * 16, 'SR val μ has the crop size');
});

test('config errors for the new degradations name the key', () => {
  const base = (degradation: unknown, extra: Record<string, unknown> = {}) => ({
    name: 't', network: { type: 'nafnet', width: 4, middleBlkNum: 1, encBlkNums: [1], decBlkNums: [1] },
    data: { train: { kind: 'clean', dirs: [clean] }, degradation, patch: 16 }, ...extra,
  });
  const bad = (raw: Record<string, unknown>, re: RegExp): void => {
    assert.throws(() => resolveConfig(raw), (e: Error & { code?: string }) => e.code === 'bad-config' && re.test(e.message), `expected ${re}`);
  };
  assert.equal(resolveConfig(base({ kind: 'jpeg', qualityRange: [10, 50] })).data.degradation.kind, 'jpeg', 'jpeg config accepted');
  bad(base({ kind: 'jpeg' }), /data\.degradation.*exactly one of "quality" and "qualityRange"/);
  bad(base({ kind: 'jpeg', quality: 10, qualityRange: [10, 20] }), /exactly one of "quality" and "qualityRange"/);
  bad(base({ kind: 'jpeg', qualityRange: [50, 10] }), /data\.degradation\.qualityRange.*low ≤ high/);
  bad(base({ kind: 'jpeg', quality: 0 }), /data\.degradation\.quality.*≥ 1/);
  bad(base({ kind: 'bicubic-sr', scale: 3 }), /data\.patch.*multiple of data\.degradation\.scale \(3\)/);
  bad(base({ kind: 'bicubic-sr' }), /data\.degradation\.scale.*required/);
  bad(base({ kind: 'bicubic-sr', scale: 4 }, { val: { crop: 6 } }), /val\.crop.*multiple of the bicubic-sr scale/);
  bad(base({ kind: 'rain', density: [0.1, 0.01] }), /data\.degradation\.density.*low ≤ high/);
  bad(base({ kind: 'rain', heavyProb: 2 }), /data\.degradation\.heavyProb.*≤ 1/);
  bad(base({ kind: 'rain', drops: 3 }), /data\.degradation\.drops.*unknown key/);
  bad(base({ kind: 'jpeg', quality: 10 }, { val: { degradation: { kind: 'rain' } } }), /val\.degradation\.kind.*must match/);
  assert.throws(() => new BatchMaker(spec({ kind: 'bicubic-sr', scale: 3 }, { patch: 16 })), /multiple of data\.degradation\.scale/, 'BatchMaker checks the patch too');
});

test('bicubic-sr with a paired source: the LQ files are the LR images; μ is their ×s MATLAB-bicubic upscale (made per patch, equal to the whole upscale), the ground truth cropped to s·LR', async () => {
  const { writeImage } = await import('../../src/image/node-io.js');
  const { mkdirSync } = await import('node:fs');
  const gtDir = join(root, 'sr-gt'), lrDir = join(root, 'sr-lr');
  mkdirSync(gtDir, { recursive: true }); mkdirSync(lrDir, { recursive: true });
  const hr = pattern(3, 42, 38); // not a multiple of 4: the HR is cropped to 4 × the LR (40×36)
  const lr = matlabImresize(pattern(3, 40, 36), 1 / 4, { uint8: true });
  await writeImage(join(gtDir, 'a.png'), hr);
  await writeImage(join(lrDir, 'a.png'), lr);
  const src = { kind: 'paired' as const, lq: lrDir, gt: gtDir };
  const deg: Degradation = { kind: 'bicubic-sr', scale: 4 };
  const srItems = (await listSource(src)).items;
  const P = 32;
  const full = matlabImresize(lr, 4); // 40×36
  for (let step = 1; step <= 6; step++) {
    const b = await new BatchMaker({ ...spec(deg), items: srItems, batch: 1, patch: P, flips: false, rot90: false }).make(step);
    // the patch sits at some (oy, ox) of the 40×36 area: μ must equal the whole upscale there, x₀ the ground truth
    let best = Infinity;
    for (let oy = 0; oy <= 36 - P; oy++) for (let ox = 0; ox <= 40 - P; ox++) {
      let dMu = 0, dX = 0;
      for (let c = 0; c < 3; c++) for (let y = 0; y < P; y++) for (let x = 0; x < P; x++) {
        const i = c * P * P + y * P + x;
        dMu = Math.max(dMu, Math.abs(b.mu[i]! - full.data[((oy + y) * 40 + ox + x) * 3 + c]!));
        dX = Math.max(dX, Math.abs(b.x0[i]! - hr.data[((oy + y) * 42 + ox + x) * 3 + c]!));
      }
      if (dX === 0) best = Math.min(best, dMu);
    }
    assert.ok(best < 1e-6, `step ${step}: μ differs from the whole-image upscale by ${best}`);
  }
  // the resolved config accepts it; LR files of another scale, or a plain paired run with LR files, are refused
  const raw = (d: unknown) => ({ name: 't', network: { type: 'nafnet', width: 4, middleBlkNum: 1, encBlkNums: [1], decBlkNums: [1] }, data: { train: src, degradation: d, patch: 16 } });
  assert.equal(resolveConfig(raw(deg)).data.degradation.kind, 'bicubic-sr');
  for (const d of [{ kind: 'none' } as Degradation, { kind: 'bicubic-sr', scale: 2 } as Degradation]) {
    await assert.rejects(new BatchMaker({ ...spec(d), items: srItems, batch: 1 }).make(1),
      (e: Error & { hint?: string }) => /10×9 does not fit its ground truth 42×38/.test(e.message) && /looks like a ×1\/4 LR image: use data\.degradation \{"kind": "bicubic-sr", "scale": 4\}/.test(e.hint ?? ''), JSON.stringify(d));
  }
});
