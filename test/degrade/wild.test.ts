import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { DegradeRng } from '../../src/degrade/random.js';
import { wildDegrade, uniqueWords } from '../../src/degrade/wild.js';
import { readImage } from '../../src/image/node-io.js';
import { crop } from '../../src/image/pad.js';
import { toUint8 } from '../../src/image/convert.js';
import type { FloatImage } from '../../src/image/types.js';

const SHARED = '../shared/data';

async function patch(): Promise<FloatImage> {
  if (existsSync(`${SHARED}/FFHQ256/69037.png`)) return crop(await readImage(`${SHARED}/FFHQ256/69037.png`), 64, 64, 96, 96);
  const d = new Float32Array(96 * 96 * 3).map((_, i) => ((i * 7919) % 256) / 255);
  return { data: d, width: 96, height: 96, channels: 3 };
}

test('wild pipeline: same seed -> identical bytes, different seed -> different; size kept; quantised', async () => {
  const img = await patch();
  const a = await wildDegrade(img, new DegradeRng(5));
  const b = await wildDegrade(img, new DegradeRng(5));
  assert.deepEqual(toUint8(a.lq), toUint8(b.lq));
  assert.deepEqual(a.steps, b.steps);
  let differ = 0;
  for (let s = 6; s < 10; s++) {
    const c = await wildDegrade(img, new DegradeRng(s));
    assert.equal(c.lq.width, img.width); assert.equal(c.lq.height, img.height);
    if (Buffer.compare(Buffer.from(toUint8(c.lq)), Buffer.from(toUint8(a.lq))) !== 0) differ++;
  }
  assert.equal(differ, 4);
  for (const v of a.lq.data) assert.ok(Math.abs(v * 255 - Math.round(v * 255)) < 1e-4 && v >= 0 && v <= 1);
});

test('wild pipeline: orders are permutations, words follow the steps, probabilities are in range', async () => {
  const img = await patch();
  let grey = 0, resized = 0, jpeg = 0, blur1 = 0;
  const N = 24;
  for (let s = 0; s < N; s++) {
    const r = await wildDegrade(img, new DegradeRng(100 + s));
    assert.deepEqual([...r.orders[0]].sort(), ['blur', 'jpeg', 'noise', 'resize']);
    assert.deepEqual([...r.orders[1]].sort(), ['blur', 'noise']);
    assert.deepEqual([...r.orders[2]].sort(), ['blur', 'jpeg', 'resize']);
    const resizeSteps = r.steps.filter((x) => x.op === 'resize');
    assert.equal(resizeSteps.length, r.resizeFlag ? 2 : 0);
    const jpegSteps = r.steps.filter((x) => x.op === 'jpeg') as Array<{ order: number; quality: number }>;
    for (const j of jpegSteps) assert.ok(j.order === 1 ? j.quality >= 60 && j.quality < 95 : j.quality >= 80 && j.quality < 100);
    assert.equal(r.words.filter((w) => w === 'jpeg block').length, jpegSteps.length);
    const blurSteps = r.steps.filter((x) => x.op === 'blur') as Array<{ order: number; kernel: { size: number } }>;
    for (const b of blurSteps) assert.ok(b.order === 2 ? b.kernel.size <= 9 : b.kernel.size <= 19);
    assert.equal(r.words.filter((w) => w === 'blur').length, blurSteps.length + resizeSteps.length);
    assert.ok(uniqueWords(r.words).length <= 4);
    if (r.greyscale) {
      grey++;
      for (let p = 0; p < 50; p++) assert.equal(r.gt.data[3 * p], r.gt.data[3 * p + 2]);
    }
    if (r.resizeFlag) resized++;
    jpeg += jpegSteps.length;
    blur1 += blurSteps.filter((b) => b.order === 1).length;
  }
  assert.ok(resized >= N * 0.5, `resizeFlag ${resized}/${N}`);
  assert.ok(blur1 >= N * 0.5, `order-1 blur ${blur1}/${N}`);
  assert.ok(jpeg >= 4 && jpeg <= 36, `jpeg steps ${jpeg}`);
  assert.ok(grey <= N * 0.4);
});

test('wild pipeline options govern every order (orders 2 and 3 follow them as the reference does)', async () => {
  const img = await patch();
  const off = { blurProb: 0, resizeProb: 0, noiseProb: 0, jpegProb: 0, greyProb: 0 };
  let udc = 0;
  for (let s = 0; s < 40; s++) {
    const r = await wildDegrade(img, new DegradeRng(300 + s), off);
    for (const st of r.steps) {
      assert.equal(st.op, 'udc', `seed ${300 + s}: ${st.op} in order ${st.order} with every probability 0`);
      udc++;
    }
    assert.equal(r.words.length, 0);
  }
  assert.ok(udc > 0, 'the UDC branch still draws (no PSF bank: a recorded no-op)');
  // all on: every order applies its blur / noise / JPEG
  const on = { blurProb: 1, noiseProb: 1, jpegProb: 1 };
  const r = await wildDegrade(img, new DegradeRng(7), on);
  const where = (op: string): number[] => r.steps.filter((st) => st.op === op).map((st) => st.order);
  assert.deepEqual(where('jpeg'), [1, 3]);
  assert.ok(where('noise').includes(1));
  assert.ok(where('blur').includes(1) && where('blur').includes(3));
});

test('wild pipeline: reusing intermediate buffers never touches a result, an input or another call', async () => {
  const { createHash } = await import('node:crypto');
  const sha = (a: Float32Array): string => createHash('sha256').update(a).digest('hex');
  const img = await patch();
  const inputSha = sha(img.data);
  // 48 calls (every branch order, resize up and down, greyscale GT), keeping every result
  const kept = [];
  for (let s = 0; s < 48; s++) {
    const r = await wildDegrade(img, new DegradeRng(500 + s));
    kept.push({ r, lq: sha(r.lq.data), gt: sha(r.gt.data) });
  }
  assert.equal(sha(img.data), inputSha, 'the input was written to');
  for (const [s, k] of kept.entries()) {
    assert.equal(sha(k.r.lq.data), k.lq, `seed ${500 + s}: its LQ changed after later calls`);
    assert.equal(sha(k.r.gt.data), k.gt, `seed ${500 + s}: its GT changed after later calls`);
    for (const other of kept.slice(s + 1)) {
      assert.notEqual(k.r.lq.data.buffer, other.r.lq.data.buffer, 'two results share a buffer');
    }
    // and a later call with the same seed (spare buffers in use by then) gives the same bytes
    if (s % 8 === 0) assert.equal(sha((await wildDegrade(img, new DegradeRng(500 + s))).lq.data), k.lq);
  }
});
