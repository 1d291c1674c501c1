import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { roundHalfEven, toByte, toRGB, fromUint8, toUint8, quantizeInPlace, fromRGBA } from '../../src/image/convert.js';
import { rgbToY, rgbToLuma } from '../../src/image/color.js';
import { reflect101, reflectSymmetric, pad, crop, modcrop, cropBorder, padToMultiple } from '../../src/image/pad.js';
import { encodePng, decodePng } from '../../src/image/png.js';
import { readImage, readImageFile, writeImage } from '../../src/image/node-io.js';
import { encodeJpegSync } from '../../src/image/jpeg.js';
import { IrsdeError } from '../../src/common/errors.js';
import type { FloatImage } from '../../src/image/types.js';

const SHARED = '../shared/data';

test('round half to even and q(x)', () => {
  assert.equal(roundHalfEven(0.5), 0);
  assert.equal(roundHalfEven(1.5), 2);
  assert.equal(roundHalfEven(2.5), 2);
  assert.equal(roundHalfEven(-0.5), -0);
  assert.equal(roundHalfEven(2.4999), 2);
  assert.equal(toByte(-0.1), 0);
  assert.equal(toByte(1.2), 255);
  assert.equal(toByte(NaN), 0);
  assert.equal(toByte(128.5 / 255), 128); // tie -> even
  assert.equal(toByte(129.5 / 255), 130);
});

test('BT.601 Y uses the MATLAB constants (white 235, black 16)', () => {
  const img = fromUint8([255, 255, 255, 0, 0, 0, 255, 0, 0, 10, 200, 30], 4, 1, 3);
  const y = rgbToY(img);
  assert.ok(Math.abs(y.data[0]! * 255 - 235) < 1e-3);
  assert.ok(Math.abs(y.data[1]! * 255 - 16) < 1e-4);
  assert.ok(Math.abs(y.data[2]! * 255 - (16 + 65.481)) < 1e-3);
  const expected = 16 + (65.481 * 10 + 128.553 * 200 + 24.966 * 30) / 255;
  assert.ok(Math.abs(y.data[3]! * 255 - expected) < 1e-3);
  assert.ok(Math.abs(rgbToY(img, { round: true }).data[3]! * 255 - Math.round(expected)) < 1e-4);
  const l = rgbToLuma(img);
  assert.ok(Math.abs(l.data[3]! - (0.299 * 10 + 0.587 * 200 + 0.114 * 30) / 255) < 1e-6);
});

test('reflect-101 and symmetric index maps; pad/crop helpers', () => {
  // [a b c d] -> c b | a b c d | c b
  assert.deepEqual([-2, -1, 0, 3, 4, 5].map((i) => reflect101(i, 4)), [2, 1, 0, 3, 2, 1]);
  assert.deepEqual([-2, -1, 0, 3, 4, 5].map((i) => reflectSymmetric(i, 4)), [1, 0, 0, 3, 3, 2]);
  assert.equal(reflect101(-7, 3), 1); // pads wider than the image keep reflecting
  const img = fromUint8([1, 2, 3, 4, 5, 6], 3, 2, 1);
  const p = pad(img, 1, 1, 2, 2);
  assert.equal(p.width, 7); assert.equal(p.height, 4);
  assert.deepEqual(Array.from(toUint8(crop(p, 2, 1, 3, 2))), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(Array.from(toUint8(p)).slice(0, 7), [6, 5, 4, 5, 6, 5, 4]);
  assert.equal(modcrop(fromUint8(new Uint8Array(7 * 5), 7, 5, 1), 4).width, 4);
  assert.equal(cropBorder(fromUint8(new Uint8Array(7 * 5), 7, 5, 1), 1).height, 3);
  assert.equal(padToMultiple(img, 4).image.width, 4);
  assert.throws(() => crop(img, 2, 0, 2, 1), /outside/);
});

test('PNG round trip: 8-bit RGB, 16-bit, grey and RGBA', () => {
  const rgb = fromUint8(Array.from({ length: 5 * 3 * 3 }, (_, i) => (i * 37) % 256), 5, 3, 3);
  const d8 = decodePng(encodePng(rgb));
  assert.deepEqual(Array.from(toUint8(d8.image)), Array.from(toUint8(rgb)));
  assert.equal(d8.bitDepth, 8);
  const img16: FloatImage = { data: new Float32Array([0, 1 / 65535, 0.5, 1, 0.25, 0.75]), width: 2, height: 1, channels: 3 };
  const d16 = decodePng(encodePng(img16, { bitDepth: 16 }));
  assert.equal(d16.bitDepth, 16);
  assert.ok(Math.abs(d16.image.data[1]! - 1 / 65535) < 1e-9);
  assert.ok(Math.abs(d16.image.data[2]! - 32768 / 65535) < 1e-9);
  const grey = fromUint8([0, 128, 255, 7], 2, 2, 1);
  const dg = decodePng(encodePng(grey));
  assert.equal(dg.image.channels, 1);
  assert.deepEqual(Array.from(toUint8(toRGB(dg.image))), [0, 0, 0, 128, 128, 128, 255, 255, 255, 7, 7, 7]);
  const rgba = fromUint8([10, 20, 30, 255, 40, 50, 60, 128], 2, 1, 4);
  assert.deepEqual(Array.from(toUint8(toRGB(decodePng(encodePng(rgba)).image))), [10, 20, 30, 40, 50, 60]);
});

test('readImage: shared RGBA PNG drops alpha; JPEG decodes; sizes match the manifest', { skip: !existsSync(SHARED) }, async () => {
  const rgba = await readImageFile(`${SHARED}/FFHQ256/00003.png`);
  assert.equal(rgba.fileChannels, 4);
  const img = await readImage(`${SHARED}/FFHQ256/00003.png`);
  assert.equal(img.channels, 3); assert.equal(img.width, 256);
  const jpg = await readImage(`${SHARED}/BSDS400/train/100075.jpg`);
  assert.equal(jpg.channels, 3);
  assert.ok((jpg.width === 481 && jpg.height === 321) || (jpg.width === 321 && jpg.height === 481));
});

test('bad image files give one clear reason naming the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'irsde-img-'));
  const empty = join(dir, 'empty.png'); writeFileSync(empty, new Uint8Array(0));
  const text = join(dir, 'text.png'); writeFileSync(text, 'hello, not an image');
  const good = encodePng(fromUint8(Array.from({ length: 64 * 64 * 3 }, (_, i) => i % 251), 64, 64, 3));
  const trunc = join(dir, 'trunc.png'); writeFileSync(trunc, good.slice(0, good.length >> 1));
  const jpeg = encodeJpegSync(fromUint8(Array.from({ length: 32 * 32 * 3 }, (_, i) => i % 200), 32, 32, 3), { quality: 80 });
  const tj = join(dir, 'trunc.jpg'); writeFileSync(tj, jpeg.slice(0, jpeg.length - 40));
  // a valid PNG header announcing 100000 × 100000 pixels: refused from the header, before any allocation
  const huge = join(dir, 'huge.png');
  const ihdr = new Uint8Array(good.slice(0, 33));
  new DataView(ihdr.buffer).setUint32(16, 100000); new DataView(ihdr.buffer).setUint32(20, 100000);
  writeFileSync(huge, new Uint8Array([...ihdr, ...good.slice(33)]));
  const cases: Array<[string, RegExp]> = [
    [huge, /huge\.png: 100000×100000 is too large to decode \(more than 256 Mpixel\)/],
    [empty, /empty\.png: empty file \(0 bytes\)/],
    [text, /text\.png: not a PNG or JPEG/],
    [trunc, /trunc\.png: corrupt or truncated PNG( \(.*[^:]\))?$/],
    [tj, /trunc\.jpg: truncated JPEG/],
    [join(dir, 'missing.png'), /missing\.png: cannot read \(no such file\)/],
  ];
  for (const [file, re] of cases) {
    await assert.rejects(readImage(file), (e: unknown) => e instanceof IrsdeError && e.code === 'bad-image' && re.test(e.message) && !e.message.includes('\n'));
  }
});

test('writeImage writes PNG and JPEG by extension, atomically', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'irsde-img-'));
  const img = fromUint8(Array.from({ length: 16 * 8 * 3 }, (_, i) => (i * 13) % 256), 16, 8, 3);
  await writeImage(join(dir, 'a.png'), img);
  assert.deepEqual(Array.from(toUint8(await readImage(join(dir, 'a.png')))), Array.from(toUint8(img)));
  await writeImage(join(dir, 'sub', 'b.jpg'), img, { quality: 90 });
  const b = readFileSync(join(dir, 'sub', 'b.jpg'));
  assert.equal(b[0], 0xff); assert.equal(b[1], 0xd8);
  await assert.rejects(writeImage(join(dir, 'c.bmp'), img), /unknown output extension/);
});

test('quantizeInPlace and toUint8 on long images (the WebAssembly kernel) equal toByte value by value', () => {
  // every q in 0..255 (so every float32 rounding of q/255), ties either side, NaN, ±0, out of range; a length
  // that is not a multiple of four, for the kernel's last values one by one
  const xs: number[] = [NaN, -0, 0, -1, 2, Infinity, -Infinity, 1, 1e-30, -1e-30];
  for (let q = 0; q <= 255; q++) for (const d of [-0.5, -0.25, 0, 0.25, 0.5]) xs.push((q + d) / 255, Math.fround((q + d) / 255));
  for (let i = 0; xs.length < 9003; i++) xs.push(((i * 7919) % 10007) / 9000 - 0.05);
  const data = Float32Array.from(xs);
  const bytes = toUint8({ data, width: data.length, height: 1, channels: 1 });
  const q = quantizeInPlace({ data: data.slice(), width: data.length, height: 1, channels: 1 }).data;
  for (let i = 0; i < data.length; i++) {
    assert.equal(bytes[i], toByte(data[i]!), `toUint8(${data[i]})`);
    assert.ok(Object.is(q[i], Math.fround(toByte(data[i]!) / 255)), `quantize(${data[i]}) = ${q[i]}`);
  }
});

test('fromRGBA on long images (the WebAssembly kernel) gives b / 255 as float32 for every byte in every channel, alpha dropped', () => {
  // 2003 pixels: every byte value in R, G, B and A, shifted between channels; not a multiple of four pixels
  const n = 2003, rgba = new Uint8ClampedArray(4 * n);
  for (let i = 0; i < rgba.length; i++) rgba[i] = (i * 37 + (i >> 2)) & 255;
  const img = fromRGBA(rgba, n, 1);
  assert.equal(img.channels, 3); assert.equal(img.data.length, 3 * n);
  for (let p = 0; p < n; p++) for (let c = 0; c < 3; c++) {
    assert.ok(Object.is(img.data[3 * p + c], Math.fround(rgba[4 * p + c]! / 255)), `pixel ${p} channel ${c}`);
  }
  const small = fromRGBA(rgba.subarray(0, 8), 2, 1); // the table path
  assert.deepEqual([...small.data], [...img.data.subarray(0, 6)]);
});

test('recycled image buffers: handed out again only at their exact length, a few at most, never twice', async () => {
  const { takeImageBuffer, recycleImage } = await import('../../src/image/buffers.js');
  const n = 1 << 15;
  const a = new Float32Array(n), b = new Float32Array(n + 3);
  recycleImage({ data: a, width: n, height: 1, channels: 1 });
  recycleImage({ data: a, width: n, height: 1, channels: 1 }); // the same buffer twice is kept once
  recycleImage({ data: b, width: n + 3, height: 1, channels: 1 });
  assert.equal(takeImageBuffer(n), a);
  assert.notEqual(takeImageBuffer(n), a, 'handed out twice');
  assert.equal(takeImageBuffer(n + 3), b);
  // views into a larger buffer and small buffers are not kept
  const big = new Float32Array(2 * n);
  recycleImage({ data: big.subarray(0, n), width: n, height: 1, channels: 1 });
  assert.notEqual(takeImageBuffer(n).buffer, big.buffer);
  const small = new Float32Array(16);
  recycleImage({ data: small, width: 16, height: 1, channels: 1 });
  assert.notEqual(takeImageBuffer(16), small);
  // only the newest few stay
  const many = Array.from({ length: 6 }, () => new Float32Array(n + 7));
  for (const m of many) recycleImage({ data: m, width: n + 7, height: 1, channels: 1 });
  const back = [takeImageBuffer(n + 7), takeImageBuffer(n + 7), takeImageBuffer(n + 7), takeImageBuffer(n + 7), takeImageBuffer(n + 7)];
  assert.deepEqual(back.slice(0, 4), [many[5], many[4], many[3], many[2]]);
  assert.ok(!many.some((m) => m === back[4]));
});
