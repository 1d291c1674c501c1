import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { psnr, ssim, scoreAll, SSIM_WINDOW } from '../../src/metrics/metrics.js';
import { readImage } from '../../src/image/node-io.js';
import { fromUint8 } from '../../src/image/convert.js';
import type { FloatImage } from '../../src/image/types.js';

const ref = JSON.parse(readFileSync('test/fixtures/metrics/reference.json', 'utf8')) as {
  cases: Array<{ name: string; files: [string, string]; crop: number; y: boolean; psnr: number; ssim: number }>;
};

test('PSNR/SSIM match the BasicSR/skimage reference values (RGB and Y, crop 0 and 4)', async () => {
  let checked = 0;
  for (const c of ref.cases) {
    if (!c.files.every((f) => existsSync(f))) continue; // shared data absent
    const [a, b] = [await readImage(c.files[0]), await readImage(c.files[1])];
    const o = { crop: c.crop, y: c.y };
    const p = psnr(a, b, o), s = ssim(a, b, o);
    assert.ok(Math.abs(p - c.psnr) < 1e-6, `${c.name} crop ${c.crop} y ${c.y}: PSNR ${p} vs ${c.psnr}`);
    assert.ok(Math.abs(s - c.ssim) < 1e-7, `${c.name} crop ${c.crop} y ${c.y}: SSIM ${s} vs ${c.ssim}`);
    checked++;
  }
  assert.ok(checked >= 4);
});

test('identical images: PSNR = Infinity, SSIM = 1; inputs are rounded to uint8 first', () => {
  const a = fromUint8(Array.from({ length: 32 * 32 * 3 }, (_, i) => (i * 31) % 256), 32, 32, 3);
  assert.equal(psnr(a, a), Infinity);
  assert.ok(Math.abs(ssim(a, a) - 1) < 1e-12);
  const b: FloatImage = { ...a, data: a.data.map((v) => v + 0.4 / 255) }; // rounds back to the same bytes
  assert.equal(psnr(a, b), Infinity);
  const c: FloatImage = { ...a, data: a.data.map((v) => Math.min(1, v + 1 / 255)) };
  assert.ok(psnr(a, c) > 48 && psnr(a, c) < 49.2); // MSE just under 1 -> ~48.1+ dB
  const s = scoreAll(a, c, { crop: 2 });
  assert.ok(s.psnrY > 0 && s.ssimY <= 1);
  assert.throws(() => psnr(a, fromUint8(new Uint8Array(31 * 32 * 3), 31, 32, 3)), /sizes differ/);
  assert.throws(() => ssim(a, a, { crop: 11 }), /at least 11x11/);
  assert.ok(Math.abs(SSIM_WINDOW.reduce((x, y) => x + y, 0) - 1) < 1e-15);
});

test('Set5 x4 bicubic baseline reproduces the published 28.42 dB / 0.8104 (Y, crop 4)', { skip: !existsSync('../shared/data/Set5') }, async () => {
  const { matlabImresize } = await import('../../src/degrade/resize.js');
  const { crop } = await import('../../src/image/pad.js');
  let ps = 0, ss = 0;
  for (const n of ['baby', 'bird', 'butterfly', 'head', 'woman']) {
    const lr = await readImage(`../shared/data/Set5/LR_bicubic/X4/${n}x4.png`);
    const hr0 = await readImage(`../shared/data/Set5/HR/${n}.png`);
    const hr = crop(hr0, 0, 0, lr.width * 4, lr.height * 4);
    const up = matlabImresize(lr, 4);
    ps += psnr(up, hr, { crop: 4, y: true }); ss += ssim(up, hr, { crop: 4, y: true });
  }
  assert.ok(Math.abs(ps / 5 - 28.42) < 0.03, `PSNR-Y ${ps / 5}`);
  assert.ok(Math.abs(ss / 5 - 0.8104) < 0.002, `SSIM-Y ${ss / 5}`);
});
