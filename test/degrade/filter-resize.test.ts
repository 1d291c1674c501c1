import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { filter2D, filterDirect, trimNegligible } from '../../src/degrade/filter.js';
import { fft2d, dftAxis0, fftAxis0, setFFTSimd } from '../../src/degrade/fft.js';
import { gaussianKernel, sincKernel, lineKernel, defocusKernel, type Kernel } from '../../src/degrade/kernels.js';
import { resize, matlabImresize, type Interpolation } from '../../src/degrade/resize.js';
import { readImage } from '../../src/image/node-io.js';
import { modcrop } from '../../src/image/pad.js';
import { toUint8 } from '../../src/image/convert.js';
import { DegradeRng } from '../../src/degrade/random.js';
import { setSimdKernels } from '../../src/common/wasm-simd.js';
import type { FloatImage } from '../../src/image/types.js';

const SHARED = '../shared/data';
const ref = JSON.parse(readFileSync('test/fixtures/degrade/cv2_reference.json', 'utf8')) as {
  src: { width: number; height: number; data: number[] };
  resize: Array<{ width: number; height: number; interp: Interpolation; out: number[] }>;
  filter: { kernel: number[]; size: number; out: number[] };
};
const src: FloatImage = { data: Float32Array.from(ref.src.data), width: ref.src.width, height: ref.src.height, channels: 3 };

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

test('filter2D matches cv2.filter2D (BORDER_REFLECT_101), direct and FFT paths', () => {
  const kern: Kernel = { size: ref.filter.size, data: Float64Array.from(ref.filter.kernel) };
  assert.ok(maxDiff(filter2D(src, kern, 'direct').data, ref.filter.out) < 1e-6);
  assert.ok(maxDiff(filter2D(src, kern, 'fft').data, ref.filter.out) < 1e-6);
});

test('direct and FFT filtering agree on large images and kernels (incl. kernels wider than the image)', () => {
  const r = new DegradeRng(1);
  const img: FloatImage = { data: new Float32Array(67 * 45 * 3).map(() => r.random()), width: 67, height: 45, channels: 3 };
  for (const k of [gaussianKernel(9, 2, 0.7, 0.4), sincKernel(13, 1.2), lineKernel(11, 4)]) {
    assert.ok(maxDiff(filter2D(img, k, 'direct').data, filter2D(img, k, 'fft').data) < 1e-6);
  }
  const tiny: FloatImage = { data: new Float32Array(5 * 4 * 1).map(() => r.random()), width: 5, height: 4, channels: 1 };
  const wide = gaussianKernel(15, 3);
  assert.ok(maxDiff(filter2D(tiny, wide, 'direct').data, filter2D(tiny, wide, 'fft').data) < 1e-6);
  // a constant image stays constant (kernels sum to 1, reflect borders)
  const flat: FloatImage = { data: new Float32Array(30 * 20 * 3).fill(0.25), width: 30, height: 20, channels: 3 };
  for (const v of filter2D(flat, gaussianKernel(21, 4)).data) assert.ok(Math.abs(v - 0.25) < 1e-6);
});

test('direct filtering: SIMD kernel and TypeScript loop give the same bits, within 5e-7 of exact float64 sums', () => {
  const r = new DegradeRng(3);
  const reflect = (i: number, n: number): number => { while (i < 0 || i >= n) i = i < 0 ? -i : 2 * n - 2 - i; return i; };
  // widths: a multiple of the 24-pixel block, ragged (an overlapping last block), narrower than one block
  for (const [w, h] of [[48, 20], [53, 17], [11, 9], [23, 25]] as const) {
    const img: FloatImage = { data: new Float32Array(w * h * 3).map(() => r.random()), width: w, height: h, channels: 3 };
    // rows mirrored, columns not: the row-pair planes of a vertically symmetric kernel with an asymmetric row
    const mirrored = { size: 5, data: Float64Array.from({ length: 25 }, (_, q) => { const i = Math.floor(q / 5), j = q % 5; return (1 + Math.min(i, 4 - i)) * (j + 1) / 135; }) };
    for (const k of [gaussianKernel(21, 4), sincKernel(11, 1.3), lineKernel(9, 3), defocusKernel(7), gaussianKernel(3, 0.8), mirrored]) {
      if (k.size > Math.min(w, h)) continue;
      const simd = filterDirect(img, k), portable = filterDirect(img, k, { simd: false });
      // the row-pair planes change only the rounding: both within the bound of the exact sums (below)
      const plain = filterDirect(img, k, { rowPairs: false });
      for (let i = 0; i < simd.data.length; i++) assert.equal(simd.data[i], portable.data[i], `${w}×${h}, ${k.size}×${k.size} kernel: value ${i} differs`);
      const n = k.size, rad = (n - 1) >> 1;
      let worst = 0, worstPlain = 0;
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s += k.data[i * n + j]! * img.data[(reflect(y + i - rad, h) * w + reflect(x + j - rad, w)) * 3 + c]!;
        worst = Math.max(worst, Math.abs(simd.data[(y * w + x) * 3 + c]! - s));
        worstPlain = Math.max(worstPlain, Math.abs(plain.data[(y * w + x) * 3 + c]! - s));
      }
      assert.ok(worst < 5e-7, `${w}×${h}, ${k.size}×${k.size} kernel: ${worst} from the float64 sums`);
      assert.ok(worstPlain < 5e-7, `${w}×${h}, ${k.size}×${k.size} kernel, no row pairs: ${worstPlain} from the float64 sums`);
    }
  }
});

test('negligible taps: outer rings and then the smallest taps inside go, together < 1e-12 of the kernel; mirrored taps go together', () => {
  const abs = (k: Kernel): number => k.data.reduce((a, v) => a + Math.abs(v), 0);
  // thin and rotated: negligible two pixels off its axis, but reaching the corners along it (no ring goes)
  const thin = gaussianKernel(15, 2.2, 0.3, Math.PI / 4);
  const t = trimNegligible(thin);
  assert.equal(t.size, 15);
  const kept = t.data.filter((v) => v !== 0).length;
  assert.ok(kept < 0.5 * 225, `${kept} of 225 taps kept`);
  let dropped = 0;
  for (let q = 0; q < 225; q++) {
    if (t.data[q] === 0) dropped += Math.abs(thin.data[q]!); else assert.equal(t.data[q], thin.data[q]);
    // a Gaussian is point-symmetric: a tap and its mirror image are kept or dropped together
    assert.equal(t.data[q] === 0, t.data[224 - q] === 0);
  }
  assert.ok(dropped > 0 && dropped <= 1e-12 * abs(thin));
  // small σ: whole rings go first (a smaller kernel), then the corners of what is left
  const small = gaussianKernel(19, 0.5);
  const ts = trimNegligible(small);
  assert.ok(ts.size < 19 && ts.data.some((v) => v === 0) && ts.data[(ts.size * ts.size - 1) >> 1] === small.data[180]);
  // nothing negligible: the kernel itself
  const box = { size: 5, data: new Float64Array(25).fill(1 / 25) };
  assert.equal(trimNegligible(box), box);
  // filtering with the trimmed kernel stays within float32 rounding of the exact sums with the whole kernel
  const r = new DegradeRng(5);
  const img: FloatImage = { data: new Float32Array(40 * 33 * 3).map(() => r.random()), width: 40, height: 33, channels: 3 };
  const reflect = (i: number, n: number): number => { while (i < 0 || i >= n) i = i < 0 ? -i : 2 * n - 2 - i; return i; };
  const out = filter2D(img, thin).data;
  let worst = 0;
  for (let y = 0; y < 33; y++) for (let x = 0; x < 40; x++) for (let c = 0; c < 3; c++) {
    let s = 0;
    for (let i = 0; i < 15; i++) for (let j = 0; j < 15; j++) s += thin.data[i * 15 + j]! * img.data[(reflect(y + i - 7, 33) * 40 + reflect(x + j - 7, 40)) * 3 + c]!;
    worst = Math.max(worst, Math.abs(out[(y * 40 + x) * 3 + c]! - s));
  }
  assert.ok(worst < 5e-7, `${worst} from the float64 sums`);
});

test('resize: the float32 SIMD kernels and their TypeScript twin give the same bits (1, 3 and 4 channels, odd sizes, all interpolations, up and down)', () => {
  const r = new DegradeRng(11);
  for (const ch of [1, 3, 4]) {
    for (const [W, H] of [[37, 23], [64, 50]] as const) {
      // values of both signs and a few exact zeros (bicubic's negative outer weights give −0 products)
      const img: FloatImage = { data: new Float32Array(W * H * ch).map(() => (r.random() < 0.05 ? 0 : 1.5 * r.random() - 0.25)), width: W, height: H, channels: ch };
      for (const interp of ['nearest', 'bilinear', 'bicubic', 'area'] as const) {
        // down, up (a row of ≥ 16 values and ragged tails of 4 and 1), mixed, tiny, 1×1, 3× up
        for (const [w, h] of [[19, 11], [53, 41], [37, 9], [8, 23], [W - 1, H + 3], [5, 3], [1, 1], [3 * W + 1, 2 * H + 1], [Math.floor(W / 1.37), Math.floor(H / 1.37)]] as const) {
          const simd = resize(img, w, h, interp), portable = resize(img, w, h, interp, { simd: false });
          assert.equal(simd.width, w); assert.equal(simd.height, h);
          for (let i = 0; i < simd.data.length; i++) {
            assert.ok(Object.is(simd.data[i], portable.data[i]), `${ch} ch ${W}×${H}, ${interp} → ${w}×${h}: value ${i} ${simd.data[i]} vs ${portable.data[i]}`);
          }
        }
      }
    }
  }
});

test('OpenCV-semantics resize matches cv2.resize (nearest, bilinear, bicubic, area)', () => {
  for (const c of ref.resize) {
    const out = resize(src, c.width, c.height, c.interp);
    const d = maxDiff(out.data, c.out);
    assert.ok(d < 2e-5, `${c.interp} ${c.width}x${c.height}: max diff ${d}`);
  }
  assert.throws(() => resize(src, 0, 3), /positive/);
});

test('MATLAB imresize bicubic reproduces Set5 LR_bicubic', { skip: !existsSync(SHARED) }, async () => {
  // x3: MATLAB on uint8 (rounding between the two passes) is byte-exact; x8 matches the double path exactly;
  // x2/x4 leave a few exact-tie pixels one level apart (MATLAB's summation order).
  const expect: Array<[number, boolean, number]> = [[3, true, 0], [8, false, 0], [4, true, 0.001], [2, true, 0.006]];
  for (const name of ['baby', 'butterfly', 'woman']) {
    const hr = await readImage(`${SHARED}/Set5/HR/${name}.png`);
    for (const [s, uint8, frac] of expect) {
      const lr = await readImage(`${SHARED}/Set5/LR_bicubic/X${s}/${name}x${s}.png`);
      const ours = matlabImresize(modcrop(hr, s), 1 / s, { uint8 });
      assert.equal(ours.width, lr.width); assert.equal(ours.height, lr.height);
      const a = toUint8(ours), b = toUint8(lr);
      let off = 0, mx = 0;
      for (let i = 0; i < a.length; i++) { const d = Math.abs(a[i]! - b[i]!); if (d) off++; mx = Math.max(mx, d); }
      assert.ok(mx <= 1, `${name} x${s}: max diff ${mx}`);
      assert.ok(off / a.length <= frac, `${name} x${s}: ${(100 * off / a.length).toFixed(3)}% pixels differ`);
    }
  }
});

test('MATLAB imresize keeps its float64 arithmetic: the SIMD kernels and the TypeScript loops give the same bits', () => {
  const r = new DegradeRng(13);
  for (const ch of [1, 3]) {
    const img: FloatImage = { data: new Float32Array(41 * 29 * ch).map(() => r.random()), width: 41, height: 29, channels: ch };
    for (const s of [1 / 3, 0.5, 1.7, [13, 50] as [number, number]]) {
      const simd = matlabImresize(img, s);
      let portable: FloatImage;
      try { setSimdKernels(false); portable = matlabImresize(img, s); } finally { setSimdKernels(true); }
      for (let i = 0; i < simd.data.length; i++) assert.ok(Object.is(simd.data[i], portable.data[i]), `${ch} ch, ${String(s)}: value ${i}`);
    }
  }
});

test('MATLAB imresize sizes and upscaling', () => {
  const up = matlabImresize(src, 2);
  assert.equal(up.width, 26); assert.equal(up.height, 22);
  assert.equal(matlabImresize(src, 1 / 3).width, 5); // ceil(13/3)
  const flat: FloatImage = { data: new Float32Array(10 * 10 * 3).fill(0.6), width: 10, height: 10, channels: 3 };
  for (const v of matlabImresize(flat, 0.37).data) assert.ok(Math.abs(v - 0.6) < 1e-6);
});

test('fft2d equals the naive 2-D DFT for smooth and awkward sizes (generic radix, Rader, Bluestein), both directions', () => {
  // mixed radix with the generic butterfly (primes 7 … 23): 7, 11, 13, 14, 22, 26, 23, 49 (7·7);
  // Rader (one prime p > 23 with p − 1 23-smooth, times a smooth part): 37, 74, 47 (p − 1 = 2·23); Bluestein: 59
  for (const [R, C] of [[7, 11], [37, 22], [14, 9], [16, 15], [1, 13], [26, 1], [8, 8], [23, 49], [74, 5], [47, 2], [59, 6]] as const) {
    for (const inverse of [false, true]) {
      const re = Float64Array.from({ length: R * C }, (_, i) => Math.sin(i * 1.3) + 0.2);
      const im = Float64Array.from({ length: R * C }, (_, i) => Math.cos(i * 0.7));
      const s = inverse ? 1 : -1;
      const wr = new Float64Array(R * C), wi = new Float64Array(R * C);
      for (let u = 0; u < R; u++) for (let v = 0; v < C; v++) {
        let a = 0, b = 0;
        for (let y = 0; y < R; y++) for (let x = 0; x < C; x++) {
          const ang = s * 2 * Math.PI * ((u * y) / R + (v * x) / C), c = Math.cos(ang), d = Math.sin(ang);
          a += re[y * C + x]! * c - im[y * C + x]! * d; b += re[y * C + x]! * d + im[y * C + x]! * c;
        }
        wr[u * C + v] = a; wi[u * C + v] = b;
      }
      fft2d(re, im, R, C, inverse);
      assert.ok(maxDiff(re, wr) < 1e-11 && maxDiff(im, wi) < 1e-11, `${R}×${C} ${inverse ? 'inverse' : 'forward'}: ${maxDiff(re, wr)}, ${maxDiff(im, wi)}`);
    }
  }
});

/** Naive DFT along axis 0 of columns 0..cols−1 (rows L apart), float64, angles reduced exactly. */
function naiveAxis0(re: Float64Array, im: Float64Array, n: number, L: number, cols: number, inverse: boolean): [Float64Array, Float64Array] {
  const wr = re.slice(), wi = im.slice(), s = inverse ? 1 : -1;
  for (let k = 0; k < n; k++) for (let c = 0; c < cols; c++) {
    let a = 0, b = 0;
    for (let j = 0; j < n; j++) {
      const ang = (s * 2 * Math.PI * ((j * k) % n)) / n, x = Math.cos(ang), y = Math.sin(ang);
      a += re[j * L + c]! * x - im[j * L + c]! * y; b += re[j * L + c]! * y + im[j * L + c]! * x;
    }
    wr[k * L + c] = a; wi[k * L + c] = b;
  }
  return [wr, wi];
}

test('dftAxis0 equals the naive DFT on the Wiener frame (296 = 8·37) and other sizes, odd column counts and strided rows, with and without SIMD', () => {
  try {
    for (const simd of [true, false]) {
      setFFTSimd(simd);
      // generic radix p (7, 11, 13, 17, 19, 23; 77, 221, 437, 253), Rader with p − 1 23-smooth (398 = 2·199, 229, 335 = 5·67),
      // Bluestein (431, p − 1 = 2·5·43; 346 = 2·173; 59)
      for (const [n, cols, L] of [[296, 5, 5], [296, 3, 8], [37, 4, 4], [74, 3, 5], [7, 2, 2], [90, 3, 3], [47, 2, 2], [1, 3, 3],
        [11, 3, 3], [13, 2, 3], [17, 1, 2], [19, 2, 2], [23, 3, 4], [77, 3, 3], [221, 2, 3], [437, 1, 1], [253, 3, 3],
        [398, 3, 3], [229, 2, 2], [335, 1, 2], [431, 3, 3], [346, 2, 3], [59, 5, 5]] as const) {
        for (const inverse of [false, true]) {
          const re = Float64Array.from({ length: n * L }, (_, i) => Math.sin(i * 1.3) + 0.2);
          const im = Float64Array.from({ length: n * L }, (_, i) => Math.cos(i * 0.7));
          const [wr, wi] = naiveAxis0(re, im, n, L, cols, inverse);
          dftAxis0(re, im, n, L, cols, inverse);
          const tol = 1e-12 * n;
          assert.ok(maxDiff(re, wr) < tol && maxDiff(im, wi) < tol, `${n}×${cols}/${L} ${inverse ? 'inverse' : 'forward'} simd=${simd}: ${maxDiff(re, wr)}, ${maxDiff(im, wi)}`);
        }
      }
    }
  } finally { setFFTSimd(true); }
});

test('the WebAssembly SIMD transforms give the same bits as the TypeScript twin (radix 2/3/4/5 and generic, Rader, Bluestein)', () => {
  try {
    for (const [n, cols, L, smooth] of [[296, 447, 447, false], [296, 9, 12, false], [37, 5, 5, false], [13, 7, 7, false], [23, 3, 3, false], [240, 33, 40, true], [250, 6, 6, true], [45, 11, 11, true], [8, 3, 3, true],
      // the generic radix-p butterfly (alone, after others, several in a row), Rader with such p − 1, Bluestein
      [7, 4, 4, true], [11 * 17, 9, 10, true], [19 * 23 * 2, 5, 5, true], [13 * 13 * 3, 3, 3, true], [398, 447, 447, false], [335, 7, 8, false], [431, 451, 451, false], [346, 5, 6, false], [2 * 59, 2, 2, false], [2 * 29 * 3, 3, 3, false]] as const) {
      for (const inverse of [false, true]) {
        const re = Float64Array.from({ length: n * L }, (_, i) => Math.sin(i * 1.7) + 0.1), im = Float64Array.from({ length: n * L }, (_, i) => Math.cos(i * 0.3));
        const re2 = re.slice(), im2 = im.slice();
        const run = smooth ? fftAxis0 : dftAxis0;
        setFFTSimd(true); run(re, im, n, L, cols, inverse);
        setFFTSimd(false); run(re2, im2, n, L, cols, inverse);
        for (let i = 0; i < re.length; i++) {
          assert.ok(Object.is(re[i], re2[i]) && Object.is(im[i], im2[i]), `${n}×${cols}/${L} ${inverse ? 'inverse' : 'forward'}: element ${i} ${re[i]} vs ${re2[i]}, ${im[i]} vs ${im2[i]}`);
        }
      }
    }
  } finally { setFFTSimd(true); }
});

test('fftAxis0/dftAxis0 leave the columns at and past `cols` untouched, with and without SIMD (odd cols, L = cols + 1)', () => {
  // The WebAssembly driver pads odd column counts to an even row length; where the caller's rows are exactly that
  // long, the pad column is the caller's own data and must come back as it was.
  try {
    for (const simd of [true, false]) {
      setFFTSimd(simd);
      for (const [n, cols, L, smooth] of [[8, 7, 8, true], [12, 1, 2, true], [296, 3, 4, false], [37, 5, 6, false], [13, 1, 2, false]] as const) {
        const re = Float64Array.from({ length: n * L }, (_, i) => Math.sin(i * 1.1) + 0.3), im = Float64Array.from({ length: n * L }, (_, i) => Math.cos(i * 0.9));
        const re0 = re.slice(), im0 = im.slice();
        (smooth ? fftAxis0 : dftAxis0)(re, im, n, L, cols, false);
        for (let j = 0; j < n; j++) for (let c = cols; c < L; c++) {
          const i = j * L + c;
          assert.ok(Object.is(re[i], re0[i]) && Object.is(im[i], im0[i]), `n=${n} cols=${cols} L=${L} simd=${simd}: column ${c} of row ${j} changed (${re0[i]} → ${re[i]})`);
        }
      }
    }
  } finally { setFFTSimd(true); }
});
