/** Random blur (`random_blur`), Wiener ringing and the under-display-camera PSF filter (DEGRADATIONS.md §4). */
import { createImage, type FloatImage } from '../image/types.js';
import { reflectSymmetric } from '../image/pad.js';
import { dftAxis0, fftModule, axis0Module, axis0ModuleScratch, MODULE_SCRATCH, type WasmFFT, type WBuf } from './fft.js';
import { wasmMemory } from '../common/wasm-simd.js';
import { cos, sin } from './detmath.js';
import { filter2D } from './filter.js';
import { randomMixedKernel, randomSincKernel, type Kernel, type KernelParams } from './kernels.js';
import type { DegradeRng } from './random.js';

export type DegradeWord = 'blur' | 'ringing artifact' | 'noise' | 'jpeg block';

export interface BlurStep {
  op: 'blur';
  kernel: KernelParams;
  sinc: boolean;
  wiener?: boolean;
  wienerBlend?: number;
}

/**
 * Wiener "ringing": per channel, pad 20 px (symmetric), G = conj(H)/(|H|² + 0.006) with the kernel centred
 * and inverse-shifted in the padded frame, out = Re(F⁻¹(F(img)·G)), crop. Not clipped.
 */
export function wienerRinging(img: FloatImage, kern: Kernel, opts: { pad?: number; eps?: number } = {}): FloatImage {
  const p = opts.pad ?? 20, eps = opts.eps ?? 0.006;
  const PW = img.width + 2 * p, PH = img.height + 2 * p, k = kern.size;
  if (k > PW || k > PH) throw new RangeError(`image too small (${img.width}x${img.height}) for a ${k}x${k} Wiener kernel`);
  // the 1/(2·PH·PW) of the transforms (see filterRealFFT) rides on G
  const scale = 1 / (2 * PH * PW);
  const w = fftModule();
  if (w && moduleFits(img, p, k)) return filterRealModule(w, img, p, kern, eps, scale);
  const { re: g, im: gi, rows } = kernelSpectrum(kern, PH, PW);
  for (let i = 0; i < rows * PW; i++) {
    const a = g[i]!, b = gi[i]!;
    const den = a * a + b * b + eps;
    g[i] = (a / den) * scale; gi[i] = (-b / den) * scale;
  }
  return filterRealFFT(img, p, g, gi);
}

const phaseTables = new Map<number, { c: Float64Array; s: Float64Array }>();

/** cos and sin of −2πm/N for m = 0 … N − 1 (the deterministic ones of detmath.ts), cached per N. */
function phaseTable(N: number): { c: Float64Array; s: Float64Array } {
  let t = phaseTables.get(N);
  if (!t) {
    const c = new Float64Array(N), s = new Float64Array(N);
    for (let m = 0; m < N; m++) { const a = (-2 * Math.PI * m) / N; c[m] = cos(a); s[m] = sin(a); }
    t = { c, s };
    phaseTables.set(N, t);
  }
  return t;
}

/**
 * The 2-D DFT over a PH×PW frame of a k×k kernel centred at (0, 0) and wrapped circularly:
 * H(u, v) = Σ_ij w_ij e^{−2πi(u(i−r)/PH + v(j−r)/PW)}, as two separable sums (k·PW + k·rows·PW complex
 * multiply-adds). For the small kernels here this is several times cheaper than an FFT of the frame. The
 * kernel is real, so H(−u, −v) = conj H(u, v) and only u = 0 … ⌊PH/2⌋ (`rows` of them) is computed, stored
 * transposed, [v][u], the layout `filterRealFFT` multiplies in.
 */
function kernelSpectrum(kern: Kernel, PH: number, PW: number): { re: Float64Array; im: Float64Array; rows: number } {
  const k = kern.size, rows = (PH >> 1) + 1;
  const cr = new Float64Array(k * PW), ci = new Float64Array(k * PW);
  kernelColumns(kern, PW, cr, ci);
  const er = new Float64Array(k * rows), ei = new Float64Array(k * rows);
  kernelRowPhases(k, PH, rows, er, ei);
  // H[v][u] = Σ_i E[i][u] C[i][v]
  const re = new Float64Array(rows * PW), im = new Float64Array(rows * PW);
  for (let v = 0; v < PW; v++) {
    const o = v * rows;
    for (let i = 0; i < k; i++) {
      const x = cr[i * PW + v]!, y = ci[i * PW + v]!, q = i * rows;
      for (let u = 0; u < rows; u++) {
        const a = er[q + u]!, b = ei[q + u]!;
        re[o + u] += a * x - b * y; im[o + u] += a * y + b * x;
      }
    }
  }
  return { re, im, rows };
}

const mod = (x: number, N: number): number => ((x % N) + N) % N;

/**
 * C[i][v] = Σ_j w_ij e^{−2πi v (j−r)/PW} into cr, ci (k × PW, zeroed by the caller). The angles are reduced
 * exactly in integers (u·d mod N), which keeps them accurate, and looked up.
 */
function kernelColumns(kern: Kernel, PW: number, cr: Float64Array, ci: Float64Array): void {
  const k = kern.size, r = (k - 1) >> 1, tw = phaseTable(PW);
  for (let v = 0; v < PW; v++) for (let j = 0; j < k; j++) {
    const m = mod(v * (j - r), PW), c = tw.c[m]!, s = tw.s[m]!;
    for (let i = 0; i < k; i++) {
      const w = kern.data[i * k + j]!;
      if (w === 0) continue;
      cr[i * PW + v] += w * c; ci[i * PW + v] += w * s;
    }
  }
}

/** E[i][u] = e^{−2πi u (i−r)/PH} for u = 0 … cols − 1 into er, ei (k × cols). */
function kernelRowPhases(k: number, PH: number, cols: number, er: Float64Array, ei: Float64Array): void {
  const r = (k - 1) >> 1, th = phaseTable(PH);
  for (let i = 0; i < k; i++) for (let u = 0; u < cols; u++) { const m = mod(u * (i - r), PH); er[i * cols + u] = th.c[m]!; ei[i * cols + u] = th.s[m]!; }
}

// Scratch kept between calls (the wild pipeline filters many frames of one size), but only up to this many values
// per array (4 × 16 MB): a one-off large frame (a 4000×3000 photo needs ~100 MB per array) is not kept for the
// life of the process.
const KEEP_SCRATCH = 1 << 21;
type ComplexScratch = { re: Float64Array; im: Float64Array };
let keptA: ComplexScratch = { re: new Float64Array(0), im: new Float64Array(0) };
let keptB: ComplexScratch = { re: new Float64Array(0), im: new Float64Array(0) };

function scratch(kept: ComplexScratch, n: number): ComplexScratch & { keep: boolean } {
  if (kept.re.length >= n) return { ...kept, keep: true };
  const fresh = { re: new Float64Array(n), im: new Float64Array(n) };
  return { ...fresh, keep: n <= KEEP_SCRATCH };
}

/**
 * out = F⁻¹(F(img padded) · G) cropped, per channel, for a real image and a Hermitian G (the spectrum of a real
 * kernel, or a function of it), given as its rows u = 0 … ⌊PH/2⌋ transposed ([v][u], PW × rows) and already
 * multiplied by 1/(2·PH·PW). The padding is `p` px symmetric on every side (PH×PW the padded frame).
 *
 * Real input halves the work of a complex transform: along y the columns 2j and 2j + 1 of every channel ride as
 * one complex column (all channels side by side, one transform call), then split by Hermitian symmetry,
 * F_{2j}(u) + F_{2j+1}(u)·i = Z(u), F(−u) = conj F(u); along x only the rows u ≤ PH/2 are transformed, the
 * rest being their conjugates. The inverse undoes the same steps in reverse. Per channel this costs about half
 * of one complex 2-D transform each way, where pairing channels (R + iG, then B alone) cost two thirds.
 */
function filterRealFFT(img: FloatImage, p: number, gr: Float64Array, gi: Float64Array): FloatImage {
  const { width: W, height: H, channels: C } = img;
  const PW = W + 2 * p, PH = H + 2 * p;
  const J = (PW + 1) >> 1, rows = (PH >> 1) + 1;
  const la = C * J, lb = C * rows; // row lengths of A (PH × C·J, the y pass) and B (PW × C·rows, the x pass)
  const a = scratch(keptA, PH * la), b = scratch(keptB, PW * lb);
  if (a.keep) keptA = { re: a.re, im: a.im };
  if (b.keep) keptB = { re: b.re, im: b.im };
  const aRe = a.re, aIm = a.im, bRe = b.re, bIm = b.im;
  const d = img.data;
  // 1. A[y][c·J + j] = P_c(y, 2j) + i·P_c(y, 2j + 1), the padded image read in place
  const xs = new Int32Array(2 * J);
  for (let x = 0; x < 2 * J; x++) xs[x] = x < PW ? reflectSymmetric(x - p, W) * C : -1;
  for (let y = 0; y < PH; y++) {
    const row = reflectSymmetric(y - p, H) * W * C, o = y * la;
    for (let c = 0; c < C; c++) {
      const oc = o + c * J, rc = row + c;
      for (let j = 0; j < J; j++) {
        const x1 = xs[2 * j + 1]!;
        aRe[oc + j] = d[rc + xs[2 * j]!]!;
        aIm[oc + j] = x1 < 0 ? 0 : d[rc + x1]!;
      }
    }
  }
  dftAxis0(aRe, aIm, PH, la, la);
  // 2. split the pairs, 2·F_{2j}(u) = Z(u) + conj Z(−u), 2·F_{2j+1}(u) = −i(Z(u) − conj Z(−u)), into B[x][c·rows + u]
  for (let u = 0; u < rows; u++) {
    const o1 = u * la, o2 = ((PH - u) % PH) * la;
    for (let c = 0; c < C; c++) {
      const cb = c * rows + u, ca = c * J;
      for (let j = 0; j < J; j++) {
        const z1r = aRe[o1 + ca + j]!, z1i = aIm[o1 + ca + j]!, z2r = aRe[o2 + ca + j]!, z2i = -aIm[o2 + ca + j]!;
        const e = 2 * j * lb + cb;
        bRe[e] = z1r + z2r; bIm[e] = z1i + z2i;
        if (2 * j + 1 < PW) { bRe[e + lb] = z1i - z2i; bIm[e + lb] = z2r - z1r; }
      }
    }
  }
  // 3. along x, times G, back
  dftAxis0(bRe, bIm, PW, lb, lb);
  for (let v = 0; v < PW; v++) {
    const og = v * rows;
    for (let c = 0; c < C; c++) {
      const o = v * lb + c * rows;
      for (let u = 0; u < rows; u++) {
        const a = bRe[o + u]!, b = bIm[o + u]!, x = gr[og + u]!, y = gi[og + u]!;
        bRe[o + u] = a * x - b * y; bIm[o + u] = a * y + b * x;
      }
    }
  }
  dftAxis0(bRe, bIm, PW, lb, lb, true);
  // 4. pair the columns again, Z(u) = Y_{2j}(u) + i·Y_{2j+1}(u), the rows u > PH/2 from conj Y(PH − u); Y(0) and
  //    Y(PH/2) are real but for rounding, and only their real parts are used (the exact Hermitian projection)
  for (let u = 0; u < PH; u++) {
    const mirror = u >= rows, uu = mirror ? PH - u : u, real = uu === 0 || 2 * uu === PH;
    const o = u * la;
    for (let c = 0; c < C; c++) {
      const cb = c * rows + uu, ca = o + c * J;
      for (let j = 0; j < J; j++) {
        const e = 2 * j * lb + cb, odd = 2 * j + 1 < PW;
        const er = bRe[e]!, ei = bIm[e]!, or = odd ? bRe[e + lb]! : 0, oi = odd ? bIm[e + lb]! : 0;
        if (real) { aRe[ca + j] = er; aIm[ca + j] = or; }
        else if (mirror) { aRe[ca + j] = er + oi; aIm[ca + j] = or - ei; }
        else { aRe[ca + j] = er - oi; aIm[ca + j] = ei + or; }
      }
    }
  }
  dftAxis0(aRe, aIm, PH, la, la, true);
  // 5. crop: P_c(y, x) is the real part of A[y][c·J + x/2] for even x, the imaginary part for odd x
  const out = createImage(W, H, C), od = out.data;
  for (let y = 0; y < H; y++) {
    const o = (y + p) * la;
    for (let c = 0; c < C; c++) {
      const ca = o + c * J;
      for (let x = 0; x < W; x++) {
        const xx = x + p, i = ca + (xx >> 1);
        od[(y * W + x) * C + c] = (xx & 1) === 0 ? aRe[i]! : aIm[i]!;
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// `filterRealFFT` (and the G of `wienerRinging`/`psfFilterFFT`) with every step in the FFT module's memory: the
// packing, the Hermitian split, the multiply by G, the re-pairing and the crop are WebAssembly SIMD kernels
// (`rpack`, `rsplit`, `gmul`, `rpair`, `rcrop`, `kspec` in wasm/fft.wat) doing the TypeScript loops' float64
// operations in the same order, and the transforms run in place there (`axis0Module`), so the data crosses into
// the module once (the float32 image) and out once (the float32 result) instead of twice per transform. Same bits.
// In the module A is PH × C·Jp and B is PW × C·Rp, Jp and Rp the column counts J and rows rounded up to even (the
// kernels step two columns at a time and never straddle channels); the extra columns are never read back.

/**
 * The module's memory this filter may grow to (it never shrinks, so whatever a call takes stays allocated for the
 * life of the process): its own arrays take at most MODULE_DATA_BYTES of it (a 560² RGB frame, the largest the wild
 * pipeline makes, needs ~21 MiB; larger frames take the TypeScript path, same bits) and the transforms' scratch the
 * rest, in column strips where all columns at once do not fit (`axis0Module`).
 */
const MODULE_BYTES = 32 * 2 ** 20, MODULE_DATA_BYTES = 24 * 2 ** 20;

interface ModuleLayout {
  PW: number; PH: number; J: number; Jp: number; rows: number; Rp: number; La: number; Lb: number;
  data: number; scratch: number; A: WBuf; B: WBuf; G: WBuf; Cw: WBuf; E: WBuf; Z: number; img: number; ys: number; xs: number; end: number;
}

function moduleLayout(img: FloatImage, p: number, k: number): ModuleLayout {
  const { width: W, height: H, channels: C } = img;
  const PW = W + 2 * p, PH = H + 2 * p, J = (PW + 1) >> 1, Jp = J + (J & 1), rows = (PH >> 1) + 1, Rp = rows + (rows & 1);
  const La = C * Jp, Lb = C * Rp;
  const a16 = (bytes: number): number => (bytes + 15) & ~15;
  const sizes = [PH * La * 8, PH * La * 8, PW * Lb * 8, PW * Lb * 8, PW * Rp * 8, PW * Rp * 8, k * PW * 8, k * PW * 8, k * Rp * 8, k * Rp * 8, Lb * 8, W * H * C * 4, PH * 4, 2 * Jp * 4];
  const data = sizes.reduce((s, b) => s + a16(b), 0);
  const cap = Math.max(0, MODULE_BYTES - MODULE_SCRATCH - data);
  const scratch = Math.max(axis0ModuleScratch(PH, La, cap), axis0ModuleScratch(PW, Lb, cap));
  let at = MODULE_SCRATCH + scratch, next = 0;
  const take = (): number => { const a = at; at += a16(sizes[next++]!); return a; };
  const pair = (): WBuf => ({ r: take(), i: take() });
  const A = pair(), B = pair(), G = pair(), Cw = pair(), E = pair();
  const Z = take(), im = take(), ys = take(), xs = take();
  return { PW, PH, J, Jp, rows, Rp, La, Lb, data, scratch, A, B, G, Cw, E, Z, img: im, ys, xs, end: at };
}

function moduleFits(img: FloatImage, p: number, k: number): boolean {
  return moduleLayout(img, p, k).data <= MODULE_DATA_BYTES;
}

// views of the module's memory, remade only when it grows (a grow detaches the old ones)
let viewBuf: ArrayBuffer | null = null;
let viewF64 = new Float64Array(0), viewF32 = new Float32Array(0), viewI32 = new Int32Array(0);

/** See the block comment above: the filter of `filterRealFFT` with G from `kern` (eps null: PSF, G = H·scale). */
function filterRealModule(w: WasmFFT, img: FloatImage, p: number, kern: Kernel, eps: number | null, scale: number): FloatImage {
  const { width: W, height: H, channels: C } = img;
  const L = moduleLayout(img, p, kern.size);
  const { PW, PH, J, Jp, rows, Rp, La, Lb, A, B, G, Cw, E } = L, k = kern.size;
  const buf = wasmMemory(w.memory, L.end);
  if (buf !== viewBuf) { viewBuf = buf; viewF64 = new Float64Array(buf); viewF32 = new Float32Array(buf); viewI32 = new Int32Array(buf); }
  const f = viewF64, f32 = viewF32, i32 = viewI32;
  // G: C and E as kernelSpectrum computes them (C accumulates, so from zero), then the kspec kernel
  f.fill(0, Cw.r / 8, Cw.r / 8 + k * PW); f.fill(0, Cw.i / 8, Cw.i / 8 + k * PW);
  kernelColumns(kern, PW, f.subarray(Cw.r / 8, Cw.r / 8 + k * PW), f.subarray(Cw.i / 8, Cw.i / 8 + k * PW));
  kernelRowPhases(k, PH, Rp, f.subarray(E.r / 8, E.r / 8 + k * Rp), f.subarray(E.i / 8, E.i / 8 + k * Rp));
  w.kspec(Cw.r, Cw.i, E.r, E.i, G.r, G.i, k, PW, Rp, eps === null ? 1 : 0, eps ?? 0, scale);
  // 1. the image in, the pad by tables of source offsets (bytes), A packed
  f32.set(img.data, L.img / 4);
  for (let y = 0; y < PH; y++) i32[L.ys / 4 + y] = reflectSymmetric(y - p, H) * W * C * 4;
  for (let x = 0; x < 2 * Jp; x++) i32[L.xs / 4 + x] = x < PW ? reflectSymmetric(x - p, W) * C * 4 : -1;
  w.rpack(L.img, L.ys, L.xs, A.r, A.i, PH, C, Jp);
  // 2. along y, split into B; 3. along x, times G (back into B), back; 4. pair into A; 5. back along y, crop
  const Y = axis0Module(w, PH, La, false, A, L.scratch);
  w.rsplit(Y.r, Y.i, B.r, B.i, PH, PW, C, J, Jp, rows, Rp);
  const X = axis0Module(w, PW, Lb, false, B, L.scratch);
  w.gmul(X.r, X.i, B.r, B.i, G.r, G.i, PW, C, Rp);
  const Xi = axis0Module(w, PW, Lb, true, B, L.scratch);
  f.fill(0, L.Z / 8, L.Z / 8 + Lb);
  w.rpair(Xi.r, Xi.i, L.Z, A.r, A.i, PH, PW, C, Jp, rows, Rp);
  const Yi = axis0Module(w, PH, La, true, A, L.scratch);
  w.rcrop(Yi.r, Yi.i, L.img, W, H, C, p, Jp);
  const out = createImage(W, H, C);
  out.data.set(f32.subarray(L.img / 4, L.img / 4 + W * H * C));
  return out;
}

/** Filter by FFT with a (large) PSF, circular over a 20 px symmetric pad. */
export function psfFilterFFT(img: FloatImage, psf: Kernel): FloatImage {
  const p = 20;
  const PW = img.width + 2 * p, PH = img.height + 2 * p;
  const scale = 1 / (2 * PH * PW);
  const w = fftModule();
  if (w && moduleFits(img, p, psf.size)) return filterRealModule(w, img, p, psf, null, scale);
  const { re, im, rows } = kernelSpectrum(psf, PH, PW);
  for (let i = 0; i < rows * PW; i++) { re[i] = re[i]! * scale; im[i] = im[i]! * scale; }
  return filterRealFFT(img, p, re, im);
}

function blend(a: FloatImage, b: FloatImage, p: number): FloatImage {
  const out = createImage(a.width, a.height, a.channels);
  for (let i = 0; i < out.data.length; i++) out.data[i] = p * a.data[i]! + (1 - p) * b.data[i]!;
  return out;
}

export interface RandomBlurOptions {
  maxRadius: number;
  sincProb: number;
  deblurProb: number;
  blurRange: [number, number];
}

/** `random_blur` (§4). Returns the image, the words it appends and the sampled parameters. */
export function randomBlur(img: FloatImage, rng: DegradeRng, o: RandomBlurOptions): { image: FloatImage; words: DegradeWord[]; step: BlurStep } {
  const sizes: number[] = [];
  for (let v = 2; v <= o.maxRadius - 1; v++) sizes.push(2 * v + 1);
  const k = rng.choice(sizes);
  const sinc = rng.random() < o.sincProb;
  const { kernel, params } = sinc ? randomSincKernel(k, rng) : randomMixedKernel(k, rng, o.blurRange);
  const blurred = filter2D(img, kernel);
  const words: DegradeWord[] = ['blur'];
  const step: BlurStep = { op: 'blur', kernel: params, sinc };
  let out = blurred;
  if (sinc) words.push('ringing artifact');
  else if (rng.random() < o.deblurProb && k < 8) {
    const wienered = wienerRinging(blurred, kernel);
    words.push('ringing artifact');
    step.wiener = true;
    out = wienered;
    if (rng.random() < 0.1) {
      const p = rng.uniform(0.1, 0.5);
      out = blend(blurred, wienered, p);
      step.wienerBlend = p;
    }
  }
  return { image: out, words, step };
}

export interface UdcStep { op: 'udc'; applied: boolean; psfIndex: number; blend: number }

/**
 * Under-display-camera PSF filter: out = p·filtered + (1−p)·img, p ~ U(0.1, 0.5), with a PSF drawn from
 * `bank`. With no bank (the default: the measured bank is not shippable) the draws are still made, so seeds
 * stay aligned, and the image is returned unchanged.
 */
export function udcFilter(img: FloatImage, rng: DegradeRng, bank: Kernel[] = []): { image: FloatImage; step: UdcStep } {
  const u = rng.random();
  const p = rng.uniform(0.1, 0.5);
  if (bank.length === 0) return { image: img, step: { op: 'udc', applied: false, psfIndex: -1, blend: p } };
  const idx = Math.min(bank.length - 1, Math.floor(u * bank.length));
  const filtered = psfFilterFFT(img, bank[idx]!);
  return { image: blend(filtered, img, p), step: { op: 'udc', applied: true, psfIndex: idx, blend: p } };
}
