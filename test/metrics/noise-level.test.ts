/** Blind noise-level estimation (Chen et al. 2015) and its eigenvalue solver. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { canEstimateNoiseLevel, estimateNoiseLevel, calibratedNoiseLevel, NOISE_CALIBRATION, noiseVariance, symmetricEigenvalues } from '../../src/metrics/noise-level.js';
import { readImage } from '../../src/image/node-io.js';
import { Rng } from '../../src/runtime/rng.js';

const SHARED = '../shared/data';

/** Q·diag(λ)·Qᵀ for a product of Householder reflections Q: a dense symmetric matrix with a known spectrum. */
function withSpectrum(lambda: number[], seed: number): Float64Array {
  const n = lambda.length;
  let m = new Float64Array(n * n);
  lambda.forEach((l, i) => (m[i * n + i] = l));
  const rng = new Rng(seed);
  for (let r = 0; r < 4; r++) {
    const u = Float64Array.from({ length: n }, () => rng.normal());
    const norm = Math.hypot(...u);
    u.forEach((v, i) => (u[i] = v / norm));
    // H M H with H = I − 2uuᵀ
    const next = new Float64Array(n * n);
    const mu = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) mu[i] += m[i * n + k]! * u[k]!;
    const k = u.reduce((s, v, i) => s + v * mu[i]!, 0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) next[i * n + j] = m[i * n + j]! - 2 * u[i]! * mu[j]! - 2 * mu[i]! * u[j]! + 4 * k * u[i]! * u[j]!;
    m = next;
  }
  return m;
}

test('symmetricEigenvalues recovers a known spectrum (incl. repeated and tiny eigenvalues)', () => {
  for (const [n, seed] of [[1, 1], [2, 2], [7, 3], [60, 4]] as const) {
    const lambda = Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 0.5 : 1e-4 * i * i + 1e-6 * i));
    const got = symmetricEigenvalues(withSpectrum(lambda, seed), n);
    const want = [...lambda].sort((a, b) => a - b);
    const err = Math.max(0, ...want.map((v, i) => Math.abs(v - got[i]!)));
    assert.ok(err < 1e-12, `n = ${n}: max eigenvalue error ${err}`);
  }
});

test('noiseVariance: the mean of the noise-only tail of the spectrum', () => {
  const rng = new Rng(5);
  const noise = Array.from({ length: 100 }, () => 4 * (1 + 0.05 * rng.normal()));
  const signal = [50, 120, 400, 900, 3000, 9000];
  const tau = noiseVariance([...noise, ...signal].sort((a, b) => a - b));
  assert.ok(Math.abs(tau - 4) < 0.1, `σ² ≈ 4, got ${tau}`);
  assert.equal(noiseVariance([3, 3, 3]), 3, 'flat spectrum');
});

test('estimateNoiseLevel: a smooth synthetic image with known Gaussian noise, alpha ignored, tiny input', () => {
  const W = 160, H = 120, rng = new Rng(9);
  for (const sigma of [5, 20, 45]) {
    const data = new Float32Array(W * H * 4);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const base = [0.3 + 0.4 * (x / W), 0.5 + 0.2 * Math.sin(y / 15), 0.4 + 0.3 * (y / H) * (x / W)];
        for (let c = 0; c < 3; c++) data[(y * W + x) * 4 + c] = base[c]! + (sigma / 255) * rng.normal();
        data[(y * W + x) * 4 + 3] = rng.uniform(); // an alpha channel full of variation must not count
      }
    }
    const est = estimateNoiseLevel({ data, width: W, height: H, channels: 4 }) * 255;
    assert.ok(Math.abs(est - sigma) < 0.06 * sigma, `σ ${sigma}: estimated ${est.toFixed(2)}`);
  }
  assert.equal(estimateNoiseLevel({ data: new Uint8Array(5 * 5 * 3), width: 5, height: 5, channels: 3 }), 0, 'smaller than a patch');
  const bytes = Uint8Array.from({ length: 40 * 40 }, (_, i) => 100 + Math.round(10 * rng.normal()));
  const grey = estimateNoiseLevel({ data: bytes, width: 40, height: 40, channels: 1 }, { valueScale: 1 / 255 }) * 255;
  assert.ok(Math.abs(grey - 10) < 1.5, `uint8 grey σ 10: estimated ${grey.toFixed(2)}`);
});

test('estimateNoiseLevel on CBSD68 photos: clean ≈ 0, Gaussian σ 10/25 within 10%', { skip: !existsSync(SHARED) }, async () => {
  for (const name of ['101085', '163085', '253027']) {
    const img = await readImage(`${SHARED}/CBSD68/${name}.png`);
    const clean = estimateNoiseLevel(img) * 255;
    assert.ok(clean < 1.5, `${name} clean: estimated ${clean.toFixed(2)}`);
    for (const sigma of [10, 25]) {
      const rng = new Rng(`${name}/${sigma}`);
      const noisy = { ...img, data: img.data.map((v) => v + (sigma / 255) * rng.normal()) };
      const est = estimateNoiseLevel(noisy) * 255;
      assert.ok(Math.abs(est - sigma) < 0.1 * sigma, `${name} σ ${sigma}: estimated ${est.toFixed(2)}`);
    }
  }
});

test('calibratedNoiseLevel inverts NOISE_CALIBRATION: table points exact, monotone, 0 at the bottom, extended at the top', () => {
  for (const [est, sigma] of NOISE_CALIBRATION) assert.ok(Math.abs(calibratedNoiseLevel(est) - sigma) < 1e-9, `${est} → ${sigma}`);
  assert.equal(calibratedNoiseLevel(0), 0);
  assert.equal(calibratedNoiseLevel(0.2), 0);
  let prev = -1;
  for (let e = 0.5; e < 80; e += 0.25) {
    const s = calibratedNoiseLevel(e);
    assert.ok(s > prev, `monotone at ${e}`);
    assert.ok(s >= e - 0.5 && s <= e * 1.3, `a correction, not a different scale: ${e} → ${s}`);
    prev = s;
  }
  assert.ok(Math.abs(calibratedNoiseLevel(43.86) - 50) < 1e-9, 'the σ 50 response maps back to 50');
});

test('calibrated estimate on held-out CBSD68 photos with clipped noise: σ 25 and 50 within 7 %, closer than the raw estimate on average', { skip: !existsSync(SHARED) }, async () => {
  let rawErr = 0, calErr = 0, n = 0;
  for (const name of ['101085', '163085', '253027']) {
    const img = await readImage(`${SHARED}/CBSD68/${name}.png`);
    for (const sigma of [25, 50]) {
      const rng = new Rng(`clipped/${name}/${sigma}`);
      const noisy = { ...img, data: img.data.map((v) => Math.min(1, Math.max(0, v + (sigma / 255) * rng.normal()))) };
      const raw = estimateNoiseLevel(noisy) * 255;
      const cal = calibratedNoiseLevel(raw);
      assert.ok(Math.abs(cal - sigma) < 0.07 * sigma, `${name} σ ${sigma}: calibrated ${cal.toFixed(2)} (raw ${raw.toFixed(2)})`);
      rawErr += Math.abs(raw - sigma); calErr += Math.abs(cal - sigma); n++;
    }
  }
  assert.ok(calErr < rawErr, `mean |error| calibrated ${(calErr / n).toFixed(2)} vs raw ${(rawErr / n).toFixed(2)}`);
});

test('estimateNoiseLevel: a wrong image description is a clear error, not NaN', () => {
  const data = new Float32Array(16 * 16 * 3);
  const cases: Array<[unknown, RegExp]> = [
    [null, /needs \{ data, width, height, channels \}, got null/],
    [{ data, width: 16, height: 15, channels: 3 }, /data has 768 values, expected 16×15×3 = 720/],
    [{ data, width: NaN, height: 16, channels: 3 }, /width must be a positive integer, got NaN/],
    [{ data, width: '16', height: 16, channels: 3 }, /width must be a positive integer, got the string '16'/],
    [{ width: 16, height: 16, channels: 3 }, /data must be an array of pixel values/],
  ];
  for (const [img, re] of cases) assert.throws(() => estimateNoiseLevel(img as Parameters<typeof estimateNoiseLevel>[0]), re);
});

test('a grey image stored as RGB gets its grey estimate, not the collapsed joint one (~0)', () => {
  const W = 96, H = 80;
  const rng = new Rng(11);
  const grey = new Float32Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) grey[y * W + x] = 0.5 + 0.2 * Math.sin(x / 9) * Math.cos(y / 7) + (20 / 255) * rng.normal();
  const rgb = new Float32Array(W * H * 3);
  grey.forEach((v, i) => rgb.fill(v, 3 * i, 3 * i + 3));
  const g = estimateNoiseLevel({ data: grey, width: W, height: H, channels: 1 });
  assert.ok(Math.abs(g * 255 - 20) < 2, `grey estimate ${g * 255}`);
  assert.equal(estimateNoiseLevel({ data: rgb, width: W, height: H, channels: 3 }), g);
  // grey+alpha: the grey channel alone (an opaque alpha channel is no evidence of a noise-free image)
  const la = new Float32Array(W * H * 2);
  grey.forEach((v, i) => { la[2 * i] = v; la[2 * i + 1] = 1; });
  assert.equal(estimateNoiseLevel({ data: la, width: W, height: H, channels: 2 }), g);
  // one differing value makes it a colour image again (the joint estimate, here collapsed)
  rgb[1] = rgb[1]! + 1e-3;
  assert.ok(estimateNoiseLevel({ data: rgb, width: W, height: H, channels: 3 }) < g / 4);
});

test('canEstimateNoiseLevel: images too small for the patch covariance are said so (they estimate σ 0)', () => {
  assert.equal(canEstimateNoiseLevel({ width: 16, height: 16, channels: 3 }), false);
  assert.equal(canEstimateNoiseLevel({ width: 24, height: 24, channels: 3 }), true);
  assert.equal(canEstimateNoiseLevel({ width: 15, height: 15, channels: 1 }), false);
  assert.equal(canEstimateNoiseLevel({ width: 16, height: 16, channels: 1 }), true);
  assert.equal(canEstimateNoiseLevel({ width: 16, height: 16, channels: 2 }), true); // grey + alpha: one colour channel
  const rng = new Rng(3);
  const small = new Float32Array(16 * 16 * 3).map(() => 0.5 + (25 / 255) * rng.normal());
  assert.equal(estimateNoiseLevel({ data: small, width: 16, height: 16, channels: 3 }), 0);
});
