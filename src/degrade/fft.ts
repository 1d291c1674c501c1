/**
 * A small mixed-radix complex FFT, Stockham autosort, vectorised over whole rows (the inner loops run over
 * contiguous memory): butterflies of their own for 2, 3, 4, 5 and a generic one for the odd primes 7 … 23, so any
 * 23-smooth size is a plain mixed-radix transform. Sizes with one larger prime p (p − 1 23-smooth) take a
 * four-step split with Rader's algorithm; any other size Bluestein's chirp-z transform. Twiddles come from the
 * deterministic sin/cos of `detmath.ts`, so results agree across JavaScript engines. All three paths run in
 * WebAssembly SIMD where available (`wasm/fft.wat`, 2–4× faster), with TypeScript twins that give the same bits
 * elsewhere.
 * Used for large-kernel filtering and the Wiener/UDC operators.
 */
import { cos, sin } from './detmath.js';
import { fftWasmBase64 } from './wasm/fft.wasm.js';
import { wasmMemory, lazySimdKernel } from '../common/wasm-simd.js';

/**
 * One Stockham stage of radix p over ns-point sub-transforms. For the generic radices (p ≥ 7) also
 * (cos 2πt/p, sin 2πt/p) for t = 0 … p − 1, interleaved, the constants of the butterfly.
 */
interface Stage { p: number; ns: number; twRe: Float64Array; twIm: Float64Array; cs: Float64Array | null }

/**
 * Largest prime with a butterfly in the mixed-radix plan. The generic odd-p butterfly costs ~p/4 multiply-adds per
 * point, still less than Rader or Bluestein for p this small, and one pass over the data instead of their several.
 */
const MAX_RADIX = 23;

const C3 = -0.5; // cos(2π/3)
const S3 = 0.86602540378443864676; // sin(2π/3)
const C51 = 0.30901699437494742410; // cos(2π/5)
const C52 = -0.80901699437494742410; // cos(4π/5)
const S51 = 0.95105651629515357212; // sin(2π/5)
const S52 = 0.58778525229247312917; // sin(4π/5)

function factorize(n: number): number[] {
  const f: number[] = [];
  while (n % 4 === 0) { f.push(4); n /= 4; }
  while (n % 2 === 0) { f.push(2); n /= 2; }
  while (n % 3 === 0) { f.push(3); n /= 3; }
  while (n % 5 === 0) { f.push(5); n /= 5; }
  for (let p = 7; n > 1; p += 2) {
    while (n % p === 0) { f.push(p); n /= p; }
  }
  return f;
}

/** Whether the mixed-radix plan takes n directly (no prime factor above MAX_RADIX). */
function isPlanSize(n: number): boolean {
  for (const q of [2, 3, 5, 7, 11, 13, 17, 19, 23]) while (n % q === 0) n /= q;
  return n === 1;
}

/** Smallest size >= n of the form 2^a 3^b 5^c (fast for the plan). */
export function goodFFTSize(n: number): number {
  for (let m = Math.max(1, n); ; m++) if (isSmooth235(m)) return m;
}

/**
 * 2-D complex DFT in place on a row-major rows×cols array (unscaled; `inverse` flips the sign), any sizes.
 * Both passes run column-vectorised (`dftAxis0`): the column pass in place, the row pass on the transpose.
 */
export function fft2d(re: Float64Array, im: Float64Array, rows: number, cols: number, inverse = false): void {
  const n = rows * cols;
  if (tRe.length < n) { tRe = new Float64Array(n); tIm = new Float64Array(n); }
  transposeComplex(re, im, rows, cols, tRe, tIm);
  dftAxis0(tRe, tIm, cols, rows, rows, inverse);
  transposeComplex(tRe, tIm, cols, rows, re, im);
  dftAxis0(re, im, rows, cols, cols, inverse);
}

let tRe = new Float64Array(0), tIm = new Float64Array(0);

/**
 * Chirp data of a vectorised Bluestein transform of size n: c_j = e^{−iπj²/n} (cr, ci), c_j/m (crm, cim) for the
 * last step, and the size-m spectra of the wrapped conj(c) (forward, bf) and c (inverse, bi).
 */
interface ChirpPlan {
  kind: 'chirp'; n: number; m: number; cr: Float64Array; ci: Float64Array; crm: Float64Array; cim: Float64Array;
  bfRe: Float64Array; bfIm: Float64Array; biRe: Float64Array; biIm: Float64Array;
}
const chirpPlans = new Map<number, ChirpPlan>();

function chirpPlan(n: number): ChirpPlan {
  let p = chirpPlans.get(n);
  if (!p) {
    const m = goodFFTSize(2 * n - 1);
    const cr = new Float64Array(n), ci = new Float64Array(n), crm = new Float64Array(n), cim = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      const a = (-Math.PI * ((j * j) % (2 * n))) / n; // exact integer reduction keeps the angle accurate
      cr[j] = cos(a); ci[j] = sin(a); crm[j] = cr[j]! / m; cim[j] = ci[j]! / m;
    }
    const spectrum = (sign: number): [Float64Array, Float64Array] => {
      const br = new Float64Array(m), bi = new Float64Array(m);
      br[0] = cr[0]!; bi[0] = sign * ci[0]!;
      for (let j = 1; j < n; j++) { br[j] = cr[j]!; bi[j] = sign * ci[j]!; br[m - j] = cr[j]!; bi[m - j] = sign * ci[j]!; }
      fftAxis0(br, bi, m, 1, 1);
      return [br, bi];
    };
    const [bfRe, bfIm] = spectrum(-1), [biRe, biIm] = spectrum(1);
    p = { kind: 'chirp', n, m, cr, ci, crm, cim, bfRe, bfIm, biRe, biIm };
    chirpPlans.set(n, p);
  }
  return p;
}

let wRe = new Float64Array(0), wIm = new Float64Array(0), w2Re = new Float64Array(0), w2Im = new Float64Array(0);

/**
 * DFT along axis 0 of an n×L row-major array, columns 0..cols−1, in place, for any n: `fftAxis0` when n is
 * 23-smooth, four-step + Rader when n = smooth·p (`raderSplit`), else Bluestein's chirp-z transform (`bluestein`).
 */
export function dftAxis0(re: Float64Array, im: Float64Array, n: number, L: number, cols: number, inverse = false): void {
  if (n === 1) return;
  if (isPlanSize(n)) { fftAxis0(re, im, n, L, cols, inverse); return; }
  const w = wasmFFT();
  const rp = raderSplit(n);
  if (rp) {
    if (w) axis0Wasm(w, re, im, n, L, cols, inverse, rp); else fourStepRader(re, im, n, L, cols, inverse, rp);
    return;
  }
  const cp = chirpPlan(n);
  if (w) axis0Wasm(w, re, im, n, L, cols, inverse, cp); else bluestein(re, im, n, L, cols, inverse, cp);
}

/**
 * Bluestein's chirp-z transform with whole rows as the vector unit: x_k = c̃_k Σ_j (x_j c̃_j) conj(c̃)_{k−j} with
 * c̃ = c for the forward transform and conj(c) for the inverse, the convolution done by size-m FFTs (m ≥ 2n − 1,
 * 2^a 3^b 5^c). Every step is one complex multiply of a row by a constant (the `cmul` kernel) or an FFT stage, so
 * the WebAssembly driver runs it with the same operations in the same order.
 */
function bluestein(re: Float64Array, im: Float64Array, n: number, L: number, cols: number, inverse: boolean, P: ChirpPlan): void {
  const { m, cr, ci, crm, cim } = P;
  const sg = inverse ? -1 : 1;
  if (wRe.length < m * cols) { wRe = new Float64Array(m * cols); wIm = new Float64Array(m * cols); w2Re = new Float64Array(m * cols); w2Im = new Float64Array(m * cols); }
  for (let j = 0; j < n; j++) {
    const c = cr[j]!, d = sg * ci[j]!, o = j * L, w = j * cols;
    for (let k = 0; k < cols; k++) {
      const xr = re[o + k]!, xi = im[o + k]!;
      wRe[w + k] = xr * c - xi * d; wIm[w + k] = xr * d + xi * c;
    }
  }
  wRe.fill(0, n * cols, m * cols); wIm.fill(0, n * cols, m * cols);
  const plan = axisPlan(m);
  const [fr, fi] = runStages(plan, m, cols, cols, 1, wRe, wIm, w2Re, w2Im, wRe, wIm);
  const bRe = inverse ? P.biRe : P.bfRe, bIm = inverse ? P.biIm : P.bfIm;
  for (let j = 0; j < m; j++) {
    const x = bRe[j]!, y = bIm[j]!, w = j * cols;
    for (let k = 0; k < cols; k++) {
      const a = fr[w + k]!, b = fi[w + k]!;
      fr[w + k] = a * x - b * y; fi[w + k] = a * y + b * x;
    }
  }
  const gr = fr === wRe ? w2Re : wRe, gi = fr === wRe ? w2Im : wIm;
  const [vr, vi] = runStages(plan, m, cols, cols, -1, fr, fi, gr, gi, fr, fi);
  for (let j = 0; j < n; j++) {
    const c = crm[j]!, d = sg * cim[j]!, o = j * L, w = j * cols;
    for (let k = 0; k < cols; k++) {
      const a = vr[w + k]!, b = vi[w + k]!;
      re[o + k] = a * c - b * d; im[o + k] = a * d + b * c;
    }
  }
}

/**
 * n = s·p with s 23-smooth and one prime p > 23 whose p − 1 is 23-smooth (296 = 8·37, the Wiener frame of a
 * 256² image; 398 = 2·199, 199 − 1 = 2·3²·11): then a four-step split with Rader's algorithm for the p-point
 * transforms costs about half of Bluestein's. Null for other sizes (Bluestein handles them).
 */
interface RaderPlan {
  kind: 'rader'; s: number; p: number;
  /** g^q mod p and g^−q mod p for q = 0 … p − 2 (g a primitive root) */
  gPow: Int32Array; gInvPow: Int32Array;
  /** DFT_{p−1} of b_q = e^{∓2πi g^−q / p}, forward and inverse signs, already divided by p − 1 */
  bfRe: Float64Array; bfIm: Float64Array; biRe: Float64Array; biIm: Float64Array;
  /** twiddles e^{−2πi·j2·k1/n}, indexed k1·p + j2 */
  twRe: Float64Array; twIm: Float64Array;
}
const raderPlans = new Map<number, RaderPlan | null>();

function raderSplit(n: number): RaderPlan | null {
  if (raderPlans.has(n)) return raderPlans.get(n)!;
  let plan: RaderPlan | null = null;
  const f = factorize(n);
  const big = f.filter((q) => q > MAX_RADIX);
  if (big.length === 1 && isPlanSize(big[0]! - 1)) {
    const p = big[0]!, s = n / p;
    let g = 2;
    const isPrimitive = (c: number): boolean => { let x = 1; for (let q = 1; q < p - 1; q++) { x = (x * c) % p; if (x === 1) return false; } return true; };
    while (!isPrimitive(g)) g++;
    const gPow = new Int32Array(p - 1), gInvPow = new Int32Array(p - 1);
    for (let q = 0, x = 1; q < p - 1; q++, x = (x * g) % p) gPow[q] = x;
    for (let q = 0; q < p - 1; q++) gInvPow[q] = gPow[(p - 1 - q) % (p - 1)]!;
    const spectrum = (sign: number): [Float64Array, Float64Array] => {
      const br = new Float64Array(p - 1), bi = new Float64Array(p - 1);
      for (let q = 0; q < p - 1; q++) { const a = (-2 * Math.PI * gInvPow[q]!) / p; br[q] = cos(a); bi[q] = sign * sin(a); }
      fftAxis0(br, bi, p - 1, 1, 1);
      for (let q = 0; q < p - 1; q++) { br[q] = br[q]! / (p - 1); bi[q] = bi[q]! / (p - 1); }
      return [br, bi];
    };
    const [bfRe, bfIm] = spectrum(1), [biRe, biIm] = spectrum(-1);
    const twRe = new Float64Array(s * p), twIm = new Float64Array(s * p);
    for (let k1 = 0; k1 < s; k1++) for (let j2 = 0; j2 < p; j2++) {
      const a = (-2 * Math.PI * ((j2 * k1) % n)) / n; // exact integer reduction keeps the angle accurate
      twRe[k1 * p + j2] = cos(a); twIm[k1 * p + j2] = sin(a);
    }
    plan = { kind: 'rader', s, p, gPow, gInvPow, bfRe, bfIm, biRe, biIm, twRe, twIm };
  }
  raderPlans.set(n, plan);
  return plan;
}

let fsRe = new Float64Array(0), fsIm = new Float64Array(0), fs2Re = new Float64Array(0), fs2Im = new Float64Array(0);
let rdRe = new Float64Array(0), rdIm = new Float64Array(0), rd2Re = new Float64Array(0), rd2Im = new Float64Array(0);

/**
 * The DFT of size n = s·p along axis 0 (columns 0..cols−1 of rows `L` apart), four-step: with j = p·j1 + j2 and
 * k = k1 + s·k2, s-point transforms over j1 (all j2 and columns at once), twiddles e^{∓2πi j2 k1/n}, then for each
 * k1 a p-point transform over j2 by Rader: X_0 = a_0 + Σ_q A_q, X_{g^−q} = a_0 + (A ⊛ b)_q with A_r = a_{g^r},
 * b_q = e^{∓2πi g^−q/p}, the cyclic convolution by (p−1)-point FFTs. Σ_q A_q is bin 0 of A's forward transform,
 * so X_0 costs nothing extra. Passes over the data are what this costs (the butterflies are cheap next to the
 * memory traffic), so the steps are fused where they can be: the s-point transforms read the input and leave
 * it free for the output, the twiddles ride on Rader's gather, and the stages ping-pong without copies back.
 */
function fourStepRader(re: Float64Array, im: Float64Array, n: number, L: number, cols: number, inverse: boolean, P: RaderPlan): void {
  const { s, p } = P;
  const sg = inverse ? -1 : 1;
  const size = n * cols;
  if (fsRe.length < size) { fsRe = new Float64Array(size); fsIm = new Float64Array(size); fs2Re = new Float64Array(size); fs2Im = new Float64Array(size); }
  if (rdRe.length < (p - 1) * cols) {
    rdRe = new Float64Array((p - 1) * cols); rdIm = new Float64Array((p - 1) * cols);
    rd2Re = new Float64Array((p - 1) * cols); rd2Im = new Float64Array((p - 1) * cols);
  }
  // 1. s-point transforms over j1: row p·j1 + j2 is row j1 of an s × (p·cols) array (rows must be packed:
  //    with L > cols the columns are gathered first; with s = 1 too, as the output may not overwrite the input)
  let xr = re, xi = im;
  if (L !== cols || s === 1) {
    xr = fs2Re; xi = fs2Im;
    for (let j = 0; j < n; j++) { const o = j * L, w = j * cols; for (let c = 0; c < cols; c++) { xr[w + c] = re[o + c]!; xi[w + c] = im[o + c]!; } }
  }
  const [wr, wi] = runStages(axisPlan(s), s, p * cols, p * cols, sg, xr, xi, fsRe, fsIm, fs2Re, fs2Im);
  const rPlan = axisPlan(p - 1);
  const bRe = inverse ? P.biRe : P.bfRe, bIm = inverse ? P.biIm : P.bfIm;
  for (let k1 = 0; k1 < s; k1++) {
    const blk = k1 * p * cols;
    // 2. Rader's gather A_q = a_{g^q}, with the twiddles e^{∓2πi j2 k1/n} (1 for k1 = 0)
    for (let q = 0; q < p - 1; q++) {
      const j2 = P.gPow[q]!, src = blk + j2 * cols, dst = q * cols;
      if (k1 === 0) { for (let c = 0; c < cols; c++) { rdRe[dst + c] = wr[src + c]!; rdIm[dst + c] = wi[src + c]!; } continue; }
      const x = P.twRe[k1 * p + j2]!, y = sg * P.twIm[k1 * p + j2]!;
      for (let c = 0; c < cols; c++) { const a = wr[src + c]!, b = wi[src + c]!; rdRe[dst + c] = a * x - b * y; rdIm[dst + c] = a * y + b * x; }
    }
    // 3. cyclic convolution with b by (p−1)-point transforms; X_0 = a_0 + (bin 0 of A's transform)
    const [fr, fi] = runStages(rPlan, p - 1, cols, cols, 1, rdRe, rdIm, rd2Re, rd2Im, rdRe, rdIm);
    const out0 = k1 * L;
    for (let c = 0; c < cols; c++) { re[out0 + c] = wr[blk + c]! + fr[c]!; im[out0 + c] = wi[blk + c]! + fi[c]!; }
    for (let q = 0; q < p - 1; q++) {
      const x = bRe[q]!, y = bIm[q]!, o = q * cols;
      for (let c = 0; c < cols; c++) { const a = fr[o + c]!, b = fi[o + c]!; fr[o + c] = a * x - b * y; fi[o + c] = a * y + b * x; }
    }
    const gr = fr === rdRe ? rd2Re : rdRe, gi = fr === rdRe ? rd2Im : rdIm;
    const [cr, ci] = runStages(rPlan, p - 1, cols, cols, -1, fr, fi, gr, gi, fr, fi);
    // 4. X_{g^−q} = a_0 + conv_q, to output row k1 + s·g^−q
    for (let q = 0; q < p - 1; q++) {
      const o = (k1 + s * P.gInvPow[q]!) * L, r0 = q * cols;
      for (let c = 0; c < cols; c++) { re[o + c] = wr[blk + c]! + cr[r0 + c]!; im[o + c] = wi[blk + c]! + ci[r0 + c]!; }
    }
  }
}

function isSmooth235(n: number): boolean {
  while (n % 2 === 0) n /= 2;
  while (n % 3 === 0) n /= 3;
  while (n % 5 === 0) n /= 5;
  return n === 1;
}

// ---------------------------------------------------------------------------------------------------------
// Column-vectorised transforms: the same butterflies applied to whole rows at once, so the inner loops run
// over contiguous memory. Used by the FFT filter, where they are several times faster than per-line calls.

interface AxisPlan { n: number; stages: Stage[] }
const axisPlans = new Map<number, AxisPlan>();

function axisPlan(n: number): AxisPlan {
  let p = axisPlans.get(n);
  if (!p) {
    const factors = factorize(n);
    if (factors.some((f) => f > MAX_RADIX)) throw new RangeError(`fftAxis0 needs a size without prime factors above ${MAX_RADIX}, got ${n}`);
    const stages: Stage[] = [];
    let ns = 1;
    for (const q of factors) {
      const twRe = new Float64Array(ns * q), twIm = new Float64Array(ns * q);
      for (let k = 0; k < ns; k++) for (let r = 0; r < q; r++) {
        const a = (-2 * Math.PI * r * k) / (ns * q);
        twRe[k * q + r] = cos(a); twIm[k * q + r] = sin(a);
      }
      let cs: Float64Array | null = null;
      if (q > 5) {
        cs = new Float64Array(2 * q);
        for (let t = 0; t < q; t++) { const a = (2 * Math.PI * t) / q; cs[2 * t] = cos(a); cs[2 * t + 1] = sin(a); }
      }
      stages.push({ p: q, ns, twRe, twIm, cs });
      ns *= q;
    }
    p = { n, stages };
    axisPlans.set(n, p);
  }
  return p;
}

let vRe = new Float64Array(0), vIm = new Float64Array(0);

/**
 * DFT along axis 0 of an n×stride row-major array, for columns 0..cols−1 (others untouched), in place.
 * n must have no prime factor above 23 (`goodFFTSize` gives 2^a 3^b 5^c ones, the fastest). `inverse` flips the
 * sign (unscaled).
 */
export function fftAxis0(re: Float64Array, im: Float64Array, n: number, stride: number, cols: number, inverse = false): void {
  if (n === 1) return;
  const plan = axisPlan(n);
  const w = wasmFFT();
  if (w) { axis0Wasm(w, re, im, n, stride, cols, inverse, null); return; }
  if (vRe.length < n * stride) { vRe = new Float64Array(n * stride); vIm = new Float64Array(n * stride); }
  const [xr, xi] = runStages(plan, n, stride, cols, inverse ? -1 : 1, re, im, vRe, vIm, re, im);
  if (xr !== re) {
    for (let r = 0; r < n; r++) {
      const o = r * stride;
      for (let c = 0; c < cols; c++) { re[o + c] = xr[o + c]!; im[o + c] = xi[o + c]!; }
    }
  }
}

/**
 * The stages of `plan` out of place: the first reads (xr, xi), the others ping-pong between (ar, ai) and
 * (br, bi) — (br, bi) may be (xr, xi) itself, which the first stage has consumed. Returns the pair holding the
 * result, so callers that can use either buffer skip the copy back.
 */
function runStages(plan: AxisPlan, n: number, L: number, cols: number, s: number, xr: Float64Array, xi: Float64Array, ar: Float64Array, ai: Float64Array, br: Float64Array, bi: Float64Array): [Float64Array, Float64Array] {
  let sr = xr, si = xi;
  for (const st of plan.stages) {
    const dr = sr === ar ? br : ar, di = sr === ar ? bi : ai;
    vstage(st, n, L, cols, s, sr, si, dr, di);
    sr = dr; si = di;
  }
  return [sr, si];
}

function vstage(st: Stage, n: number, L: number, cols: number, s: number, xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array): void {
  const { p, ns, twRe, twIm } = st;
  const m = n / p;
  for (let k = 0; k < ns; k++) {
    const t = k * p;
    for (let j = k; j < m; j += ns) {
      const d = (j - k) * p + k;
      const i0 = j * L, o0 = d * L;
      if (p === 2) {
        const wr = twRe[t + 1]!, wi = s * twIm[t + 1]!;
        const i1 = i0 + m * L, o1 = o0 + ns * L;
        for (let c = 0; c < cols; c++) {
          const ar = xr[i0 + c]!, ai = xi[i0 + c]!, br = xr[i1 + c]!, bi = xi[i1 + c]!;
          const tr = br * wr - bi * wi, ti = br * wi + bi * wr;
          yr[o0 + c] = ar + tr; yi[o0 + c] = ai + ti;
          yr[o1 + c] = ar - tr; yi[o1 + c] = ai - ti;
        }
      } else if (p === 4) {
        const w1r = twRe[t + 1]!, w1i = s * twIm[t + 1]!, w2r = twRe[t + 2]!, w2i = s * twIm[t + 2]!, w3r = twRe[t + 3]!, w3i = s * twIm[t + 3]!;
        const i1 = i0 + m * L, i2 = i1 + m * L, i3 = i2 + m * L;
        const o1 = o0 + ns * L, o2 = o1 + ns * L, o3 = o2 + ns * L;
        for (let c = 0; c < cols; c++) {
          const a0r = xr[i0 + c]!, a0i = xi[i0 + c]!;
          let ur = xr[i1 + c]!, ui = xi[i1 + c]!;
          const a1r = ur * w1r - ui * w1i, a1i = ur * w1i + ui * w1r;
          ur = xr[i2 + c]!; ui = xi[i2 + c]!;
          const a2r = ur * w2r - ui * w2i, a2i = ur * w2i + ui * w2r;
          ur = xr[i3 + c]!; ui = xi[i3 + c]!;
          const a3r = ur * w3r - ui * w3i, a3i = ur * w3i + ui * w3r;
          const t0r = a0r + a2r, t0i = a0i + a2i, t1r = a0r - a2r, t1i = a0i - a2i;
          const t2r = a1r + a3r, t2i = a1i + a3i, t3r = s * (a1r - a3r), t3i = s * (a1i - a3i);
          yr[o0 + c] = t0r + t2r; yi[o0 + c] = t0i + t2i;
          yr[o2 + c] = t0r - t2r; yi[o2 + c] = t0i - t2i;
          yr[o1 + c] = t1r + t3i; yi[o1 + c] = t1i - t3r;
          yr[o3 + c] = t1r - t3i; yi[o3 + c] = t1i + t3r;
        }
      } else if (p === 3) {
        const w1r = twRe[t + 1]!, w1i = s * twIm[t + 1]!, w2r = twRe[t + 2]!, w2i = s * twIm[t + 2]!;
        const i1 = i0 + m * L, i2 = i1 + m * L, o1 = o0 + ns * L, o2 = o1 + ns * L;
        const S = s * S3;
        for (let c = 0; c < cols; c++) {
          const a0r = xr[i0 + c]!, a0i = xi[i0 + c]!;
          let ur = xr[i1 + c]!, ui = xi[i1 + c]!;
          const a1r = ur * w1r - ui * w1i, a1i = ur * w1i + ui * w1r;
          ur = xr[i2 + c]!; ui = xi[i2 + c]!;
          const a2r = ur * w2r - ui * w2i, a2i = ur * w2i + ui * w2r;
          const sr = a1r + a2r, si = a1i + a2i, dr = a1r - a2r, di = a1i - a2i;
          const mr = a0r + C3 * sr, mi = a0i + C3 * si;
          yr[o0 + c] = a0r + sr; yi[o0 + c] = a0i + si;
          yr[o1 + c] = mr + S * di; yi[o1 + c] = mi - S * dr;
          yr[o2 + c] = mr - S * di; yi[o2 + c] = mi + S * dr;
        }
      } else if (p === 5) {
        const w1r = twRe[t + 1]!, w1i = s * twIm[t + 1]!, w2r = twRe[t + 2]!, w2i = s * twIm[t + 2]!;
        const w3r = twRe[t + 3]!, w3i = s * twIm[t + 3]!, w4r = twRe[t + 4]!, w4i = s * twIm[t + 4]!;
        const i1 = i0 + m * L, i2 = i1 + m * L, i3 = i2 + m * L, i4 = i3 + m * L;
        const o1 = o0 + ns * L, o2 = o1 + ns * L, o3 = o2 + ns * L, o4 = o3 + ns * L;
        const s51 = s * S51, s52 = s * S52;
        for (let c = 0; c < cols; c++) {
          const a0r = xr[i0 + c]!, a0i = xi[i0 + c]!;
          let ur = xr[i1 + c]!, ui = xi[i1 + c]!;
          const a1r = ur * w1r - ui * w1i, a1i = ur * w1i + ui * w1r;
          ur = xr[i2 + c]!; ui = xi[i2 + c]!;
          const a2r = ur * w2r - ui * w2i, a2i = ur * w2i + ui * w2r;
          ur = xr[i3 + c]!; ui = xi[i3 + c]!;
          const a3r = ur * w3r - ui * w3i, a3i = ur * w3i + ui * w3r;
          ur = xr[i4 + c]!; ui = xi[i4 + c]!;
          const a4r = ur * w4r - ui * w4i, a4i = ur * w4i + ui * w4r;
          const s1r = a1r + a4r, s1i = a1i + a4i, d1r = a1r - a4r, d1i = a1i - a4i;
          const s2r = a2r + a3r, s2i = a2i + a3i, d2r = a2r - a3r, d2i = a2i - a3i;
          const m1r = a0r + C51 * s1r + C52 * s2r, m1i = a0i + C51 * s1i + C52 * s2i;
          const m2r = a0r + C52 * s1r + C51 * s2r, m2i = a0i + C52 * s1i + C51 * s2i;
          const n1r = s51 * d1r + s52 * d2r, n1i = s51 * d1i + s52 * d2i;
          const n2r = s52 * d1r - s51 * d2r, n2i = s52 * d1i - s51 * d2i;
          yr[o0 + c] = a0r + s1r + s2r; yi[o0 + c] = a0i + s1i + s2i;
          yr[o1 + c] = m1r + n1i; yi[o1 + c] = m1i - n1r;
          yr[o4 + c] = m1r - n1i; yi[o4 + c] = m1i + n1r;
          yr[o2 + c] = m2r + n2i; yi[o2 + c] = m2i - n2r;
          yr[o3 + c] = m2r - n2i; yi[o3 + c] = m2i + n2r;
        }
      } else vstageGeneric(st, t, i0, o0, m * L, ns * L, cols, s, xr, xi, yr, yi);
    }
  }
}

let gsRe = new Float64Array(0), gsIm = new Float64Array(0), gdRe = new Float64Array(0), gdIm = new Float64Array(0);

/**
 * One butterfly group of an odd prime radix p ≥ 7 (the `rg` kernel's twin, same operations in the same order): the
 * inputs a_r = x_r·w_r (rows `istep` apart), s_k = a_k + a_{p−k}, d_k = a_k − a_{p−k}, y_0 = a_0 + s_1 + … + s_h and
 * for m = 1 … h, with P = a_0 + Σ_k C_{mk} s_k and Q = 0 + Σ_k S_{mk} d_k (sums in k order, S signed),
 * y_m = P − iQ, y_{p−m} = P + iQ.
 */
function vstageGeneric(st: Stage, t: number, i0: number, o0: number, istep: number, ostep: number, cols: number, s: number, xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array): void {
  const { p, twRe, twIm } = st, cs = st.cs!, h = (p - 1) >> 1;
  if (gsRe.length <= h) { gsRe = new Float64Array(h + 1); gsIm = new Float64Array(h + 1); gdRe = new Float64Array(h + 1); gdIm = new Float64Array(h + 1); }
  for (let c = 0; c < cols; c++) {
    const a0r = xr[i0 + c]!, a0i = xi[i0 + c]!;
    let y0r = a0r, y0i = a0i;
    for (let k = 1; k <= h; k++) {
      let ur = xr[i0 + k * istep + c]!, ui = xi[i0 + k * istep + c]!;
      let wr = twRe[t + k]!, wi = s * twIm[t + k]!;
      const ar = ur * wr - ui * wi, ai = ur * wi + ui * wr;
      ur = xr[i0 + (p - k) * istep + c]!; ui = xi[i0 + (p - k) * istep + c]!;
      wr = twRe[t + p - k]!; wi = s * twIm[t + p - k]!;
      const br = ur * wr - ui * wi, bi = ur * wi + ui * wr;
      const sr = ar + br, si = ai + bi;
      gsRe[k] = sr; gsIm[k] = si; gdRe[k] = ar - br; gdIm[k] = ai - bi;
      y0r = y0r + sr; y0i = y0i + si;
    }
    yr[o0 + c] = y0r; yi[o0 + c] = y0i;
    for (let m = 1; m <= h; m++) {
      let pr = a0r, pi = a0i, qr = 0, qi = 0;
      for (let k = 1, u = m; k <= h; k++) {
        const C = cs[2 * u]!, S = s * cs[2 * u + 1]!;
        pr = pr + C * gsRe[k]!; pi = pi + C * gsIm[k]!; qr = qr + S * gdRe[k]!; qi = qi + S * gdIm[k]!;
        u += m; if (u >= p) u -= p;
      }
      const a = o0 + m * ostep + c, b = o0 + (p - m) * ostep + c;
      yr[a] = pr + qi; yi[a] = pi - qr; yr[b] = pr - qi; yi[b] = pi + qr;
    }
  }
}

/** Blocked transpose of rows×cols (re, im) into cols×rows. */
export function transposeComplex(sr: Float64Array, si: Float64Array, rows: number, cols: number, dr: Float64Array, di: Float64Array): void {
  const B = 32;
  for (let r0 = 0; r0 < rows; r0 += B) {
    const r1 = Math.min(rows, r0 + B);
    for (let c0 = 0; c0 < cols; c0 += B) {
      const c1 = Math.min(cols, c0 + B);
      for (let r = r0; r < r1; r++) {
        const o = r * cols;
        for (let c = c0; c < c1; c++) { dr[c * rows + r] = sr[o + c]!; di[c * rows + r] = si[o + c]!; }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// The same transforms with the butterflies and row operations in WebAssembly SIMD (`wasm/fft.wat`), two
// columns per instruction. The drivers below mirror `runStages`/`vstage` and `fourStepRader` step for step and
// pass the same twiddles, and every kernel does the twin's float64 operations in the twin's order, so both
// paths give identical bits (the choice must not change outputs: a seed gives the same bytes everywhere).

export interface WasmFFT {
  memory: WebAssembly.Memory;
  r2: (xr: number, xi: number, yr: number, yi: number, istep: number, ostep: number, cols: number, w1r: number, w1i: number) => void;
  r3: (xr: number, xi: number, yr: number, yi: number, istep: number, ostep: number, cols: number, w1r: number, w1i: number, w2r: number, w2i: number, c3: number, s3: number) => void;
  r4: (xr: number, xi: number, yr: number, yi: number, istep: number, ostep: number, cols: number, w1r: number, w1i: number, w2r: number, w2i: number, w3r: number, w3i: number, s: number) => void;
  r5: (xr: number, xi: number, yr: number, yi: number, istep: number, ostep: number, cols: number, w1r: number, w1i: number, w2r: number, w2i: number, w3r: number, w3i: number, w4r: number, w4i: number, c51: number, c52: number, s51: number, s52: number) => void;
  cmul: (xr: number, xi: number, yr: number, yi: number, cols: number, wr: number, wi: number) => void;
  cadd: (ar: number, ai: number, br: number, bi: number, yr: number, yi: number, cols: number) => void;
  rg: (xr: number, xi: number, yr: number, yi: number, istep: number, ostep: number, cols: number, p: number, tw: number, cs: number, scr: number) => void;
  // the real-input filter's steps between its transforms (blur.ts `filterRealModule`)
  rpack: (img: number, ys: number, xs: number, ar: number, ai: number, ph: number, c: number, jp: number) => void;
  rsplit: (ar: number, ai: number, br: number, bi: number, ph: number, pw: number, c: number, j: number, jp: number, rows: number, rp: number) => void;
  gmul: (xr: number, xi: number, yr: number, yi: number, gr: number, gi: number, pw: number, c: number, rp: number) => void;
  rpair: (br: number, bi: number, z: number, ar: number, ai: number, ph: number, pw: number, c: number, jp: number, rows: number, rp: number) => void;
  rcrop: (ar: number, ai: number, out: number, w: number, h: number, c: number, p: number, jp: number) => void;
  kspec: (cr: number, ci: number, er: number, ei: number, gr: number, gi: number, k: number, pw: number, rp: number, mode: number, eps: number, scale: number) => void;
}
const getWasmFFT = lazySimdKernel<WasmFFT>(fftWasmBase64);
let simdAllowed = true;

/**
 * Turns the WebAssembly SIMD path of the transforms off (or back on), for tests and comparisons: the
 * TypeScript loops then run, with identical results.
 */
export function setFFTSimd(enabled: boolean): void { simdAllowed = enabled; }

function wasmFFT(): WasmFFT | null { return simdAllowed ? getWasmFFT() : null; }

/** The FFT module for callers that keep their data in its memory (null on the TypeScript path, as `dftAxis0`). */
export function fftModule(): WasmFFT | null { return wasmFFT(); }

/** A complex array in the module's memory: byte addresses of its real and imaginary parts. */
export interface WBuf { r: number; i: number }

/**
 * Bytes of the module's memory that one pass may use. Columns are independent, so wide arrays go through in strips
 * of columns with the same bits; without the bound a large image's transform would grow the memory (which never
 * shrinks) to six times the array, for the life of the process, and past WebAssembly's 4 GiB for 8K frames.
 */
const WASM_FFT_BYTES = 16 * 2 ** 20;

/** For tests: the size of the FFT module's memory (0 before its first use). */
export function fftKernelBytes(): number {
  const w = simdAllowed ? getWasmFFT() : null;
  return w ? w.memory.buffer.byteLength : 0;
}

/**
 * The first bytes of the module's memory hold the tables of the generic radix-p kernel (`rg`): its twiddles (TW),
 * its constants (CS) and its scratch (SCR), sized for p ≤ MAX_RADIX. The arrays follow.
 */
const TW = 0, CS = 512, SCR = 1024, HDR = 2048;

/**
 * `fftAxis0` (plan null), `fourStepRader` or `bluestein` in the module, in strips of columns that fit
 * WASM_FFT_BYTES.
 */
function axis0Wasm(w: WasmFFT, re: Float64Array, im: Float64Array, n: number, L: number, cols: number, inverse: boolean, plan: RaderPlan | ChirpPlan | null): void {
  const perColumn = 8 * (plan?.kind === 'chirp' ? 4 * plan.m : 6 * n + (plan ? 4 * (plan.p - 1) : 0));
  const strip = Math.max(2, Math.floor((WASM_FFT_BYTES - HDR) / perColumn) & ~1);
  for (let c0 = 0; c0 < cols; c0 += strip) axis0WasmStrip(w, re, im, n, L, c0, Math.min(strip, cols - c0), inverse, plan);
}

/**
 * Columns c0 … c0 + cols − 1 copied in, rows padded to an even length (the kernels step two columns at a time; the
 * pad column is scratch), transformed there, copied back.
 */
function axis0WasmStrip(w: WasmFFT, re: Float64Array, im: Float64Array, n: number, L: number, c0: number, cols: number, inverse: boolean, plan: RaderPlan | ChirpPlan | null): void {
  const Lw = cols + (cols & 1);
  const rp = plan?.kind === 'rader' ? plan : null, cp = plan?.kind === 'chirp' ? plan : null;
  // plain and Rader: input/output X, ping-pong A and B (n rows each), Rader's R1 and R2 (p − 1 rows);
  // Bluestein: W and A of m rows, the input loaded into W's first n rows
  const sz = (cp ? cp.m : n) * Lw * 8, rsz = rp ? (rp.p - 1) * Lw * 8 : 0;
  const buf = wasmMemory(w.memory, HDR + (cp ? 4 * sz : 6 * sz + 4 * rsz));
  const f = new Float64Array(buf);
  const X: WBuf = { r: HDR, i: HDR + sz }, A: WBuf = { r: HDR + 2 * sz, i: HDR + 3 * sz }, B: WBuf = { r: HDR + 4 * sz, i: HDR + 5 * sz };
  // with s = 1 the (absent) s-point stages would leave the input in place, where the output goes: load into A
  const into = rp && rp.s === 1 ? A : X;
  // Whole rows move in one copy only when they hold exactly the columns to transform: with odd `cols` and
  // L = cols + 1 the pad column is the caller's column `cols`, which must come back untouched.
  const packed = c0 === 0 && L === cols && L === Lw;
  if (packed) { f.set(re.subarray(0, n * L), into.r / 8); f.set(im.subarray(0, n * L), into.i / 8); }
  else {
    for (let j = 0; j < n; j++) {
      const o = j * L + c0, d = j * Lw;
      f.set(re.subarray(o, o + cols), into.r / 8 + d); f.set(im.subarray(o, o + cols), into.i / 8 + d);
      if (Lw !== cols) { f[into.r / 8 + d + cols] = 0; f[into.i / 8 + d + cols] = 0; }
    }
  }
  const s = inverse ? -1 : 1;
  let res: WBuf;
  if (rp) {
    const R1: WBuf = { r: HDR + 6 * sz, i: HDR + 6 * sz + rsz }, R2: WBuf = { r: HDR + 6 * sz + 2 * rsz, i: HDR + 6 * sz + 3 * rsz };
    fourStepRaderWasm(w, f, n, Lw, inverse, rp, into, A, B, R1, R2, X);
    res = X;
  } else if (cp) res = bluesteinWasm(w, f, n, Lw, inverse, cp, X, A);
  else res = runStagesWasm(w, axisPlan(n), n, Lw, Lw, s, X, A, B);
  if (packed) { re.set(f.subarray(res.r / 8, res.r / 8 + n * L)); im.set(f.subarray(res.i / 8, res.i / 8 + n * L)); }
  else {
    for (let j = 0; j < n; j++) {
      const o = res.r / 8 + j * Lw, oi = res.i / 8 + j * Lw;
      re.set(f.subarray(o, o + cols), j * L + c0); im.set(f.subarray(oi, oi + cols), j * L + c0);
    }
  }
}

/** `bluestein` in the module: input in W's first n rows, W and A m rows each; returns where the output is. */
function bluesteinWasm(w: WasmFFT, f: Float64Array, n: number, cols: number, inverse: boolean, P: ChirpPlan, W: WBuf, A: WBuf): WBuf {
  const { m, cr, ci, crm, cim } = P;
  const sg = inverse ? -1 : 1, row = cols * 8;
  for (let j = 0; j < n; j++) w.cmul(W.r + j * row, W.i + j * row, W.r + j * row, W.i + j * row, cols, cr[j]!, sg * ci[j]!);
  f.fill(0, (W.r + n * row) / 8, (W.r + m * row) / 8); f.fill(0, (W.i + n * row) / 8, (W.i + m * row) / 8);
  const plan = axisPlan(m);
  const F = runStagesWasm(w, plan, m, cols, cols, 1, W, A, W);
  const bRe = inverse ? P.biRe : P.bfRe, bIm = inverse ? P.biIm : P.bfIm;
  for (let j = 0; j < m; j++) w.cmul(F.r + j * row, F.i + j * row, F.r + j * row, F.i + j * row, cols, bRe[j]!, bIm[j]!);
  const V = runStagesWasm(w, plan, m, cols, cols, -1, F, F === W ? A : W, F);
  for (let j = 0; j < n; j++) w.cmul(V.r + j * row, V.i + j * row, V.r + j * row, V.i + j * row, cols, crm[j]!, sg * cim[j]!);
  return V;
}

/** `runStages` in the module (x, a, b as there; b may be x). */
function runStagesWasm(w: WasmFFT, plan: AxisPlan, n: number, L: number, cols: number, s: number, x: WBuf, a: WBuf, b: WBuf): WBuf {
  let src = x;
  for (const st of plan.stages) {
    const dst = src === a ? b : a;
    vstageWasm(w, st, n, L, cols, s, src, dst);
    src = dst;
  }
  return src;
}

/** `vstage` in the module: one kernel call per butterfly row group, with the twin's twiddles. */
function vstageWasm(w: WasmFFT, st: Stage, n: number, L: number, cols: number, s: number, x: WBuf, y: WBuf): void {
  const { p, ns, twRe, twIm } = st;
  const m = n / p, istep = m * L * 8, ostep = ns * L * 8;
  if (p > 5) {
    // the generic kernel reads its constants and the group's twiddles (signed) from the tables at TW and CS
    const hdr = new Float64Array(w.memory.buffer, 0, HDR / 8), cs = st.cs!;
    for (let t = 0; t < p; t++) { hdr[CS / 8 + 2 * t] = cs[2 * t]!; hdr[CS / 8 + 2 * t + 1] = s * cs[2 * t + 1]!; }
    for (let k = 0; k < ns; k++) {
      const t = k * p;
      for (let r = 1; r < p; r++) { hdr[TW / 8 + 2 * r - 2] = twRe[t + r]!; hdr[TW / 8 + 2 * r - 1] = s * twIm[t + r]!; }
      for (let j = k; j < m; j += ns) {
        const i0 = j * L * 8, o0 = ((j - k) * p + k) * L * 8;
        w.rg(x.r + i0, x.i + i0, y.r + o0, y.i + o0, istep, ostep, cols, p, TW, CS, SCR);
      }
    }
    return;
  }
  for (let k = 0; k < ns; k++) {
    const t = k * p;
    for (let j = k; j < m; j += ns) {
      const i0 = j * L * 8, o0 = ((j - k) * p + k) * L * 8;
      const xr = x.r + i0, xi = x.i + i0, yr = y.r + o0, yi = y.i + o0;
      if (p === 2) w.r2(xr, xi, yr, yi, istep, ostep, cols, twRe[t + 1]!, s * twIm[t + 1]!);
      else if (p === 4) w.r4(xr, xi, yr, yi, istep, ostep, cols, twRe[t + 1]!, s * twIm[t + 1]!, twRe[t + 2]!, s * twIm[t + 2]!, twRe[t + 3]!, s * twIm[t + 3]!, s);
      else if (p === 3) w.r3(xr, xi, yr, yi, istep, ostep, cols, twRe[t + 1]!, s * twIm[t + 1]!, twRe[t + 2]!, s * twIm[t + 2]!, C3, s * S3);
      else w.r5(xr, xi, yr, yi, istep, ostep, cols, twRe[t + 1]!, s * twIm[t + 1]!, twRe[t + 2]!, s * twIm[t + 2]!, twRe[t + 3]!, s * twIm[t + 3]!, twRe[t + 4]!, s * twIm[t + 4]!, C51, C52, s * S51, s * S52);
    }
  }
}

/** `fourStepRader` in the module: input at `x`, the s-point stages ping-pong in a/b, output to `out`. */
function fourStepRaderWasm(w: WasmFFT, f: Float64Array, n: number, cols: number, inverse: boolean, P: RaderPlan, x: WBuf, a: WBuf, b: WBuf, R1: WBuf, R2: WBuf, out: WBuf): void {
  const { s, p } = P;
  const sg = inverse ? -1 : 1, row = cols * 8;
  const W = runStagesWasm(w, axisPlan(s), s, p * cols, p * cols, sg, x, a, b);
  const rPlan = axisPlan(p - 1);
  const bRe = inverse ? P.biRe : P.bfRe, bIm = inverse ? P.biIm : P.bfIm;
  for (let k1 = 0; k1 < s; k1++) {
    const blk = k1 * p * row;
    for (let q = 0; q < p - 1; q++) {
      const j2 = P.gPow[q]!, src = blk + j2 * row, dst = q * row;
      if (k1 === 0) {
        f.copyWithin((R1.r + dst) / 8, (W.r + src) / 8, (W.r + src) / 8 + cols);
        f.copyWithin((R1.i + dst) / 8, (W.i + src) / 8, (W.i + src) / 8 + cols);
      } else w.cmul(W.r + src, W.i + src, R1.r + dst, R1.i + dst, cols, P.twRe[k1 * p + j2]!, sg * P.twIm[k1 * p + j2]!);
    }
    const F = runStagesWasm(w, rPlan, p - 1, cols, cols, 1, R1, R2, R1);
    w.cadd(W.r + blk, W.i + blk, F.r, F.i, out.r + k1 * row, out.i + k1 * row, cols);
    for (let q = 0; q < p - 1; q++) w.cmul(F.r + q * row, F.i + q * row, F.r + q * row, F.i + q * row, cols, bRe[q]!, bIm[q]!);
    const Cv = runStagesWasm(w, rPlan, p - 1, cols, cols, -1, F, F === R1 ? R2 : R1, F);
    for (let q = 0; q < p - 1; q++) {
      const o = (k1 + s * P.gInvPow[q]!) * row;
      w.cadd(W.r + blk, W.i + blk, Cv.r + q * row, Cv.i + q * row, out.r + o, out.i + o, cols);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Transforms of arrays that live in the module's memory (callers that chain several steps there, like the
// real-input filter of blur.ts, so no copy in and out per transform). The memory is laid out as the header,
// then `axis0ModuleScratch` bytes of scratch from MODULE_SCRATCH, then the caller's data.

/** Byte address where the scratch of `axis0Module` starts (the caller's data goes after the scratch). */
export const MODULE_SCRATCH = HDR;

type AxisKind = RaderPlan | ChirpPlan | null;
function axisKind(n: number): AxisKind { return isPlanSize(n) ? null : raderSplit(n) ?? chirpPlan(n); }

/** Scratch bytes for all Lw columns at once with the input and output in place (or, for Bluestein, in W). */
function inPlaceBytes(n: number, Lw: number, plan: AxisKind): number {
  if (plan?.kind === 'chirp') return 32 * plan.m * Lw;
  return 32 * n * Lw + (plan ? 32 * (plan.p - 1) * Lw : 0);
}

/** Scratch bytes per column of a strip (copied in, transformed as `axis0WasmStrip` does, copied back). */
function stripBytesPerColumn(n: number, plan: AxisKind): number {
  return 8 * (plan?.kind === 'chirp' ? 2 * n + 4 * plan.m : 6 * n + (plan ? 4 * (plan.p - 1) : 0));
}

/**
 * The scratch `axis0Module` needs for an n × Lw array given at most `cap` bytes: everything at once when that fits,
 * else strips of columns in `cap` (at least two columns' worth), so the module's memory stays bounded.
 */
export function axis0ModuleScratch(n: number, Lw: number, cap: number): number {
  if (n === 1) return 0;
  const plan = axisKind(n), whole = inPlaceBytes(n, Lw, plan);
  return whole <= cap ? whole : Math.max(cap, 2 * stripBytesPerColumn(n, plan));
}

let heapF = new Float64Array(0);
function heap(w: WasmFFT): Float64Array {
  if (heapF.buffer !== w.memory.buffer) heapF = new Float64Array(w.memory.buffer);
  return heapF;
}

/**
 * `dftAxis0` of an n × Lw array (Lw even, all columns) at X in the module's memory, with `scratch` bytes from
 * MODULE_SCRATCH (at least `axis0ModuleScratch(n, Lw)`; the memory must already hold it: nothing grows here).
 * X must lie outside the scratch. Returns where the result is: X, or a buffer in the scratch (read it before the
 * next call). Same bits per column as `dftAxis0`.
 */
export function axis0Module(w: WasmFFT, n: number, Lw: number, inverse: boolean, X: WBuf, scratch: number): WBuf {
  if (n === 1) return X;
  const plan = axisKind(n), f = heap(w), S = MODULE_SCRATCH;
  if (inPlaceBytes(n, Lw, plan) <= scratch) return axis0ModuleAt(w, f, n, Lw, inverse, plan, X, S);
  // strips: copied into the scratch (row by row, within the module), transformed there, copied back
  const cols = Math.floor(scratch / stripBytesPerColumn(n, plan)) & ~1;
  for (let c0 = 0; c0 < Lw; c0 += cols) {
    const sc = Math.min(cols, Lw - c0), sz = n * sc * 8;
    const Xs: WBuf = { r: S, i: S + sz };
    for (let j = 0; j < n; j++) {
      const o = j * Lw + c0;
      f.copyWithin(Xs.r / 8 + j * sc, X.r / 8 + o, X.r / 8 + o + sc); f.copyWithin(Xs.i / 8 + j * sc, X.i / 8 + o, X.i / 8 + o + sc);
    }
    const res = axis0ModuleAt(w, f, n, sc, inverse, plan, Xs, S + 2 * sz);
    for (let j = 0; j < n; j++) {
      const o = j * Lw + c0;
      f.copyWithin(X.r / 8 + o, res.r / 8 + j * sc, res.r / 8 + j * sc + sc); f.copyWithin(X.i / 8 + o, res.i / 8 + j * sc, res.i / 8 + j * sc + sc);
    }
  }
  return X;
}

/** The transform of X (n × Lw) with ping-pong buffers from byte S on; see `axis0Module`. */
function axis0ModuleAt(w: WasmFFT, f: Float64Array, n: number, Lw: number, inverse: boolean, plan: AxisKind, X: WBuf, S: number): WBuf {
  const sz = (plan?.kind === 'chirp' ? plan.m : n) * Lw * 8;
  const A: WBuf = { r: S, i: S + sz }, B: WBuf = { r: S + 2 * sz, i: S + 3 * sz };
  if (!plan) return runStagesWasm(w, axisPlan(n), n, Lw, Lw, inverse ? -1 : 1, X, A, B);
  if (plan.kind === 'rader') {
    const rsz = (plan.p - 1) * Lw * 8;
    const R1: WBuf = { r: S + 4 * sz, i: S + 4 * sz + rsz }, R2: WBuf = { r: S + 4 * sz + 2 * rsz, i: S + 4 * sz + 3 * rsz };
    // with s = 1 there are no s-point stages to move the input out of the way of the output: a copy does
    let into = X;
    if (plan.s === 1) {
      f.copyWithin(A.r / 8, X.r / 8, X.r / 8 + n * Lw); f.copyWithin(A.i / 8, X.i / 8, X.i / 8 + n * Lw);
      into = A;
    }
    fourStepRaderWasm(w, f, n, Lw, inverse, plan, into, A, B, R1, R2, X);
    return X;
  }
  // Bluestein works in m rows: the input goes to the first n of W (= A here)
  f.copyWithin(A.r / 8, X.r / 8, X.r / 8 + n * Lw); f.copyWithin(A.i / 8, X.i / 8, X.i / 8 + n * Lw);
  return bluesteinWasm(w, f, n, Lw, inverse, plan, A, B);
}
