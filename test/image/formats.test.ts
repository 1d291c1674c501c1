/**
 * Valid-but-unusual image files (found by a review that compared every decode with Pillow): low-bit interlaced
 * PNGs, colour-key transparency, a PNG cut before IEND, JPEGs with bytes after their end, greyscale and CMYK
 * JPEGs, and EXIF orientation for every reader (not only restore).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zlibSync } from 'fflate';
import { decodeImage } from '../../src/image/codecs.js';
import { jpegLayout } from '../../src/image/jpeg-layout.js';
import { encodePng } from '../../src/image/png.js';
import { encodeJpegSync } from '../../src/image/jpeg.js';
import { fromUint8 } from '../../src/image/convert.js';
import { readImage } from '../../src/image/node-io.js';
import { withJpegOrientation, withPngOrientation } from '../restore/helpers.js';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const v of b) c = CRC_TABLE[(c ^ v) & 255]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: ArrayLike<number>): number[] {
  const body = Uint8Array.from([...type].map((c) => c.charCodeAt(0)).concat(Array.from(data)));
  const u32 = (v: number) => [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
  return [...u32(data.length), ...body, ...u32(crc32(body))];
}
function png(ihdr: { w: number; h: number; depth: number; type: number; interlace: number }, raw: Uint8Array, extra: number[][] = []): Uint8Array {
  const u32 = (v: number) => [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
  return Uint8Array.from([
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a,
    ...chunk('IHDR', [...u32(ihdr.w), ...u32(ihdr.h), ihdr.depth, ihdr.type, 0, 0, ihdr.interlace]),
    ...extra.flat(),
    ...chunk('IDAT', zlibSync(raw)),
    ...chunk('IEND', []),
  ]);
}

/** Filter a row with PNG filter `type` (bytes per pixel 1), the encoder side of what the decoder undoes. */
function filterRow(type: number, row: Uint8Array, prev: Uint8Array): number[] {
  const out = [type];
  for (let i = 0; i < row.length; i++) {
    const a = i > 0 ? row[i - 1]! : 0, b = prev[i]!, c = i > 0 ? prev[i - 1]! : 0;
    const pa = Math.abs(b - c), pb = Math.abs(a - c), pc = Math.abs(a + b - 2 * c);
    const pred = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][type]!;
    out.push((row[i]! - pred) & 255);
  }
  return out;
}

/** Adam7-interlaced image data for one-sample-per-pixel `samples` at `depth` bits, cycling through all five filters. */
function adam7(samples: Uint8Array, w: number, h: number, depth: number): Uint8Array {
  const out: number[] = [];
  let f = 0;
  for (const [x0, y0, dx, dy] of [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] as const) {
    const pw = Math.ceil((w - x0) / dx), ph = Math.ceil((h - y0) / dy);
    if (pw <= 0 || ph <= 0) continue;
    let prev = new Uint8Array(Math.ceil((pw * depth) / 8));
    for (let y = y0; y < h; y += dy) {
      const row = new Uint8Array(prev.length);
      for (let i = 0; i < pw; i++) {
        const bit = i * depth;
        row[bit >> 3]! |= samples[y * w + x0 + i * dx]! << (8 - depth - (bit & 7));
      }
      out.push(...filterRow(f++ % 5, row, prev));
      prev = row;
    }
  }
  return Uint8Array.from(out);
}

test('interlaced 1-, 2- and 4-bit greyscale and palette PNGs decode to the right pixels', async () => {
  for (const [w, h] of [[16, 16], [13, 7], [1, 9], [5, 1]] as const) {
    for (const depth of [1, 2, 4]) {
      const maxv = (1 << depth) - 1;
      const samples = Uint8Array.from({ length: w * h }, (_, i) => (i * 7 + (i >> 3)) % (maxv + 1));
      const grey = await decodeImage(png({ w, h, depth, type: 0, interlace: 1 }, adam7(samples, w, h, depth)));
      assert.deepEqual([grey.image.width, grey.image.height, grey.image.channels, grey.bitDepth], [w, h, 1, depth]);
      assert.deepEqual(Array.from(grey.image.data), Array.from(samples, (v) => Math.fround(v / maxv)), `${w}×${h} grey ${depth}-bit`);

      // palette with transparency for the first two entries
      const pal = Array.from({ length: (maxv + 1) * 3 }, (_, i) => (i * 37) % 256);
      const trns = [0, 128];
      const pimg = await decodeImage(png({ w, h, depth, type: 3, interlace: 1 }, adam7(samples, w, h, depth), [chunk('PLTE', pal), chunk('tRNS', trns)]));
      assert.equal(pimg.image.channels, 4);
      const want = Array.from(samples).flatMap((k) => [pal[3 * k]!, pal[3 * k + 1]!, pal[3 * k + 2]!, k < trns.length ? trns[k]! : 255].map((v) => Math.fround(v / 255)));
      assert.deepEqual(Array.from(pimg.image.data), want, `${w}×${h} palette ${depth}-bit`);
    }
  }
});

test('a tRNS colour key becomes an alpha channel (grey and RGB, 8 and 16 bits)', async () => {
  // 8-bit grey, key 7: pixels equal to 7 are transparent
  const g = Uint8Array.from([7, 8, 7, 255]);
  const raw = Uint8Array.from([0, g[0]!, g[1]!, 0, g[2]!, g[3]!]);
  const grey = await decodeImage(png({ w: 2, h: 2, depth: 8, type: 0, interlace: 0 }, raw, [chunk('tRNS', [0, 7])]));
  assert.equal(grey.image.channels, 2);
  assert.deepEqual(Array.from(grey.image.data), [7 / 255, 0, 8 / 255, 1, 7 / 255, 0, 1, 1].map(Math.fround));
  // 16-bit RGB, key (1, 2, 3)
  const px = [[1, 2, 3], [1, 2, 4], [3, 2, 1], [1, 2, 3]];
  const raw16 = Uint8Array.from([0, ...px.flat().flatMap((v) => [v >> 8, v & 255])]);
  const rgb = await decodeImage(png({ w: 4, h: 1, depth: 16, type: 2, interlace: 0 }, raw16, [chunk('tRNS', [0, 1, 0, 2, 0, 3])]));
  assert.equal(rgb.image.channels, 4);
  assert.deepEqual(Array.from(rgb.image.data.filter((_, i) => i % 4 === 3)), [0, 1, 1, 0]);
});

test('a PNG cut off just before IEND still decodes; one cut inside its data does not', async () => {
  const full = encodePng(fromUint8(Array.from({ length: 20 * 10 * 3 }, (_, i) => (i * 11) % 256), 20, 10, 3));
  const a = await decodeImage(full);
  for (let cut = 1; cut <= 12; cut++) { // cut before or inside IEND
    const b = await decodeImage(full.slice(0, full.length - cut));
    assert.deepEqual(Array.from(b.image.data), Array.from(a.image.data), `${cut} bytes cut`);
  }
  await assert.rejects(decodeImage(full.slice(0, full.length - 30)), /corrupt or truncated PNG/);
});

test('JPEG: bytes after the end-of-image marker are ignored; a cut-off file is still refused', async () => {
  const rgb = fromUint8(Array.from({ length: 40 * 24 * 3 }, (_, i) => (i * 5) % 256), 40, 24, 3);
  const jpeg = encodeJpegSync(rgb, { quality: 80 });
  const ref = await decodeImage(jpeg);
  // a trailing newline, and a "motion photo" tail that itself holds JPEG markers (ff d9, ff d8)
  for (const tail of [[0x0a], [...Array(300).keys()].map((i) => (i % 7 === 0 ? 0xff : i % 7 === 1 ? 0xd9 : i & 255))]) {
    const withTail = Uint8Array.from([...jpeg, ...tail]);
    const layout = jpegLayout(withTail);
    assert.ok(!('problem' in layout) && layout.end === jpeg.length && layout.components === 3);
    assert.deepEqual(Array.from((await decodeImage(withTail)).image.data), Array.from(ref.image.data));
  }
  for (const cut of [jpeg.length - 2, jpeg.length - 40, 200]) {
    await assert.rejects(decodeImage(jpeg.slice(0, cut)), /truncated JPEG/);
  }
});

test('a greyscale JPEG decodes to one channel; CMYK and arithmetic coding are named as unsupported', async () => {
  const grey = fromUint8(Array.from({ length: 24 * 16 }, (_, i) => (i * 3) % 256), 24, 16, 1);
  const jpeg = encodeJpegSync(grey, { quality: 90 });
  const d = await decodeImage(jpeg);
  assert.deepEqual([d.image.channels, d.fileChannels], [1, 1]);
  // A frame header announcing four components (CMYK), or SOF9 (arithmetic), is refused before decoding.
  const sof = (marker: number, comps: number) => [0xff, marker, 0, 8 + 3 * comps, 8, 0, 16, 0, 16, comps, ...Array.from({ length: comps }, (_, i) => [i + 1, 0x11, 0]).flat()];
  const sos = [0xff, 0xda, 0, 8, 1, 1, 0, 0, 63, 0, 0x12, 0x34];
  const cmyk = Uint8Array.from([0xff, 0xd8, ...sof(0xc0, 4), ...sos, 0xff, 0xd9]);
  await assert.rejects(decodeImage(cmyk), /CMYK JPEGs are not supported/);
  const arith = Uint8Array.from([0xff, 0xd8, ...sof(0xc9, 3), ...sos, 0xff, 0xd9]);
  await assert.rejects(decodeImage(arith), /arithmetic-coded JPEGs are not supported/);
  const lossless = Uint8Array.from([0xff, 0xd8, ...sof(0xc3, 3), ...sos, 0xff, 0xd9]);
  await assert.rejects(decodeImage(lossless), /lossless JPEGs are not supported/);
  const twelve = Uint8Array.from([0xff, 0xd8, ...sof(0xc1, 3).map((v, i) => (i === 4 ? 12 : v)), ...sos, 0xff, 0xd9]);
  await assert.rejects(decodeImage(twelve), /12-bit JPEGs are not supported/);
  // libjpeg's own reason, not "Program terminated with exit(1)"
  const noScan = Uint8Array.from([0xff, 0xd8, ...sof(0xc0, 3), 0xff, 0xd9]);
  await assert.rejects(decodeImage(noScan), (e: Error) => /corrupt JPEG \(/.test(e.message) && !/exit\(1\)/.test(e.message));
});

test('every reader applies the EXIF orientation (eval, degrade and training read through readImage)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'irsde-orient-'));
  const wide = fromUint8(Array.from({ length: 32 * 16 * 3 }, (_, i) => ((i / 3) % 32 < 16 ? 30 : 220)), 32, 16, 3);
  const f = join(dir, 'o6.jpg');
  writeFileSync(f, withJpegOrientation(encodeJpegSync(wide, { quality: 95 }), 6, false));
  const img = await readImage(f);
  assert.deepEqual([img.width, img.height], [16, 32]);
  // a PNG whose eXIf chunk follows the image data (as some writers put it): honoured, as viewers do
  const tall = await decodeImage(withPngOrientation(encodePng(wide), 8, true));
  assert.deepEqual([tall.image.width, tall.image.height, tall.orientation], [16, 32, 8]);
  const stored = await decodeImage(withJpegOrientation(encodeJpegSync(wide, { quality: 95 }), 6, false), { orient: false });
  assert.deepEqual([stored.image.width, stored.image.height, stored.orientation], [32, 16, 1]);
});
