import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { decodePng } from '../../src/image/png.js';
import { toUint8 } from '../../src/image/convert.js';
import { encodeJpegSync, decodeJpeg, initJpeg } from '../../src/image/jpeg.js';
import { encodeJpegBaseline, jpegKernelAvailable, quantTables, quantizer } from '../../src/image/jpeg-encoder.js';

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

/**
 * For quantisation tables covering every divisor 1…255 (×8, as islow's output is scaled), `quotient(table, i, a)` —
 * the quantiser's reciprocal arithmetic for coefficient i — equals floor(a / divisor) for every dividend a < 2^17.
 */
function assertQuotients(what: string, quotient: (table: ReturnType<typeof quantizer>, i: number, a: number) => number): void {
  const quantval = new Int32Array(64);
  for (let base = 1; base <= 255; base += 64) {
    for (let i = 0; i < 64; i++) quantval[i] = Math.min(255, base + i);
    const table = quantizer(quantval);
    for (let i = 0; i < 64; i++) {
      const q = quantval[i]! << 3;
      for (let a = 0; a < 1 << 17; a++) {
        const got = quotient(table, i, a);
        if (got !== Math.floor(a / q)) assert.fail(`${what}: q=${q}, a=${a}: ${got} vs ${Math.floor(a / q)}`);
      }
    }
  }
}

test('quantisation by nudged reciprocals equals integer division for every divisor and every reachable value', () => {
  // |islow output| < 2^14 and the rounding offset is < 2^10, so every dividend is below 2^15; checked to 2^17.
  assertQuotients('recip', (t, i, a) => (a * t.recip[i]!) | 0);
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

test('float32 reciprocals of the WebAssembly quantiser equal integer division for every divisor and dividend below 2^17', () => {
  // the kernel computes trunc(f32(a) * recip32) in float32; a * recip32 is exact in float64 (17 + 24 bits), so
  // Math.fround gives the float32 product
  assertQuotients('recip32', (t, i, a) => Math.floor(Math.fround(a * t.recip32[i]!)));
});

test('the WebAssembly SIMD encoder and its TypeScript twin give the same bytes (sizes, qualities 1..100, 4:2:0, 4:4:4, grey)', () => {
  assert.ok(jpegKernelAvailable(), 'Node has WebAssembly SIMD: the kernel must run here');
  let seed = 12345;
  const rnd = (): number => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed / 2 ** 32; };
  const fixed: Array<[number, number]> = [[1, 1], [1, 9], [17, 1], [15, 33], [16, 16], [8, 8], [9, 7], [31, 17], [33, 64], [100, 3]];
  for (let t = 0; t < 330; t++) {
    const [w, h] = t < fixed.length ? fixed[t]! : [1 + Math.floor(rnd() ** 2 * 200), 1 + Math.floor(rnd() ** 2 * 200)];
    const mode = t % 3, ch = mode === 2 ? 1 : 3, subsampling = mode === 0 ? '420' as const : '444' as const;
    const quality = 1 + (t % 100);
    const px = new Uint8Array(w * h * ch);
    // noise, a noisy gradient, black/white (extreme coefficients, 0xFF bytes to stuff), a smooth wave
    const kind = Math.floor(t / 3) % 4;
    for (let i = 0; i < px.length; i++) {
      px[i] = kind === 0 ? Math.floor(rnd() * 256) : kind === 1 ? (i * 7 + Math.floor(rnd() * 20)) & 255
        : kind === 2 ? (rnd() < 0.5 ? 0 : 255) : 128 + Math.round(60 * Math.sin(i / 50));
    }
    const a = encodeJpegBaseline(px, w, h, ch, { quality, subsampling });
    const b = encodeJpegBaseline(px, w, h, ch, { quality, subsampling, simd: false });
    assert.ok(Buffer.from(a).equals(Buffer.from(b)), `${w}x${h} ${ch === 1 ? 'grey' : subsampling} q${quality} content ${kind}`);
  }
});

test('a scan larger than the kernel output area leaves in chunks with the same bytes', () => {
  const w = 640, h = 560;
  const px = new Uint8Array(w * h * 3);
  let s = 7;
  for (let i = 0; i < px.length; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; px[i] = s >>> 24; }
  const a = encodeJpegBaseline(px, w, h, 3, { quality: 100, subsampling: '444' });
  const b = encodeJpegBaseline(px, w, h, 3, { quality: 100, subsampling: '444', simd: false });
  assert.ok(a.length > 1 << 20, `scan of ${a.length} bytes exceeds the 1 MiB output area`);
  assert.ok(Buffer.from(a).equals(Buffer.from(b)));
});
