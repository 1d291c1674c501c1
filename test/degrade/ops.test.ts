import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DegradeRng, PoissonTable } from '../../src/degrade/random.js';
import { gaussianNoise, poissonNoise, randomNoise } from '../../src/degrade/noise.js';
import { setNoiseWasm, poissonKernel } from '../../src/degrade/noise-kernel.js';
import { jpegCompress } from '../../src/degrade/jpeg.js';
import { hazePixel, addHaze, addRain, lowLight, lowLightCurve, addSnow } from '../../src/degrade/synthetic.js';
import { randomStrokeMask, randomBoxMask, applyMask, fitMask } from '../../src/degrade/masks.js';
import { wienerRinging, udcFilter, randomBlur, psfFilterFFT } from '../../src/degrade/blur.js';
import { setFFTSimd, fftKernelBytes } from '../../src/degrade/fft.js';
import { reflectSymmetric } from '../../src/image/pad.js';
import { gaussianKernel } from '../../src/degrade/kernels.js';
import { filter2D } from '../../src/degrade/filter.js';
import { parseOps, applyOps } from '../../src/degrade/ops.js';
import { decodePng } from '../../src/image/png.js';
import { toByte, toUint8 } from '../../src/image/convert.js';
import { rgbToLuma } from '../../src/image/color.js';
import { psnr } from '../../src/metrics/metrics.js';
import { IrsdeError } from '../../src/common/errors.js';
import type { FloatImage } from '../../src/image/types.js';

function testImage(w = 64, h = 48): FloatImage {
  const d = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const i = (y * w + x) * 3;
    d[i] = Math.round(255 * (0.5 + 0.4 * Math.sin(x / 6))) / 255;
    d[i + 1] = Math.round(255 * ((x * y) % 97) / 97) / 255;
    d[i + 2] = Math.round(255 * (y / h)) / 255;
  }
  return { data: d, width: w, height: h, channels: 3 };
}

test('Gaussian noise: measured sigma, grey shares one field, clipping, determinism', () => {
  const flat: FloatImage = { data: new Float32Array(128 * 128 * 3).fill(0.5), width: 128, height: 128, channels: 3 };
  const n = gaussianNoise(flat, 15, new DegradeRng(1));
  let s2 = 0;
  for (const v of n.data) s2 += (v - 0.5) * (v - 0.5);
  const sigma = Math.sqrt(s2 / n.data.length) * 255;
  assert.ok(Math.abs(sigma - 15) < 0.3, `measured sigma ${sigma}`);
  const g = gaussianNoise(flat, 15, new DegradeRng(1), { grey: true });
  for (let p = 0; p < 100; p++) { assert.equal(g.data[3 * p], g.data[3 * p + 1]); assert.equal(g.data[3 * p], g.data[3 * p + 2]); }
  const big = gaussianNoise(flat, 200, new DegradeRng(2));
  for (const v of big.data) assert.ok(v >= 0 && v <= 1);
  assert.deepEqual(gaussianNoise(flat, 15, new DegradeRng(1)).data, n.data);
  assert.throws(() => gaussianNoise(flat, -1, new DegradeRng(1)), /sigma/);
});

test('Poisson noise has mean ~0 and variance ~ base/V·scale²; random_noise quantises', () => {
  const img = testImage(96, 96);
  const out = poissonNoise(img, 1, new DegradeRng(3));
  let m = 0;
  for (let i = 0; i < img.data.length; i++) m += out.data[i]! - img.data[i]!;
  assert.ok(Math.abs(m / img.data.length) < 0.01);
  // variance b/V·scale²: a flat image has one distinct value (V = 1), so n = (Poisson(b) − b)·scale
  const flat = { data: new Float32Array(64 * 64 * 3).fill(128 / 255), width: 64, height: 64, channels: 3 };
  const pn = poissonNoise(flat, 0.1, new DegradeRng(8));
  let s1 = 0, s2 = 0;
  for (let i = 0; i < pn.data.length; i++) { const n = pn.data[i]! - flat.data[i]!; s1 += n; s2 += n * n; }
  const mean = s1 / pn.data.length, variance = s2 / pn.data.length - mean * mean, want = (128 / 255) * 0.01;
  assert.ok(Math.abs(variance / want - 1) < 0.1, `Poisson noise variance ${variance} vs b·scale² = ${want}`);
  const r = randomNoise(img, new DegradeRng(4));
  for (const v of r.image.data) assert.equal(Math.round(v * 255), v * 255 > 0 ? Math.round(v * 255) : 0);
  for (const v of r.image.data) assert.ok(Math.abs(v * 255 - Math.round(v * 255)) < 1e-4);
});

test('Poisson noise draws one Poisson(q(x)·V) per non-zero pixel, in pixel order (BasicSR definition, written out)', () => {
  const img = testImage(40, 30);
  for (let i = 0; i < 90; i += 4) img.data[i] = 0; // some zero-rate values: no draw for them
  for (const grey of [false, true]) {
    const base = grey ? rgbToLuma(img) : img;
    const bytes = Array.from(base.data, toByte);
    let V = 1;
    while (V < new Set(bytes).size) V *= 2;
    const rng = new DegradeRng(21), table = new PoissonTable();
    const noise = bytes.map((b) => Math.fround((table.sample(rng, (b / 255) * V) / V - b / 255) * 0.25)); // held as float32
    const out = poissonNoise(img, 0.25, new DegradeRng(21), { grey });
    for (let i = 0; i < img.data.length; i++) {
      const want = Math.min(1, Math.max(0, img.data[i]! + noise[grey ? Math.floor(i / 3) : i]!));
      assert.equal(out.data[i], Math.fround(want), `value ${i} (grey ${grey})`);
    }
  }
});

test('Gaussian and Poisson noise: the WebAssembly kernel and the TypeScript give the same bits and leave the same stream', () => {
  // sizes below and above the kernel's threshold, one to four channels, grey and colour, a pending spare normal,
  // unclipped output, zero pixels (no Poisson draw) and values outside [0, 1]
  const run = (wasm: boolean, w: number, h: number, C: number, grey: boolean, seed: number): Float32Array[] => {
    setNoiseWasm(wasm);
    try {
      const base = testImage(w, h), img = { data: new Float32Array(w * h * C), width: w, height: h, channels: C };
      for (let p = 0; p < w * h; p++) for (let c = 0; c < C; c++) img.data[p * C + c] = base.data[p * 3 + (c % 3)]! * 1.1 - 0.04;
      for (let i = 0; i < img.data.length; i += 13) img.data[i] = 0;
      const rng = new DegradeRng(seed);
      if (seed % 2) rng.normal(); // leaves a spare
      const outs = [gaussianNoise(img, 20, rng, { grey }).data, gaussianNoise(img, 60, rng, { grey, clip: false }).data,
        poissonNoise(img, 0.3, rng, { grey }).data, gaussianNoise(img, 5, rng, { grey }).data];
      outs.push(Float32Array.of(rng.normal(), rng.nextU32()));
      return outs;
    } finally {
      setNoiseWasm(true);
    }
  };
  let seed = 0;
  for (const [w, h] of [[7, 5], [33, 17], [64, 48], [131, 67]] as const) for (const C of [1, 2, 3, 4]) for (const grey of [false, true]) {
    seed++;
    const a = run(true, w, h, C, grey, seed), b = run(false, w, h, C, grey, seed);
    for (let k = 0; k < a.length; k++) {
      assert.equal(a[k]!.length, b[k]!.length);
      for (let i = 0; i < a[k]!.length; i++) if (!Object.is(a[k]![i], b[k]![i])) assert.fail(`${w}x${h}x${C} grey ${grey}, output ${k}, value ${i}: ${a[k]![i]} vs ${b[k]![i]}`);
    }
  }
});

test('JPEG op: a real round trip at the given quality', async () => {
  const input = decodePng(readFileSync('test/fixtures/jpeg/input.png')).image;
  const out = await jpegCompress(input, 50);
  const pil = decodePng(readFileSync('test/fixtures/jpeg/pil_q50_decoded.png')).image;
  const a = toUint8(out), b = toUint8(pil);
  let mx = 0;
  for (let i = 0; i < a.length; i++) mx = Math.max(mx, Math.abs(a[i]! - b[i]!));
  assert.ok(mx <= 1, `differs from libjpeg's q=50 result by ${mx}`);
  const img = testImage(128, 96);
  for (let i = 1; i < img.data.length; i += 3) img.data[i] = img.data[i - 1]!; // smooth content
  const p10 = psnr(await jpegCompress(img, 10), img), p90 = psnr(await jpegCompress(img, 90), img);
  assert.ok(p10 < p90 - 5, `q10 ${p10} dB vs q90 ${p90} dB`);
});

test('haze and low-light goldens (§10.2, §10.3)', () => {
  assert.ok(Math.abs(hazePixel(0.2, 0.9, 1.2, 0.5) - 0.5158319) < 5e-8);
  assert.ok(Math.abs(lowLightCurve(0.5, 0.95, 0.7, 2.5) - 0.1088509) < 5e-8);
  const img = testImage();
  const h = addHaze(img, new DegradeRng(5), { airlight: 0.9, beta: 1.2, depth: 'homogeneous', jitter: 0 });
  assert.ok(Math.abs(h.image.data[0]! - hazePixel(img.data[0]!, 0.9, 1.2, 1)) < 1e-6);
  const l = lowLight(img, new DegradeRng(6), { alpha: 0.95, beta: 0.7, gamma: 2.5, photons: null });
  const expect = Math.round(255 * lowLightCurve(img.data[0]!, 0.95, 0.7, 2.5)) / 255;
  assert.ok(Math.abs(l.image.data[0]! - expect) < 1e-6);
  const noisy = lowLight(img, new DegradeRng(6));
  assert.ok(noisy.params.alpha >= 0.9 && noisy.params.gamma >= 1.5 && noisy.params.gamma < 5 && noisy.params.photons! >= 30 && noisy.params.photons! < 1000);
});

test('rain, snow and haze are seeded and record their parameters', () => {
  const img = testImage();
  const a = addRain(img, new DegradeRng(8), { heavy: true }), b = addRain(img, new DegradeRng(8), { heavy: true });
  assert.deepEqual(a.image.data, b.image.data);
  assert.ok(a.params.layers.length >= 2 && a.params.layers.length <= 4);
  for (const l of a.params.layers) { assert.ok(l.density >= 0.002 && l.density < 0.02); assert.ok(l.length >= 10 && l.length < 40); assert.ok(l.angle >= 55 && l.angle <= 125); }
  let brighter = 0;
  for (let i = 0; i < img.data.length; i++) if (a.image.data[i]! > img.data[i]! + 1e-6) brighter++;
  assert.ok(brighter > 0, 'rain adds bright streaks');
  const c = addRain(img, new DegradeRng(9));
  assert.notDeepEqual(c.image.data, a.image.data);
  assert.equal(addHaze(img, new DegradeRng(1), { depth: 'ramp' }).params.depth, 'ramp');
  assert.ok(addSnow(img, new DegradeRng(1)).params.brightness >= 0.8);
});

test('inpainting masks: hole fraction in [0.1, 0.5], LQ = m*GT + (1-m)', () => {
  for (let s = 0; s < 5; s++) {
    const m = randomStrokeMask(128, 128, new DegradeRng(s), { brush: s % 2 ? 'thick' : 'thin' });
    assert.ok(m.params.holeFraction >= 0.1 && m.params.holeFraction <= 0.5, `hole fraction ${m.params.holeFraction}`);
  }
  const img = testImage();
  const box = randomBoxMask(img.width, img.height, new DegradeRng(2));
  const lq = applyMask(img, box.mask);
  for (let p = 0; p < img.width * img.height; p++) {
    if (box.mask.data[p] === 0) assert.equal(lq.data[3 * p], 1);
    else assert.equal(lq.data[3 * p], img.data[3 * p]);
  }
  assert.equal(fitMask(box.mask, 32, 24).width, 32);
});

test('Wiener ringing sharpens back towards the original; UDC without a bank is a no-op that still draws', () => {
  const img = testImage(48, 40);
  for (let i = 1; i < img.data.length; i += 3) img.data[i] = img.data[i - 1]!;
  const k = gaussianKernel(7, 1.2);
  const r = randomBlur(img, new DegradeRng(1), { maxRadius: 5, sincProb: 0, deblurProb: 0, blurRange: [1, 1.2] });
  assert.ok(r.words.includes('blur'));
  const blurred = filter2D(img, k);
  const w = wienerRinging(blurred, k);
  assert.equal(w.width, 48);
  assert.ok(psnr(w, img) > psnr(blurred, img) + 1, `wiener ${psnr(w, img)} dB vs blurred ${psnr(blurred, img)} dB`);
  const rng = new DegradeRng(3), rng2 = new DegradeRng(3);
  const u = udcFilter(img, rng);
  assert.equal(u.image, img);
  assert.equal(u.step.applied, false);
  rng2.random(); rng2.random();
  assert.equal(rng.nextU32(), rng2.nextU32());
});

test('op chains: parse errors name the op and the reason', () => {
  const bad: Array<[string, RegExp]> = [
    ['blur:wobble', /--ops "blur:wobble": unknown blur type "wobble"/],
    ['noise:-3', /sigma must be a number|sigma must be in/],
    ['noise:300', /sigma must be in \[0, 255\], got 300/],
    ['jpeg:0', /quality must be in \[1, 100\], got 0/],
    ['jpeg', /needs a quality/],
    ['resize:0', /scale must be in \(0, 16\]/],
    ['resize:0.5:lanczos', /unknown interpolation "lanczos"/],
    ['blur:iso:k=4', /k must be an odd integer/],
    ['sharpen:2', /unknown operator "sharpen"/],
    ['blur:iso:size=3', /unknown parameter "size"/],
    ['', /--ops is empty/],
  ];
  for (const [spec, re] of bad) {
    assert.throws(() => parseOps(spec), (e: unknown) => e instanceof IrsdeError && e.code === (spec === '' ? 'bad-op' : 'bad-op') && re.test(e.message), spec);
  }
  const ops = parseOps('blur:aniso, resize:0.5, noise:15, jpeg:40');
  assert.deepEqual(ops.map((o) => o.kind), ['blur', 'resize', 'noise', 'jpeg']);
});

test('op chains apply in order, record every parameter, and are reproducible', async () => {
  const img = testImage(64, 48);
  const ops = parseOps('blur:iso:sigma=1.5,resize:0.5,noise:5-10:grey,jpeg:30-40,grey');
  const a = await applyOps(img, ops, new DegradeRng(11));
  const b = await applyOps(img, ops, new DegradeRng(11));
  const c = await applyOps(img, ops, new DegradeRng(12));
  assert.deepEqual(a.image.data, b.image.data);
  assert.notDeepEqual(a.image.data, c.image.data);
  assert.equal(a.image.width, 32); assert.equal(a.image.height, 24);
  assert.deepEqual(a.steps.map((s) => s.op), ['blur', 'resize', 'gaussian_noise', 'jpeg', 'greyscale']);
  const blur = a.steps[0] as unknown as { kernel: { type: string; sigmaX: number; size: number } };
  assert.equal(blur.kernel.type, 'iso'); assert.equal(blur.kernel.sigmaX, 1.5); assert.equal(blur.kernel.size, 11);
  const noise = a.steps[2] as unknown as { sigma255: number; grey: boolean };
  assert.ok(noise.sigma255 >= 5 && noise.sigma255 < 10 && noise.grey);
  const jpeg = a.steps[3] as unknown as { quality: number };
  assert.ok(Number.isInteger(jpeg.quality) && jpeg.quality >= 30 && jpeg.quality <= 40);
  const px = a.image.data;
  for (let p = 0; p < 10; p++) assert.equal(px[3 * p], px[3 * p + 1]);
  const m = await applyOps(img, parseOps('mask:thick,rain,haze,lowlight:photons=none,snow,blur:sinc,blur:line:angle=45,blur:motion,blur:random,resize:80x60:area'), new DegradeRng(1));
  assert.equal(m.image.width, 80);
  assert.equal(m.steps.length, 10);
});

/**
 * Reference Wiener/PSF filter in plain float64 by naive 2-D DFTs: pad symmetric, F, times G(H), F⁻¹, real part,
 * crop. G = conj(H)/(|H|² + eps) for the Wiener filter, H itself for the PSF filter.
 */
function naiveSpectralFilter(img: FloatImage, k: { size: number; data: Float64Array }, p: number, wiener: boolean): Float64Array {
  const { width: W, height: H, channels: C } = img;
  const PW = W + 2 * p, PH = H + 2 * p, r = (k.size - 1) >> 1;
  const dft2 = (re: Float64Array, im: Float64Array, sgn: number): [Float64Array, Float64Array] => {
    const tr = new Float64Array(PH * PW), ti = new Float64Array(PH * PW), or = new Float64Array(PH * PW), oi = new Float64Array(PH * PW);
    for (let y = 0; y < PH; y++) for (let v = 0; v < PW; v++) { // along x
      let a = 0, b = 0;
      for (let x = 0; x < PW; x++) { const t = (sgn * 2 * Math.PI * ((v * x) % PW)) / PW; a += re[y * PW + x]! * Math.cos(t) - im[y * PW + x]! * Math.sin(t); b += re[y * PW + x]! * Math.sin(t) + im[y * PW + x]! * Math.cos(t); }
      tr[y * PW + v] = a; ti[y * PW + v] = b;
    }
    for (let u = 0; u < PH; u++) for (let v = 0; v < PW; v++) { // along y
      let a = 0, b = 0;
      for (let y = 0; y < PH; y++) { const t = (sgn * 2 * Math.PI * ((u * y) % PH)) / PH; a += tr[y * PW + v]! * Math.cos(t) - ti[y * PW + v]! * Math.sin(t); b += tr[y * PW + v]! * Math.sin(t) + ti[y * PW + v]! * Math.cos(t); }
      or[u * PW + v] = a; oi[u * PW + v] = b;
    }
    return [or, oi];
  };
  const kr = new Float64Array(PH * PW);
  for (let i = 0; i < k.size; i++) for (let j = 0; j < k.size; j++) kr[(((i - r) % PH + PH) % PH) * PW + (((j - r) % PW + PW) % PW)] += k.data[i * k.size + j]!;
  const [hr, hi] = dft2(kr, new Float64Array(PH * PW), -1);
  const out = new Float64Array(W * H * C);
  for (let c = 0; c < C; c++) {
    const pr = new Float64Array(PH * PW);
    for (let y = 0; y < PH; y++) for (let x = 0; x < PW; x++) pr[y * PW + x] = img.data[(reflectSymmetric(y - p, H) * W + reflectSymmetric(x - p, W)) * C + c]!;
    const [fr, fi] = dft2(pr, new Float64Array(PH * PW), -1);
    for (let i = 0; i < PH * PW; i++) {
      const a = hr[i]!, b = hi[i]!, den = wiener ? a * a + b * b + 0.006 : 1, gr = a / den, gi = (wiener ? -b : b) / den;
      const x = fr[i]!, y = fi[i]!;
      fr[i] = x * gr - y * gi; fi[i] = x * gi + y * gr;
    }
    const [or] = dft2(fr, fi, 1);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) out[(y * W + x) * C + c] = or[(y + p) * PW + x + p]! / (PH * PW);
  }
  return out;
}

test('Wiener ringing and the PSF filter (real-input FFTs over the padded frame) match a naive-DFT reference, odd and even frames, 1 to 4 channels, SIMD or not', () => {
  try {
    for (const [w, h, c] of [[6, 5, 3], [7, 4, 1], [5, 6, 4], [4, 4, 2]] as const) {
      const img: FloatImage = { data: Float32Array.from({ length: w * h * c }, (_, i) => (Math.sin(i * 0.37) + 1) / 2), width: w, height: h, channels: c };
      const k = gaussianKernel(5, 1.1);
      k.data[3] = k.data[3]! + 0.01; // not centrally symmetric: H is complex
      for (const [wiener, p] of [[true, 20], [false, 20], [true, 3]] as const) {
        const ref = naiveSpectralFilter(img, k, p, wiener);
        const outs = [true, false].map((simd) => { setFFTSimd(simd); return wiener ? wienerRinging(img, k, { pad: p }) : psfFilterFFT(img, k); });
        assert.deepEqual(outs[0]!.data, outs[1]!.data, 'SIMD and TypeScript paths differ');
        let worst = 0;
        for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(outs[0]!.data[i]! - ref[i]!));
        assert.ok(worst < 2e-6, `${w}x${h}x${c} ${wiener ? 'wiener' : 'psf'} pad ${p}: ${worst}`);
      }
    }
  } finally { setFFTSimd(true); }
});

test('a large Wiener frame goes through the FFT kernel in column strips: its memory stays bounded, the bits stay those of the TypeScript', () => {
  // 1000×760 RGB: the y pass is an 800-point transform of 3·520 columns, 60 MB of scratch in one piece. WebAssembly
  // memory never shrinks, so that would stay allocated for the life of the process (and pass 4 GiB for 8K frames).
  const W = 1000, H = 760;
  const img: FloatImage = { data: Float32Array.from({ length: W * H * 3 }, (_, i) => ((i * 2654435761) >>> 24) / 255), width: W, height: H, channels: 3 };
  const k = gaussianKernel(7, 1.3);
  try {
    setFFTSimd(true);
    const simd = wienerRinging(img, k);
    const bytes = fftKernelBytes();
    assert.ok(bytes <= 24 * 2 ** 20, `the FFT kernel's memory grew to ${(bytes / 2 ** 20).toFixed(1)} MiB`);
    setFFTSimd(false);
    assert.deepEqual(simd.data, wienerRinging(img, k).data, 'SIMD strips and TypeScript differ');
  } finally { setFFTSimd(true); }
});

test('Poisson noise on a large image goes through the kernel in chunks: its memory stays bounded, the bits stay those of the TypeScript', () => {
  // 1200×900 RGB, colour and grey: the whole image in the kernel's memory took 36 MB, kept for the life of the
  // process (WebAssembly memory never shrinks).
  const W = 1200, H = 900;
  const img: FloatImage = { data: Float32Array.from({ length: W * H * 3 }, (_, i) => ((i * 2654435761) >>> 25) / 127), width: W, height: H, channels: 3 };
  try {
    for (const grey of [false, true]) {
      setNoiseWasm(true);
      const rng = new DegradeRng(`big-${grey}`);
      rng.normal(); // a pending spare normal must pass through untouched
      const a = poissonNoise(img, 0.2, rng, { grey });
      const bytes = poissonKernel()!.memory.buffer.byteLength;
      assert.ok(bytes <= 24 * 2 ** 20, `the Poisson kernel's memory grew to ${(bytes / 2 ** 20).toFixed(1)} MiB`);
      const after = [rng.normal(), rng.random()];
      setNoiseWasm(false);
      const rng2 = new DegradeRng(`big-${grey}`);
      rng2.normal();
      assert.deepEqual(a.data, poissonNoise(img, 0.2, rng2, { grey }).data, `grey=${grey}: kernel and TypeScript differ`);
      assert.deepEqual(after, [rng2.normal(), rng2.random()], `grey=${grey}: the generator continues differently`);
    }
  } finally { setNoiseWasm(true); }
});

test('the real-input filter with every step in the FFT module gives the TypeScript twin\'s bits (odd, prime, tiny frames, 1–4 channels, strips)', () => {
  // frames n = size + 2·pad on each path of the transforms (5-smooth, generic radix, Rader with s = 1 and s > 1,
  // Bluestein), odd and even row counts and column pairs, and 1×1 images; 391 + 40 = 431 runs the module's
  // transforms in column strips
  const sizes: Array<[number, number, number]> = [[1, 1, 0], [1, 1, 20], [2, 1, 3], [1, 3, 2], [5, 4, 1], [7, 7, 0], [37, 23, 20], [16, 9, 20], [33, 46, 20], [256, 256, 20], [291, 37, 20], [358, 13, 20], [391, 6, 20], [37, 391, 20], [197, 53, 20]];
  let seed = 12345;
  const rnd = (): number => { seed = (seed * 1103515245 + 12345) >>> 0; return seed / 2 ** 32; };
  try {
    for (const [w, h, p] of sizes) for (const c of [1, 2, 3, 4]) {
      const img: FloatImage = { data: Float32Array.from({ length: w * h * c }, rnd), width: w, height: h, channels: c };
      for (const k of [1, 3, 7]) {
        if (k > w + 2 * p || k > h + 2 * p) continue;
        const kern = gaussianKernel(k, 0.3 + k / 5);
        for (const psf of p === 20 ? [false, true] : [false]) {
          const run = (): Float32Array => (psf ? psfFilterFFT(img, kern) : wienerRinging(img, kern, { pad: p })).data;
          setFFTSimd(true);
          const a = run();
          setFFTSimd(false);
          assert.deepEqual(a, run(), `${w}x${h}x${c} pad ${p} k ${k} ${psf ? 'psf' : 'wiener'}`);
        }
      }
    }
    // the largest frame of the wild pipeline (520 + 40) stays within the module's 32 MiB
    const W = 520;
    const big: FloatImage = { data: Float32Array.from({ length: W * W * 3 }, rnd), width: W, height: W, channels: 3 };
    setFFTSimd(true);
    const a = wienerRinging(big, gaussianKernel(7, 1.3));
    assert.ok(fftKernelBytes() <= 33 * 2 ** 20, `the FFT kernel's memory grew to ${(fftKernelBytes() / 2 ** 20).toFixed(1)} MiB`);
    setFFTSimd(false);
    assert.deepEqual(a.data, wienerRinging(big, gaussianKernel(7, 1.3)).data, '560² frame');
  } finally { setFFTSimd(true); }
});

test('Poisson noise in the kernel: draws that end at and around the edges of its generator blocks give the TypeScript\'s bits and state', () => {
  // Every pixel with q(x) > 0 takes two outputs and the kernel draws them 4096 at a time in four lanes of 1024: an
  // image of n nonzero pixels ends its draws at output 2n, so these n end exactly at a lane's or a block's end
  // (512, 2048, 4096), just before or after, and the state after must be the TypeScript's (the next draws).
  const run = (wasm: boolean, n: number, C: number, grey: boolean): number[] => {
    setNoiseWasm(wasm);
    try {
      const W = 64, H = Math.ceil((n + 7) / W) + 1;
      const img: FloatImage = { data: new Float32Array(W * H * C), width: W, height: H, channels: C };
      for (let p = 0; p < n; p++) for (let c = 0; c < C; c++) img.data[(p + 7) * C + c] = ((p * 37 + c * 11) % 250 + 3) / 255;
      const rng = new DegradeRng(n * 10 + C);
      if (n % 2) rng.normal(); // a spare passes through
      const out = poissonNoise(img, 0.25, rng, { grey });
      return [...out.data, rng.normal(), rng.nextU32(), rng.random()];
    } finally { setNoiseWasm(true); }
  };
  for (const n of [511, 512, 513, 2047, 2048, 2049, 4095, 4096, 4097, 6144]) {
    for (const [C, grey] of [[1, false], [3, true]] as const) {
      const a = run(true, n, C, grey), b = run(false, n, C, grey);
      assert.equal(a.length, b.length);
      for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) assert.fail(`n ${n}, C ${C}: value ${i} of ${a.length}: ${a[i]} vs ${b[i]}`);
    }
  }
});

test('randomNoise with the kernels gives the TypeScript\'s bits, steps and state', () => {
  // Every branch: no noise, Gaussian alone, Poisson alone and after a Gaussian, grey on one to four channels (two:
  // Poisson in TypeScript), sizes below the kernels' thresholds, a pending spare, and a large image (the kernels'
  // chunks: 600×600×3 is more than one chunk of Gaussian draws and of Poisson pixels).
  const run = (wasm: boolean, img: FloatImage, seed: number): number[] => {
    setNoiseWasm(wasm);
    try {
      const rng = new DegradeRng(seed);
      if (seed % 3 === 1) rng.normal();
      const r = randomNoise(img, rng);
      return [...r.image.data, ...r.steps.map((s) => (s.sigma255 ?? 0) + (s.scale ?? 0) + (s.grey ? 1000 : 0)), rng.normal(), rng.nextU32()];
    } finally { setNoiseWasm(true); }
  };
  let runs = 0;
  for (const [w, h] of [[3, 2], [16, 8], [64, 48], [97, 61]] as const) for (const C of [1, 2, 3, 4]) {
    const base = testImage(w, h), img: FloatImage = { data: new Float32Array(w * h * C), width: w, height: h, channels: C };
    for (let p = 0; p < w * h; p++) for (let c = 0; c < C; c++) img.data[p * C + c] = base.data[p * 3 + (c % 3)]! * 1.1 - 0.04;
    for (let seed = 0; seed < 24; seed++) {
      const a = run(true, img, seed * 7 + C), b = run(false, img, seed * 7 + C);
      assert.equal(a.length, b.length);
      for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) assert.fail(`${w}x${h}x${C} seed ${seed}: value ${i} of ${a.length}: ${a[i]} vs ${b[i]}`);
      runs++;
    }
  }
  const big: FloatImage = { data: Float32Array.from({ length: 600 * 600 * 3 }, (_, i) => ((i * 2654435761) >>> 24) / 255), width: 600, height: 600, channels: 3 };
  for (const seed of [0, 5]) assert.deepEqual(run(true, big, seed), run(false, big, seed), `600x600x3 seed ${seed}`);
  assert.equal(runs, 384);
});
