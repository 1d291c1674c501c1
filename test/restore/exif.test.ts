/** EXIF orientation (JPEG APP1, PNG eXIf), header size checks, 16-bit PNG input. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyOrientation, fileOrientation, jpegOrientation, pngOrientation, type Orientation } from '../../src/image/exif.js';
import { headerSize } from '../../src/image/codecs.js';
import { loadImageFile } from '../../src/restore/input-node.js';
import { encodePng } from '../../src/image/png.js';
import { encodeJpegSync } from '../../src/image/jpeg.js';
import { fromUint8 } from '../../src/image/convert.js';
import { withJpegOrientation, withPngOrientation } from './helpers.js';

test('the eight orientations on a 3×2 image', () => {
  // a b c
  // d e f
  const src = Uint8Array.from('abcdef', (ch) => ch.charCodeAt(0));
  const want: Record<Orientation, [number, number, string]> = {
    1: [3, 2, 'abcdef'], 2: [3, 2, 'cbafed'], 3: [3, 2, 'fedcba'], 4: [3, 2, 'defabc'],
    5: [2, 3, 'adbecf'], 6: [2, 3, 'daebfc'], 7: [2, 3, 'fcebda'], 8: [2, 3, 'cfbead'],
  };
  for (const [o, [w, h, s]] of Object.entries(want)) {
    const r = applyOrientation(src, 3, 2, 1, Number(o) as Orientation, (n) => new Uint8Array(n));
    assert.deepEqual([r.width, r.height, String.fromCharCode(...r.data)], [w, h, s], `orientation ${o}`);
  }
  // channels move together
  const rgb = Uint8Array.from({ length: 12 }, (_, i) => i);
  const r6 = applyOrientation(rgb, 2, 2, 3, 6, (n) => new Uint8Array(n));
  assert.deepEqual([...r6.data], [6, 7, 8, 0, 1, 2, 9, 10, 11, 3, 4, 5]);
});

/** 32×16 image: left half dark, right half bright. */
function halves(): Uint8Array {
  const d = new Uint8Array(32 * 16 * 3);
  for (let y = 0; y < 16; y++) for (let x = 0; x < 32; x++) d.fill(x < 16 ? 30 : 220, (y * 32 + x) * 3, (y * 32 + x) * 3 + 3);
  return d;
}
const mean = (img: { data: Float32Array; width: number; channels: number }, x0: number, y0: number, x1: number, y1: number): number => {
  let s = 0, n = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) { s += img.data[(y * img.width + x) * img.channels]!; n++; }
  return (s / n) * 255;
};

test('JPEG with an EXIF orientation tag (both byte orders) is turned upright on load', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'irsde-exif-'));
  const jpeg = encodeJpegSync(fromUint8(halves(), 32, 16, 3), { quality: 95 });
  assert.equal(jpegOrientation(jpeg), 1);
  for (const le of [false, true]) {
    const tagged = withJpegOrientation(jpeg, 6, le);
    assert.equal(jpegOrientation(tagged), 6);
    assert.deepEqual(headerSize(tagged), { width: 32, height: 16 });
    const f = join(dir, `o6${le ? 'le' : 'be'}.jpg`);
    writeFileSync(f, tagged);
    const r = await loadImageFile(f);
    assert.equal(r.orientation, 6);
    assert.deepEqual([r.image.width, r.image.height], [16, 32], 'rotated 90°: width and height swap');
    // rotate 90° clockwise: the dark left half ends up on top
    assert.ok(mean(r.image, 0, 0, 16, 14) < 60 && mean(r.image, 0, 18, 16, 32) > 190, 'dark half on top');
  }
  const f8 = join(dir, 'o8.jpg');
  writeFileSync(f8, withJpegOrientation(jpeg, 8));
  const r8 = await loadImageFile(f8);
  assert.ok(mean(r8.image, 0, 0, 16, 14) > 190 && mean(r8.image, 0, 18, 16, 32) < 60, 'orientation 8: bright half on top');
  const f3 = join(dir, 'o3.jpg');
  writeFileSync(f3, withJpegOrientation(jpeg, 3));
  const r3 = await loadImageFile(f3);
  assert.deepEqual([r3.image.width, r3.image.height], [32, 16]);
  assert.ok(mean(r3.image, 0, 0, 14, 16) > 190, 'orientation 3: bright half on the left');
});

test('PNG eXIf orientation; grey, RGBA and 16-bit PNGs keep their channels and precision', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'irsde-exif-'));
  const png = encodePng(fromUint8(halves(), 32, 16, 3));
  assert.equal(pngOrientation(png), 1);
  const tagged = withPngOrientation(png, 6);
  assert.equal(fileOrientation(tagged), 6);
  writeFileSync(join(dir, 'o.png'), tagged);
  const r = await loadImageFile(join(dir, 'o.png'));
  assert.deepEqual([r.image.width, r.image.height, r.orientation], [16, 32, 6]);
  assert.ok(mean(r.image, 0, 0, 16, 16) < 31 && mean(r.image, 0, 16, 16, 32) > 219, 'dark half on top');
  // 16-bit: values between the 8-bit levels survive
  const v16 = Float32Array.from({ length: 8 * 4 }, (_, i) => (1000 + 997 * i) / 65535);
  writeFileSync(join(dir, 'g16.png'), encodePng({ data: v16, width: 8, height: 4, channels: 1 }, { bitDepth: 16 }));
  const g = await loadImageFile(join(dir, 'g16.png'));
  assert.deepEqual([g.bitDepth, g.image.channels, g.image.width], [16, 1, 8]);
  assert.ok(g.image.data.every((v, i) => Math.abs(v - v16[i]!) < 1e-7), '16-bit samples exact');
  writeFileSync(join(dir, 'rgba.png'), encodePng(fromUint8(new Uint8Array(4 * 4 * 4).fill(77), 4, 4, 4)));
  assert.equal((await loadImageFile(join(dir, 'rgba.png'))).image.channels, 4);
});

test('absurd sizes in the header are refused before decoding', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'irsde-exif-'));
  const png = encodePng(fromUint8(new Uint8Array(4 * 4 * 3), 4, 4, 3));
  const huge = png.slice();
  new DataView(huge.buffer).setUint32(16, 100000);
  new DataView(huge.buffer).setUint32(20, 100000);
  writeFileSync(join(dir, 'huge.png'), huge);
  await assert.rejects(loadImageFile(join(dir, 'huge.png')), /huge\.png: 100000×100000 is too large/);
  const jpeg = encodeJpegSync(fromUint8(new Uint8Array(8 * 8 * 3), 8, 8, 3), { quality: 90 });
  const hdr = headerSize(jpeg)!;
  assert.deepEqual(hdr, { width: 8, height: 8 });
  await assert.rejects(loadImageFile(dir), /is a directory, not an image/);
});
