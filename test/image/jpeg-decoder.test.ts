/**
 * Our baseline JPEG decoder (src/image/jpeg-decoder.ts + wasm/jpeg-decode.wat) against @jsquash's MozJPEG build of
 * libjpeg-turbo, the path it replaces in jpegCompressSync: the float32 values must be identical.
 * JPEG_DECODER_CASES=N adds N random cases (sizes 1..300, qualities, samplings, contents).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePng } from '../../src/image/png.js';
import { existsSync, readFileSync } from 'node:fs';
import { fromRGBA } from '../../src/image/convert.js';
import { decodeJpegRGBASync, encodeJpegSync, initJpeg } from '../../src/image/jpeg.js';
import { encodeJpegBaseline } from '../../src/image/jpeg-encoder.js';
import { decodeOwnJpeg, jpegDecodeKernelAvailable } from '../../src/image/jpeg-decoder.js';
import { jpegCompressSync } from '../../src/degrade/jpeg.js';
import { setSimdKernels } from '../../src/common/wasm-simd.js';
import type { FloatImage } from '../../src/image/types.js';

await initJpeg({ encoder: true });

let seed = 20240611;
const rnd = (): number => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed / 2 ** 32; };

/** Pixels of one of five kinds: noise, smooth waves, hard black/white stripes, a noisy ramp, flat grey. */
function pixels(w: number, h: number, ch: number, kind: number): Uint8Array {
  const px = new Uint8Array(w * h * ch);
  const fx = 0.05 + rnd() * 0.5, fy = 0.05 + rnd() * 0.5, ph = rnd() * 6;
  for (let i = 0; i < px.length; i++) {
    const p = Math.floor(i / ch), x = p % w, y = Math.floor(p / w), c = i % ch;
    px[i] = kind === 0 ? Math.floor(rnd() * 256)
      : kind === 1 ? Math.round(127.5 + 127.5 * Math.sin(fx * x + fy * y + ph + 2 * c))
        : kind === 2 ? (((x >> 1) + (y >> 2) + c) % 2 ? 255 : 0)
          : kind === 3 ? (x * 5 + y * 3 + c * 40 + Math.floor(rnd() * 24)) & 255 : 77;
  }
  return px;
}

function reference(bytes: Uint8Array): FloatImage {
  const d = decodeJpegRGBASync(bytes);
  return fromRGBA(d.data, d.width, d.height);
}

function assertSame(bytes: Uint8Array, what: string): void {
  const want = reference(bytes);
  const got = decodeOwnJpeg(bytes);
  assert.ok(got, `${what}: declined`);
  assert.equal(got.width, want.width, what);
  assert.equal(got.height, want.height, what);
  assert.equal(got.channels, 3, what);
  const a = got.data, b = want.data;
  for (let i = 0; i < b.length; i++) {
    if (a[i] !== b[i]) {
      const p = Math.floor(i / 3);
      assert.fail(`${what}: pixel (${p % want.width}, ${Math.floor(p / want.width)}) channel ${i % 3}: ${a[i]! * 255} vs ${b[i]! * 255}`);
    }
  }
}

type Mode = '420' | '444' | 'grey';
const MODES: Mode[] = ['420', '444', 'grey'];
function encode(px: Uint8Array, w: number, h: number, mode: Mode, quality: number): Uint8Array {
  return encodeJpegBaseline(px, w, h, mode === 'grey' ? 1 : 3, { quality, subsampling: mode === 'grey' ? undefined : mode });
}
function randomCase(w: number, h: number, mode: Mode, quality: number, kind: number): void {
  const px = pixels(w, h, mode === 'grey' ? 1 : 3, kind);
  assertSame(encode(px, w, h, mode, quality), `${w}x${h} ${mode} q${quality} kind ${kind}`);
}

test('the decoder kernel runs in Node (WebAssembly SIMD)', () => {
  assert.ok(jpegDecodeKernelAvailable());
});

test('every width and every height 1..70: same values as libjpeg-turbo (4:2:0, 4:4:4, grey)', () => {
  let t = 0;
  for (let s = 1; s <= 70; s++) {
    for (const mode of MODES) {
      const other = 1 + Math.floor(rnd() * 70);
      randomCase(s, other, mode, 1 + ((t * 37) % 100), t % 5); t++;
      randomCase(other, s, mode, 1 + ((t * 37) % 100), t % 5); t++;
    }
  }
});

test('every size up to 34x34 in 4:2:0 (all the edge cases of the chroma upsampling): same values as libjpeg-turbo', () => {
  for (let w = 1; w <= 34; w++) for (let h = 1; h <= 34; h++) randomCase(w, h, '420', 1 + ((w * 31 + h * 7) % 100), (w + h) % 5);
});

test('every quality 1..100 on a 37x29 image: same values as libjpeg-turbo', () => {
  for (let q = 1; q <= 100; q++) for (const mode of MODES) randomCase(37, 29, mode, q, q % 4);
});

function photoCases(path: string, name: string): void {
  const photo = decodePng(readFileSync(path)).image;
  for (const q of [10, 60, 95]) {
    for (const subsampling of ['420', '444'] as const) {
      assertSame(encodeJpegSync(photo, { quality: q, subsampling }), `${name} q${q} ${subsampling}`);
    }
  }
}

test('larger images (256², 183x201, 512x384, the example photo): same values as libjpeg-turbo', () => {
  for (const [w, h] of [[256, 256], [183, 201], [512, 384]] as const) {
    for (const [mode, q, kind] of [['420', 75, 1], ['444', 95, 0], ['grey', 30, 3], ['420', 5, 0], ['420', 100, 2]] as const) {
      randomCase(w, h, mode, q, kind);
    }
  }
  photoCases('examples/example.png', 'example');
});

const BABY = '../shared/data/Set5/HR/baby.png';
test('a Set5 photo (512x512): same values as libjpeg-turbo', { skip: existsSync(BABY) ? false : `needs ${BABY}` }, () => {
  photoCases(BABY, 'baby');
});

test('jpegCompressSync gives what it gave through @jsquash alone', () => {
  const px = pixels(45, 37, 3, 1);
  const img: FloatImage = { data: Float32Array.from(px, (b) => b / 255), width: 45, height: 37, channels: 3 };
  for (const q of [3, 50, 97]) {
    const want = reference(encodeJpegSync(img, { quality: q }));
    assert.deepEqual(jpegCompressSync(img, q).data, want.data);
  }
  const grey: FloatImage = { data: img.data.filter((_, i) => i % 3 === 0), width: 45, height: 37, channels: 1 };
  const viaJsquash = (() => { setSimdKernels(false); try { return jpegCompressSync(grey, 40); } finally { setSimdKernels(true); } })();
  assert.deepEqual(jpegCompressSync(grey, 40).data, viaJsquash.data);
});

test('outside its scope the decoder declines (the caller uses @jsquash)', () => {
  const px = pixels(20, 12, 3, 1);
  const bytes = encode(px, 20, 12, '420', 80);
  const sos = bytes.findIndex((b, i) => b === 0xff && bytes[i + 1] === 0xda);
  const sof = bytes.findIndex((b, i) => b === 0xff && bytes[i + 1] === 0xc0);
  // a restart interval
  const dri = new Uint8Array([0xff, 0xdd, 0, 4, 0, 1]);
  assert.equal(decodeOwnJpeg(new Uint8Array([...bytes.subarray(0, sos), ...dri, ...bytes.subarray(sos)])), null);
  // progressive and extended frames
  for (const m of [0xc1, 0xc2]) { const b = bytes.slice(); b[sof + 1] = m; assert.equal(decodeOwnJpeg(b), null); }
  // 4:2:2 sampling
  const s422 = bytes.slice(); s422[sof + 11] = 0x21; assert.equal(decodeOwnJpeg(s422), null);
  // an Adobe APP14 marker (its transform flag decides the colour space)
  const adobe = new Uint8Array([0xff, 0xee, 0, 14, 0x41, 0x64, 0x6f, 0x62, 0x65, 0, 100, 0, 0, 0, 0, 0]);
  assert.equal(decodeOwnJpeg(new Uint8Array([...bytes.subarray(0, sof), ...adobe, ...bytes.subarray(sof)])), null);
  // not a JPEG, a truncated header
  assert.equal(decodeOwnJpeg(new Uint8Array([1, 2, 3, 4])), null);
  assert.equal(decodeOwnJpeg(bytes.subarray(0, sof + 5)), null);
  // without WebAssembly SIMD kernels
  setSimdKernels(false);
  try { assert.equal(decodeOwnJpeg(bytes), null); } finally { setSimdKernels(true); }
  // and it still decodes the original afterwards (its Huffman table cache is not confused)
  assertSame(bytes, 'after declining');
});

test('MozJPEG-encoded baseline files: declined or the same values', () => {
  const px = pixels(33, 21, 3, 1);
  const img: FloatImage = { data: Float32Array.from(px, (b) => b / 255), width: 33, height: 21, channels: 3 };
  for (const q of [20, 90]) {
    const bytes = encodeJpegSync(img, { quality: q, encoder: 'mozjpeg' });
    if (decodeOwnJpeg(bytes)) assertSame(bytes, `mozjpeg q${q}`);
  }
});

const extra = Number(process.env.JPEG_DECODER_CASES ?? 0);
test(`${extra} random cases (JPEG_DECODER_CASES)`, { skip: extra > 0 ? false : 'set JPEG_DECODER_CASES=N' }, () => {
  for (let t = 0; t < extra; t++) {
    const big = rnd() < 0.1;
    const w = 1 + Math.floor(rnd() * (big ? 300 : 70)), h = 1 + Math.floor(rnd() * (big ? 300 : 70));
    randomCase(w, h, MODES[Math.floor(rnd() * 3)]!, 1 + Math.floor(rnd() * 100), Math.floor(rnd() * 5));
  }
});
