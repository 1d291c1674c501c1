import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { decodePng } from '../../src/image/png.js';
import { toUint8 } from '../../src/image/convert.js';
import { encodeJpegSync, decodeJpeg, initJpeg } from '../../src/image/jpeg.js';
import { quantTables, quantizer } from '../../src/image/jpeg-encoder.js';

const FIX = 'test/fixtures/jpeg';
const ref = JSON.parse(readFileSync(`${FIX}/reference.json`, 'utf8')) as { cases: Array<{ quality: number; scan_sha256: string; bytes: number }> };

function scan(b: Uint8Array): Uint8Array {
  for (let i = 0; i + 1 < b.length; i++) if (b[i] === 0xff && b[i + 1] === 0xda) return b.slice(i + 2 + b[i + 2]! * 256 + b[i + 3]!);
  throw new Error('no SOS');
}

test('IJG quality scaling', () => {
  assert.equal(quantTables(50).luma[0], 16);
  assert.equal(quantTables(10).luma[0], 80); // 16 * 500/100
  assert.equal(quantTables(90).luma[0], 3); // (16*20+50)/100
  assert.equal(quantTables(100).chroma[63], 1);
  assert.equal(quantTables(1).luma[63], 255); // baseline clamp
});

test('baseline encoder is bit-exact with libjpeg-turbo (Pillow/OpenCV) on a 45x37 image', () => {
  const input = decodePng(readFileSync(`${FIX}/input.png`)).image;
  for (const c of ref.cases) {
    const ours = encodeJpegSync(input, { quality: c.quality });
    assert.equal(createHash('sha256').update(scan(ours)).digest('hex'), c.scan_sha256, `entropy-coded data differs at q=${c.quality}`);
    assert.equal(ours.length, c.bytes, `file size at q=${c.quality}`);
  }
});

test('baseline encoder is bit-exact with Pillow on noisy colour (4:2:0 up to q100, 4:4:4) and greyscale 70x53 images', () => {
  const more = JSON.parse(readFileSync(`${FIX}/more.json`, 'utf8')) as { cases: Array<{ input: string; quality: number; subsampling: '420' | '444' | null; scan_sha256: string; bytes: number }> };
  assert.equal(more.cases.length, 6);
  for (const c of more.cases) {
    const input = decodePng(readFileSync(`${FIX}/${c.input}`)).image;
    assert.equal(input.channels, c.subsampling ? 3 : 1, c.input);
    const ours = encodeJpegSync(input, { quality: c.quality, subsampling: c.subsampling ?? undefined });
    const what = `${c.input} q=${c.quality} ${c.subsampling ?? 'grey'}`;
    assert.equal(createHash('sha256').update(scan(ours)).digest('hex'), c.scan_sha256, `entropy-coded data differs: ${what}`);
    assert.equal(ours.length, c.bytes, `file size: ${what}`);
  }
});

test('quantisation by nudged reciprocals equals integer division for every divisor and every reachable value', () => {
  // |islow output| < 2^14 and the rounding offset is < 2^10, so every dividend is below 2^15; checked to 2^17.
  const quantval = new Int32Array(64);
  for (let base = 1; base <= 255; base += 64) {
    for (let i = 0; i < 64; i++) quantval[i] = Math.min(255, base + i);
    const { recip } = quantizer(quantval);
    for (let i = 0; i < 64; i++) {
      const q = quantval[i]! << 3, r = recip[i]!;
      for (let a = 0; a < 1 << 17; a++) {
        if (((a * r) | 0) !== Math.floor(a / q)) assert.fail(`q=${q}, a=${a}: ${(a * r) | 0} vs ${Math.floor(a / q)}`);
      }
    }
  }
});

test('WebAssembly decoder matches libjpeg-turbo decoding of the same stream', async () => {
  await initJpeg();
  const input = decodePng(readFileSync(`${FIX}/input.png`)).image;
  for (const q of [10, 50, 95]) {
    const dec = await decodeJpeg(encodeJpegSync(input, { quality: q }));
    const pil = decodePng(readFileSync(`${FIX}/pil_q${q}_decoded.png`)).image;
    const a = toUint8(dec), b = toUint8(pil);
    let maxd = 0;
    for (let i = 0; i < a.length; i++) maxd = Math.max(maxd, Math.abs(a[i]! - b[i]!));
    assert.ok(maxd <= 1, `q=${q}: max pixel difference ${maxd}`);
  }
});

test('MozJPEG encoder path works and quality changes the size', async () => {
  await initJpeg({ encoder: true });
  const input = decodePng(readFileSync(`${FIX}/input.png`)).image;
  const lo = encodeJpegSync(input, { quality: 10, encoder: 'mozjpeg' }), hi = encodeJpegSync(input, { quality: 95, encoder: 'mozjpeg' });
  assert.ok(lo.length < hi.length);
  const d = await decodeJpeg(hi);
  assert.equal(d.width, 45); assert.equal(d.height, 37);
  assert.throws(() => encodeJpegSync(input, { quality: 0 }), /quality/);
});

test('grey + alpha written as JPEG stays one grey component (the alpha is dropped)', async () => {
  const { encodeImage, decodeImage } = await import('../../src/image/codecs.js');
  const w = 20, h = 12;
  const la = new Float32Array(w * h * 2);
  for (let i = 0; i < w * h; i++) { la[2 * i] = (i % 17) / 16; la[2 * i + 1] = 0.5; }
  const bytes = await encodeImage({ data: la, width: w, height: h, channels: 2 }, { format: 'jpeg', quality: 95 });
  const back = await decodeImage(bytes);
  assert.equal(back.image.channels, 1);
  let err = 0;
  for (let i = 0; i < w * h; i++) err = Math.max(err, Math.abs(back.image.data[i]! - la[2 * i]!));
  assert.ok(err < 0.1, `grey values kept (max error ${err})`);
});
