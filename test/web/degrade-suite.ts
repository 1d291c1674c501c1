/**
 * The degradation determinism suite of test/web/degrade-determinism.test.ts: the wild pipeline for a few dozen seeds
 * and every operator family on small synthetic images, each output reduced to a SHA-256 of its bytes (the float32
 * samples, the size, the sampled parameters and the generator's next draws). The same module runs in Node and,
 * bundled, in headless Chromium; the test compares the two runs case by case. No Node imports here.
 *
 * Three modes: `simd` (the WebAssembly SIMD kernels, as shipped), `twins` (setSimdKernels(false): every kernel
 * absent, as on an engine without WebAssembly SIMD, so the TypeScript twins run everywhere) and `switches` (the
 * per-kernel switches: setFFTSimd(false), setNoiseWasm(false), `simd: false` of filterDirect and resize). All three
 * must give the same bytes, in both places.
 */
import type { FloatImage } from '../../src/image/types.js';
import { setSimdKernels } from '../../src/common/wasm-simd.js';
import { setFFTSimd } from '../../src/degrade/fft.js';
import { setNoiseWasm } from '../../src/degrade/noise-kernel.js';
import { DegradeRng } from '../../src/degrade/random.js';
import { wildDegradeSync } from '../../src/degrade/wild.js';
import { initJpeg, jpegCompressSync } from '../../src/degrade/jpeg.js';
import { filter2D, filterDirect } from '../../src/degrade/filter.js';
import { MIXED_KERNEL_TYPES, randomKernelOfType, randomSincKernel, gaussianKernel, defocusKernel, type Kernel } from '../../src/degrade/kernels.js';
import { randomBlur, wienerRinging, psfFilterFFT, udcFilter } from '../../src/degrade/blur.js';
import { resize, matlabImresize, INTERPOLATIONS } from '../../src/degrade/resize.js';
import { gaussianNoise, poissonNoise, randomNoise } from '../../src/degrade/noise.js';
import { addRain, addHaze, lowLight, addSnow } from '../../src/degrade/synthetic.js';
import { randomStrokeMask, randomBoxMask, applyMask, fitMask } from '../../src/degrade/masks.js';
import { applyOps, parseOps } from '../../src/degrade/ops.js';
import { quantizeInPlace, toUint8, fromRGBA } from '../../src/image/convert.js';

export type SuiteMode = 'simd' | 'twins' | 'switches';
export const SUITE_MODES: SuiteMode[] = ['simd', 'twins', 'switches'];

/**
 * Cases whose bytes depend on the calls before them in the same process, not only on their inputs: the test
 * compares these between Node and Chromium in the same mode (the same call history) only.
 */
export const HISTORY_DEPENDENT: ReadonlySet<string> = new Set([5, 30, 75, 95].map((q) => `jpeg/${q}/mozjpeg`));

export interface SuiteResult {
  /** case name → hex SHA-256 of its bytes */
  hashes: Record<string, string>;
  /** whether the WebAssembly SIMD kernels were present (the `simd` mode is only a real test where they are) */
  simdKernels: boolean;
  ms: number;
}

/** W×H×C on the 8-bit grid (as decoded from a file): gradients, a checkerboard, hashed texture and flat patches. */
export function syntheticImage(W: number, H: number, C = 3): FloatImage {
  const d = new Float32Array(W * H * C);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < C; c++) {
    let h = Math.imul(x * 73856093 ^ y * 19349663 ^ c * 83492791, 0x9e3779b1) >>> 0;
    h ^= h >>> 15;
    const grad = Math.floor((255 * (x + c * 7)) / Math.max(1, W - 1 + 14)) & 255;
    const check = ((x >> 3) + (y >> 3)) & 1 ? 200 : 40;
    const v = y < H / 3 ? grad : y < (2 * H) / 3 ? (check + (h & 31)) & 255 : x < W / 2 ? 128 : h & 255;
    d[(y * W + x) * C + c] = v / 255;
  }
  return { data: d, width: W, height: H, channels: C };
}

class Recorder {
  readonly parts = new Map<string, Uint8Array[]>();
  add(name: string, ...items: unknown[]): void {
    if (this.parts.has(name)) throw new Error(`duplicate case ${name}`);
    const enc = new TextEncoder(), out: Uint8Array[] = [];
    for (const it of items) {
      if (it instanceof Uint8Array) out.push(it.slice());
      else if (it && typeof it === 'object' && 'data' in it && it.data instanceof Float32Array) {
        const img = it as FloatImage;
        // NaN payloads are not specified by JavaScript or WebAssembly: one canonical NaN, so only NaN-ness counts
        const data = Float32Array.from(img.data, (v) => (Number.isNaN(v) ? NaN : v));
        out.push(enc.encode(`${img.width}x${img.height}x${img.channels}:`), new Uint8Array(data.buffer));
      } else out.push(enc.encode(JSON.stringify(it) ?? 'undefined'));
    }
    this.parts.set(name, out);
  }
  /** the generator's next draws: the state and the pending spare normal it was left with */
  tail(rng: DegradeRng): number[] { return [rng.normal(), rng.random(), rng.normal(), rng.normal()]; }
}

async function sha256(parts: Uint8Array[]): Promise<string> {
  let n = 0;
  for (const p of parts) n += p.length;
  const all = new Uint8Array(n);
  n = 0;
  for (const p of parts) { all.set(p, n); n += p.length; }
  const h = new Uint8Array(await crypto.subtle.digest('SHA-256', all));
  return Array.from(h, (b) => b.toString(16).padStart(2, '0')).join('');
}

function setMode(mode: SuiteMode): void {
  setSimdKernels(mode !== 'twins');
  setFFTSimd(mode !== 'switches');
  setNoiseWasm(mode !== 'switches');
}

/** Every case, in one mode. `seeds` wild-pipeline runs. */
export async function runSuite(mode: SuiteMode, seeds = 40): Promise<SuiteResult> {
  await initJpeg({ encoder: true });
  const t0 = performance.now();
  setMode(mode);
  try {
    const rec = new Recorder();
    cases(rec, mode, seeds);
    await opsCases(rec);
    const hashes: Record<string, string> = {};
    for (const [name, parts] of rec.parts) hashes[name] = await sha256(parts);
    setMode('simd');
    return { hashes, simdKernels: simdPresent(), ms: performance.now() - t0 };
  } finally {
    setMode('simd');
  }
}

function simdPresent(): boolean {
  // the smallest SIMD module: (module (func (result v128) (v128.const i32x4 0 0 0 0)))
  const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11]);
  return typeof WebAssembly !== 'undefined' && WebAssembly.validate(bytes);
}

function cases(rec: Recorder, mode: SuiteMode, seeds: number): void {
  const simd = mode !== 'switches'; // the `simd` option of filterDirect and resize
  const img = syntheticImage(96, 80);
  const small = syntheticImage(33, 17);
  const psfBank: Kernel[] = [defocusKernel(31), gaussianKernel(41, 6, 3, 0.4)];

  // the wild pipeline (every branch: blur incl. sinc and Wiener ringing, resize, noise, JPEG, greyscale GT, UDC)
  for (let s = 0; s < seeds; s++) {
    const rng = DegradeRng.forSample(2024, s);
    const r = wildDegradeSync(img, rng, s % 4 === 3 ? { udcBank: psfBank } : {});
    rec.add(`wild/${s}`, r.lq, r.gt, r.steps, r.orders, r.words, rec.tail(rng));
  }
  // the same pipeline with every branch forced on
  for (let s = 0; s < 4; s++) {
    const rng = new DegradeRng(`all-${s}`);
    const r = wildDegradeSync(small, rng, { blurProb: 1, resizeProb: 1, noiseProb: 1, jpegProb: 1, greyProb: s === 0 ? 1 : 0, udcBank: psfBank });
    rec.add(`wild-all/${s}`, r.lq, r.gt, r.steps, rec.tail(rng));
  }

  // blur kernels of every family, direct and by FFT, and the portable direct loop
  for (const type of [...MIXED_KERNEL_TYPES, 'sinc' as const]) {
    for (const k of [7, 21]) {
      const rng = new DegradeRng(`kern-${type}-${k}`);
      const { kernel, params } = type === 'sinc' ? randomSincKernel(k, rng) : randomKernelOfType(type, k, rng, { noiseRange: [0.9, 1.1] });
      rec.add(`blur/${type}/${k}/auto`, filter2D(img, kernel), params, kernel.data);
      rec.add(`blur/${type}/${k}/direct`, filterDirect(img, kernel, { simd }));
      rec.add(`blur/${type}/${k}/fft`, filter2D(small, kernel, 'fft'));
    }
  }
  // random_blur with the sinc and the Wiener branches forced
  for (let s = 0; s < 6; s++) {
    const rng = new DegradeRng(`rb-${s}`);
    const r = randomBlur(img, rng, { maxRadius: s < 3 ? 4 : 10, sincProb: s < 3 ? 0 : 1, deblurProb: 1, blurRange: [0.2, 2.2] });
    rec.add(`random-blur/${s}`, r.image, r.step, r.words, rec.tail(rng));
  }
  // Wiener frames on every path of the transforms: 398 = 2·199 and 53 (Rader, p − 1 = 2·3²·11 and 4·13), 431 and
  // 346 = 2·173 (Bluestein), 46 = 2·23 and 77 = 7·11 (the generic radix-p butterfly)
  rec.add('wiener/rader', wienerRinging(syntheticImage(358, 13, 3), gaussianKernel(7, 1.3)));
  rec.add('wiener/bluestein', wienerRinging(syntheticImage(391, 6, 2), gaussianKernel(5, 1.1)));
  rec.add('wiener/bluestein-tall', wienerRinging(syntheticImage(37, 306, 1), gaussianKernel(7, 1.3)));
  for (const C of [1, 2, 3, 4]) {
    const im = syntheticImage(37, 23, C);
    rec.add(`wiener/${C}`, wienerRinging(im, gaussianKernel(7, 1.3)));
    rec.add(`wiener-pad0/${C}`, wienerRinging(im, gaussianKernel(5, 1), { pad: 0, eps: 0.01 }));
    rec.add(`psf/${C}`, psfFilterFFT(im, psfBank[1]!));
    // tiny frames: one column pair, one row pair, odd counts of both (the module's kernels pad them to even)
    rec.add(`wiener-tiny/${C}`, wienerRinging(syntheticImage(3, 2, C), gaussianKernel(3, 0.8), { pad: 1 }));
    const rng = new DegradeRng(`udc-${C}`);
    rec.add(`udc/${C}`, udcFilter(im, rng, psfBank).image, rec.tail(rng));
  }
  // widths below, at and just above the correlation kernel's 24-pixel blocks; 1, 2 and 4 channels; NaN/±Inf/−0
  for (const [W, H] of [[1, 1], [2, 3], [23, 4], [24, 2], [25, 3], [49, 2]] as const) for (const C of [1, 2, 3, 4]) {
    const im = syntheticImage(W, H, C);
    if (im.data.length > 4) { im.data[0] = NaN; im.data[1] = Infinity; im.data[2] = -0; im.data[3] = -Infinity; }
    for (const k of [3, 9]) rec.add(`direct-edge/${W}x${H}x${C}/${k}`, filterDirect(im, gaussianKernel(k, k / 5), { simd }));
  }

  // resizing: OpenCV kinds down and up, MATLAB bicubic (uint8 and double paths, antialiased down, up)
  for (const interp of INTERPOLATIONS) {
    for (const [w, h] of [[45, 31], [161, 97], [1, 1]] as const) rec.add(`resize/${interp}/${w}x${h}`, resize(img, w, h, interp, { simd }));
    rec.add(`resize/${interp}/grey`, resize(syntheticImage(40, 30, 1), 17, 53, interp, { simd }));
  }
  for (const scale of [0.5, 1 / 3, 0.37, 2, 1.5] as const) {
    rec.add(`matlab/${scale}/uint8`, matlabImresize(img, scale, { uint8: true }));
    rec.add(`matlab/${scale}/double`, matlabImresize(img, scale));
  }
  rec.add('matlab/size', matlabImresize(small, [40, 9], { antialias: false }));

  // noise: Gaussian and Poisson, colour and grey, on 1–4 channels, with and without a pending spare normal
  for (const C of [1, 2, 3, 4]) for (const grey of [false, true]) for (const spare of [false, true]) {
    const im = syntheticImage(29, 21, C);
    const tag = `${C}/${grey ? 'grey' : 'colour'}/${spare ? 'spare' : 'nospare'}`;
    let rng = new DegradeRng(`g-${tag}`);
    if (spare) rng.normal();
    rec.add(`gaussian/${tag}`, gaussianNoise(im, 9.5, rng, { grey }), rec.tail(rng));
    rng = new DegradeRng(`gu-${tag}`);
    if (spare) rng.normal();
    rec.add(`gaussian-unclipped/${tag}`, gaussianNoise(im, 40, rng, { grey, clip: false }), rec.tail(rng));
    rng = new DegradeRng(`p-${tag}`);
    if (spare) rng.normal();
    rec.add(`poisson/${tag}`, poissonNoise(im, 0.4, rng, { grey }), rec.tail(rng));
  }
  for (let s = 0; s < 8; s++) {
    const rng = new DegradeRng(`rn-${s}`);
    const r = randomNoise(img, rng);
    rec.add(`random-noise/${s}`, r.image, r.steps, rec.tail(rng));
  }
  {
    const rng = new DegradeRng('fill');
    const a = new Float64Array(1001), b = new Float32Array(333);
    rng.fillNormal(a); rng.fillNormal(b);
    const u = new Float64Array(77);
    rng.fillUniform(u);
    rec.add('rng/fill', new Uint8Array(a.buffer), new Uint8Array(b.buffer), new Uint8Array(u.buffer), rec.tail(rng));
  }

  // JPEG (the TypeScript libjpeg encoder and MozJPEG; colour and grey), quantisation and byte conversions
  for (const q of [5, 30, 75, 95]) {
    rec.add(`jpeg/${q}`, jpegCompressSync(img, q));
    rec.add(`jpeg/${q}/grey`, jpegCompressSync(syntheticImage(35, 19, 1), q));
    rec.add(`jpeg/${q}/mozjpeg`, jpegCompressSync(small, q, { encoder: 'mozjpeg' }));
  }
  {
    const noisy = gaussianNoise(syntheticImage(70, 70), 25, new DegradeRng('q'), { clip: false });
    noisy.data[5] = NaN; noisy.data[6] = Infinity; noisy.data[7] = -Infinity; noisy.data[8] = 0.5 / 255; noisy.data[9] = 1.5 / 255;
    rec.add('quantize', quantizeInPlace({ ...noisy, data: noisy.data.slice() }), toUint8(noisy));
    const rgba = toUint8(syntheticImage(30, 20, 4));
    rec.add('fromRGBA', fromRGBA(rgba, 30, 20));
  }

  // synthetic weather, low light, masks
  for (let s = 0; s < 3; s++) {
    let rng = new DegradeRng(`rain-${s}`);
    let r: { image: FloatImage; params: object } = addRain(img, rng, { heavy: s > 0, mode: s === 2 ? 'screen' : 'add' });
    rec.add(`rain/${s}`, r.image, r.params, rec.tail(rng));
    rng = new DegradeRng(`haze-${s}`);
    r = addHaze(img, rng, { depth: (['homogeneous', 'ramp', 'random'] as const)[s] });
    rec.add(`haze/${s}`, r.image, r.params, rec.tail(rng));
    rng = new DegradeRng(`low-${s}`);
    r = lowLight(img, rng, s === 0 ? { photons: null } : {});
    rec.add(`lowlight/${s}`, r.image, r.params, rec.tail(rng));
    rng = new DegradeRng(`snow-${s}`);
    r = addSnow(img, rng);
    rec.add(`snow/${s}`, r.image, r.params, rec.tail(rng));
    rng = new DegradeRng(`mask-${s}`);
    const m = s === 2 ? randomBoxMask(96, 80, rng) : randomStrokeMask(96, 80, rng, { brush: s === 0 ? 'thin' : 'thick' });
    rec.add(`mask/${s}`, applyMask(img, m.mask), m.params, fitMask(m.mask, 41, 37, 'area'), fitMask(m.mask, 150, 121), rec.tail(rng));
  }
}

/** The CLI's operator chains (parse + apply), which end in q(·). */
async function opsCases(rec: Recorder): Promise<void> {
  const img = syntheticImage(64, 48);
  const chains = [
    'blur:random,resize:0.5:random,noise:random,jpeg:20-90',
    'blur:sinc:k=13,resize:0.5:matlab,poisson:0.2:grey,jpeg:60',
    'blur:motion,blur:aniso:sigma=2:sigmaY=0.5:theta=0.3:noise,resize:1.7:area,noise:12:grey',
    'rain:heavy,haze:depth=ramp,lowlight,snow,mask:thick,grey',
    'blur:defocus:k=27,resize:33x20:nearest,resize:2:bilinear,mask:boxes',
  ];
  for (const [i, spec] of chains.entries()) {
    const rng = new DegradeRng(`ops-${i}`);
    const r = await applyOps(img, parseOps(spec), rng);
    rec.add(`ops/${i}`, r.image, r.steps, rec.tail(rng));
  }
}
