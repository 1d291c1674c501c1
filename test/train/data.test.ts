/** The training data pipeline: batches are pure functions of (seed, step), augmentations, degradations, the worker. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeImage } from '../../src/image/node-io.js';
import { BatchMaker, listSource, openBatchSource, loadValImages, type BatchSpec } from '../../src/train/data.js';
import { tempDir, writeImages, pattern } from './tiny.js';

const root = tempDir();
after(() => rmSync(root, { recursive: true, force: true }));
const clean = await writeImages(join(root, 'clean'), 5, 12, 10);
const gtDir = await writeImages(join(root, 'gt'), 3, 8, 8, { prefix: 'gt-' });
const lqDir = await writeImages(join(root, 'lq'), 3, 8, 8, { prefix: 'lq-', f: (v) => 1 - v });

const spec = (over: Partial<BatchSpec> = {}): BatchSpec => ({
  items: [], patch: 8, batch: 2, channels: 3, flips: true, rot90: true, degradation: { kind: 'gaussian', sigma: 25, clip: true }, seed: 3, T: 20, ...over,
});
const cleanItems = (await listSource({ kind: 'clean', dirs: [clean] })).items;

test('a batch depends only on (seed, step): same from a fresh maker, in any order; different steps differ', async () => {
  const a = new BatchMaker(spec({ items: cleanItems }));
  const b = new BatchMaker(spec({ items: cleanItems }));
  const a5 = await a.make(5), a2 = await a.make(2);
  const b2 = await b.make(2), b5 = await b.make(5);
  for (const k of ['x0', 'mu', 'noise', 't'] as const) {
    assert.deepEqual(a5[k], b5[k], k);
    assert.deepEqual(a2[k], b2[k], k);
  }
  assert.notDeepEqual(a2.x0, a5.x0);
  const other = await new BatchMaker(spec({ items: cleanItems, seed: 4 })).make(2);
  assert.notDeepEqual(other.noise, a2.noise);
});

test('epochs visit every image once (shuffled without replacement)', () => {
  const m = new BatchMaker(spec({ items: cleanItems }));
  for (let e = 0; e < 3; e++) {
    const seen = Array.from({ length: 5 }, (_, i) => m.itemIndex(e * 5 + i)).sort();
    assert.deepEqual(seen, [0, 1, 2, 3, 4]);
  }
  const orders = [0, 1, 2].map((e) => Array.from({ length: 5 }, (_, i) => m.itemIndex(e * 5 + i)).join());
  assert.ok(new Set(orders).size > 1, 'epochs should be shuffled differently');
});

test('t ∈ {1…T} integers, ε ~ N(0, 1), Gaussian μ = clip(x₀ + σ/255·n)', async () => {
  const m = new BatchMaker(spec({ items: cleanItems, batch: 64, degradation: { kind: 'gaussian', sigma: 25, clip: false } }));
  const b = await m.make(1);
  assert.ok([...b.t].every((t) => Number.isInteger(t) && t >= 1 && t <= 20));
  assert.ok(new Set(b.t).size > 10);
  const mean = (a: ArrayLike<number>): number => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i]!; return s / a.length; };
  const n = b.noise;
  const mu0 = mean(n), sd = Math.sqrt(mean(Array.from(n, (v) => (v - mu0) ** 2)));
  assert.ok(Math.abs(mu0) < 0.02 && Math.abs(sd - 1) < 0.02, `ε mean ${mu0} std ${sd}`);
  const d = Array.from(b.mu, (v, i) => (v - b.x0[i]!) * 255);
  const dm = mean(d), dsd = Math.sqrt(mean(d.map((v) => (v - dm) ** 2)));
  assert.ok(Math.abs(dsd - 25) < 0.5, `noise σ ${dsd}`);
  const clipped = await new BatchMaker(spec({ items: cleanItems, batch: 16, degradation: { kind: 'gaussian', sigmaRange: [100, 200], clip: true } })).make(1);
  assert.ok(clipped.mu.every((v) => v >= 0 && v <= 1));
  assert.ok(clipped.mu.some((v) => v === 0) && clipped.mu.some((v) => v === 1));
});

test('patches are crops of the image under one of the 8 flips/transposes; flips and rot90 can be turned off', async () => {
  const dir = join(root, 'one');
  const img = pattern(9, 8, 8);
  await writeImage(join(dir, 'a.png'), img);
  const items = (await listSource({ kind: 'clean', dirs: [dir] })).items;
  const chw = (f: (y: number, x: number) => [number, number]) => {
    const out = new Float32Array(3 * 64);
    for (let c = 0; c < 3; c++) for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) { const [sy, sx] = f(y, x); out[c * 64 + y * 8 + x] = img.data[(sy * 8 + sx) * 3 + c]!; }
    return out;
  };
  const variants: Float32Array[] = [];
  for (const t of [false, true]) for (const v of [false, true]) for (const h of [false, true]) {
    variants.push(chw((y, x) => { const a = t ? x : y, b = t ? y : x; return [v ? 7 - a : a, h ? 7 - b : b]; }));
  }
  const key = (a: Float32Array) => Array.from(a).join();
  const keys = new Set(variants.map(key));
  assert.equal(keys.size, 8);
  const m = new BatchMaker(spec({ items, batch: 1 }));
  const seen = new Set<string>();
  for (let s = 1; s <= 60; s++) {
    const k = key((await m.make(s)).x0);
    assert.ok(keys.has(k), `step ${s}: not a dihedral transform of the image`);
    seen.add(k);
  }
  assert.equal(seen.size, 8, 'all 8 transforms should occur');
  const plain = new BatchMaker(spec({ items, batch: 1, flips: false, rot90: false }));
  for (let s = 1; s <= 5; s++) assert.equal(key((await plain.make(s)).x0), key(variants[0]!));
});

test('paired folders: μ is the LQ patch at the same crop and transform (pairing by a key regex)', async () => {
  const { items, warnings } = await listSource({ kind: 'paired', lq: lqDir, gt: gtDir, key: '(\\d+)$' });
  assert.equal(items.length, 3);
  assert.deepEqual(warnings, []);
  const m = new BatchMaker(spec({ items, batch: 3 }));
  for (let s = 1; s <= 4; s++) {
    const b = await m.make(s);
    for (let i = 0; i < b.x0.length; i++) assert.ok(Math.abs(b.mu[i]! - (1 - b.x0[i]!)) < 1.5 / 255, `step ${s} element ${i}`);
  }
  // Without the key, gt-0 and lq-0 do not pair: one clear error with a hint.
  await assert.rejects(listSource({ kind: 'paired', lq: lqDir, gt: gtDir }), (e: Error & { hint?: string }) => /no LQ\/GT pairs/.test(e.message) && /regex/.test(e.hint ?? ''));
});

test('the worker builds the same batches as the main thread, ahead of time', async () => {
  const sp = spec({ items: cleanItems });
  const inline = await openBatchSource(sp, { worker: false, prefetch: 2, lastStep: 6 });
  const worker = await openBatchSource(sp, { worker: true, prefetch: 2, lastStep: 6 });
  try {
    assert.equal(worker.mode, 'worker');
    worker.start(1);
    for (const s of [1, 2, 3, 6]) {
      const [a, b] = [await inline.get(s), await worker.get(s)];
      for (const k of ['x0', 'mu', 'noise', 't'] as const) assert.deepEqual(b[k], a[k], `step ${s} ${k}`);
    }
  } finally {
    await inline.close();
    await worker.close();
  }
});

test('data errors are one clear IrsdeError: missing folder, image smaller than the patch, errors from the worker', async () => {
  await assert.rejects(listSource({ kind: 'clean', dirs: [join(root, 'nope')] }), /no such folder/);
  const small = new BatchMaker(spec({ items: cleanItems, patch: 16 }));
  await assert.rejects(small.make(1), /smaller than the 16×16 training patch/);
  const w = await openBatchSource(spec({ items: cleanItems, patch: 16 }), { worker: true, prefetch: 1, lastStep: 3 });
  try {
    await assert.rejects(w.get(1), (e: Error & { code?: string }) => e.code === 'bad-data' && /smaller than/.test(e.message));
  } finally {
    await w.close();
  }
});

test('validation images: first `count`, centre crop, fixed noise', async () => {
  const a = await loadValImages({ kind: 'clean', dirs: [clean] }, { count: 2, crop: 8, sigma: 25, seed: 0 });
  const b = await loadValImages({ kind: 'clean', dirs: [clean] }, { count: 2, crop: 8, sigma: 25, seed: 0 });
  assert.equal(a.images.length, 2);
  assert.equal(a.images[0]!.width, 8);
  assert.deepEqual(a.images[1]!.lq, b.images[1]!.lq);
  const full = await loadValImages({ kind: 'clean', dirs: [clean] }, { count: 1, crop: 0, sigma: 0, seed: 0 });
  assert.deepEqual([full.images[0]!.width, full.images[0]!.height], [12, 10]);
  assert.deepEqual(full.images[0]!.lq, full.images[0]!.gt);
});
