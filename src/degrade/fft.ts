/**
 * A small mixed-radix (2, 3, 4, 5) complex FFT, Stockham autosort, vectorised over whole rows (the inner
 * loops run over contiguous memory). Sizes with one larger prime p (p − 1 smooth) take a four-step split with
 * Rader's algorithm; any other size Bluestein's chirp-z transform. Twiddles come from the deterministic sin/cos
 * of `detmath.ts`, so results agree across JavaScript engines.
 * Used for large-kernel filtering and the Wiener/UDC operators.
 */
import { cos, sin } from './detmath.js';

interface Stage { p: number; ns: number; twRe: Float64Array; twIm: Float64Array }

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

/** Chirp data of a vectorised Bluestein transform of size n (sizes with a prime factor above 5). */
interface ChirpPlan { n: number; m: number; cr: Float64Array; ci: Float64Array; br: Float64Array; bi: Float64Array }
const chirpPlans = new Map<number, ChirpPlan>();

function chirpPlan(n: number): ChirpPlan {
  let p = chirpPlans.get(n);
  if (!p) {
    const m = goodFFTSize(2 * n - 1);
    const cr = new Float64Array(n), ci = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      const a = (-Math.PI * ((j * j) % (2 * n))) / n; // exact integer reduction keeps the angle accurate
      cr[j] = cos(a); ci[j] = sin(a);
    }
    const br = new Float64Array(m), bi = new Float64Array(m);
    br[0] = cr[0]!; bi[0] = -ci[0]!;
    for (let j = 1; j < n; j++) { br[j] = cr[j]!; bi[j] = -ci[j]!; br[m - j] = cr[j]!; bi[m - j] = -ci[j]!; }
    fftAxis0(br, bi, m, 1, 1);
    p = { n, m, cr, ci, br, bi };
    chirpPlans.set(n, p);
  }
  return p;
}

let wRe = new Float64Array(0), wIm = new Float64Array(0);

/**
 * DFT along axis 0 of an n×L row-major array, columns 0..cols−1, in place, for any n: `fftAxis0` when n is
 * 2^a 3^b 5^c, four-step + Rader when n = smooth·p (`raderSplit`), else Bluestein's chirp-z transform with
 * whole rows as the vector unit, x_k = c_k Σ_j (x_j c_j) conj(c)_{k−j} with c_j = e^{−iπj²/n}, the convolution
 * done by size-m FFTs (m ≥ 2n − 1 fast).
 */
export function dftAxis0(re: Float64Array, im: Float64Array, n: number, L: number, cols: number, inverse = false): void {
  if (n === 1) return;
  if (isSmooth235(n)) { fftAxis0(re, im, n, L, cols, inverse); return; }
  const rp = raderSplit(n);
  if (rp) { fourStepRader(re, im, n, L, cols, inverse, rp); return; }
  const { m, cr, ci, br, bi } = chirpPlan(n);
  const sg = inverse ? -1 : 1; // the inverse is the forward transform of the conjugate, conjugated
  if (wRe.length < m * cols) { wRe = new Float64Array(m * cols); wIm = new Float64Array(m * cols); }
  for (let j = 0; j < n; j++) {
    const c = cr[j]!, d = ci[j]!, o = j * L, w = j * cols;
    for (let k = 0; k < cols; k++) {
      const xr = re[o + k]!, xi = sg * im[o + k]!;
      wRe[w + k] = xr * c - xi * d; wIm[w + k] = xr * d + xi * c;
    }
  }
  wRe.fill(0, n * cols, m * cols); wIm.fill(0, n * cols, m * cols);
  fftAxis0(wRe, wIm, m, cols, cols);
  for (let j = 0; j < m; j++) {
    const x = br[j]!, y = bi[j]!, w = j * cols;
    for (let k = 0; k < cols; k++) {
      const a = wRe[w + k]!, b = wIm[w + k]!;
      wRe[w + k] = a * x - b * y; wIm[w + k] = a * y + b * x;
    }
  }
  fftAxis0(wRe, wIm, m, cols, cols, true);
  for (let j = 0; j < n; j++) {
    const c = cr[j]! / m, d = ci[j]! / m, o = j * L, w = j * cols;
    for (let k = 0; k < cols; k++) {
      const a = wRe[w + k]!, b = wIm[w + k]!;
      re[o + k] = a * c - b * d; im[o + k] = sg * (a * d + b * c);
    }
  }
}

/**
 * n = s·p with s 2^a 3^b 5^c and one prime p > 5 whose p − 1 is 2^a 3^b 5^c (296 = 8·37, the Wiener frame of a
 * 256² image): then a four-step split with Rader's algorithm for the p-point transforms costs about a third of
 * Bluestein's. Null for other sizes (Bluestein handles them).
 */
interface RaderPlan {
  s: number; p: number;
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
  const big = f.filter((q) => q > 5);
  if (big.length === 1 && isSmooth235(big[0]! - 1)) {
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
    plan = { s, p, gPow, gInvPow, bfRe, bfIm, biRe, biIm, twRe, twIm };
  }
  raderPlans.set(n, plan);
  return plan;
}

let fsRe = new Float64Array(0), fsIm = new Float64Array(0), rdRe = new Float64Array(0), rdIm = new Float64Array(0);

/**
 * The DFT of size n = s·p along axis 0 (columns 0..cols−1 of rows `L` apart), four-step: with j = p·j1 + j2 and
 * k = k1 + s·k2, s-point transforms over j1 (all j2 and columns at once), twiddles e^{∓2πi j2 k1/n}, then for each
 * k1 a p-point transform over j2 by Rader: X_0 = Σ a_j, X_{g^−q} = a_0 + (A ⊛ b)_q with A_r = a_{g^r},
 * b_q = e^{∓2πi g^−q/p}, the cyclic convolution by (p−1)-point FFTs.
 */
function fourStepRader(re: Float64Array, im: Float64Array, n: number, L: number, cols: number, inverse: boolean, P: RaderPlan): void {
  const { s, p } = P;
  const sg = inverse ? -1 : 1;
  const size = n * cols;
  if (fsRe.length < size) { fsRe = new Float64Array(size); fsIm = new Float64Array(size); }
  if (rdRe.length < (p - 1) * cols) { rdRe = new Float64Array((p - 1) * cols); rdIm = new Float64Array((p - 1) * cols); }
  const wr = fsRe, wi = fsIm, rr = rdRe, ri = rdIm;
  for (let j = 0; j < n; j++) { const o = j * L, w = j * cols; for (let c = 0; c < cols; c++) { wr[w + c] = re[o + c]!; wi[w + c] = im[o + c]!; } }
  // 1. s-point transforms over j1: row p·j1 + j2 is row j1 of an s × (p·cols) array
  fftAxis0(wr, wi, s, p * cols, p * cols, inverse);
  // 2. twiddles: element (k1, j2) is row k1·p + j2
  for (let k1 = 1; k1 < s; k1++) for (let j2 = 1; j2 < p; j2++) {
    const x = P.twRe[k1 * p + j2]!, y = sg * P.twIm[k1 * p + j2]!, w = (k1 * p + j2) * cols;
    for (let c = 0; c < cols; c++) { const a = wr[w + c]!, b = wi[w + c]!; wr[w + c] = a * x - b * y; wi[w + c] = a * y + b * x; }
  }
  // 3. p-point transforms (Rader) of each block k1 (p rows), written to output row k1 + s·k2
  const bRe = inverse ? P.biRe : P.bfRe, bIm = inverse ? P.biIm : P.bfIm;
  for (let k1 = 0; k1 < s; k1++) {
    const blk = k1 * p * cols;
    for (let q = 0; q < p - 1; q++) {
      const src = blk + P.gPow[q]! * cols, dst = q * cols;
      for (let c = 0; c < cols; c++) { rr[dst + c] = wr[src + c]!; ri[dst + c] = wi[src + c]!; }
    }
    fftAxis0(rr, ri, p - 1, cols, cols);
    for (let q = 0; q < p - 1; q++) {
      const x = bRe[q]!, y = bIm[q]!, o = q * cols;
      for (let c = 0; c < cols; c++) { const a = rr[o + c]!, b = ri[o + c]!; rr[o + c] = a * x - b * y; ri[o + c] = a * y + b * x; }
    }
    fftAxis0(rr, ri, p - 1, cols, cols, true);
    // X_0 = Σ_j a_j (row k1 of the output), X_{g^−q} = a_0 + conv_q
    const out0 = k1 * L;
    for (let c = 0; c < cols; c++) { let sr = 0, si = 0; for (let j = 0; j < p; j++) { sr += wr[blk + j * cols + c]!; si += wi[blk + j * cols + c]!; } re[out0 + c] = sr; im[out0 + c] = si; }
    for (let q = 0; q < p - 1; q++) {
      const o = (k1 + s * P.gInvPow[q]!) * L, r0 = q * cols;
      for (let c = 0; c < cols; c++) { re[o + c] = wr[blk + c]! + rr[r0 + c]!; im[o + c] = wi[blk + c]! + ri[r0 + c]!; }
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
    if (factors.some((f) => f > 5)) throw new RangeError(`fftAxis0 needs a 2^a 3^b 5^c size, got ${n}`);
    const stages: Stage[] = [];
    let ns = 1;
    for (const q of factors) {
      const twRe = new Float64Array(ns * q), twIm = new Float64Array(ns * q);
      for (let k = 0; k < ns; k++) for (let r = 0; r < q; r++) {
        const a = (-2 * Math.PI * r * k) / (ns * q);
        twRe[k * q + r] = cos(a); twIm[k * q + r] = sin(a);
      }
      stages.push({ p: q, ns, twRe, twIm });
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
 * n must be 2^a 3^b 5^c (use `goodFFTSize`). `inverse` flips the sign (unscaled).
 */
export function fftAxis0(re: Float64Array, im: Float64Array, n: number, stride: number, cols: number, inverse = false): void {
  if (n === 1) return;
  const plan = axisPlan(n);
  if (vRe.length < n * stride) { vRe = new Float64Array(n * stride); vIm = new Float64Array(n * stride); }
  let xr: Float64Array = re, xi: Float64Array = im, yr: Float64Array = vRe, yi: Float64Array = vIm;
  const s = inverse ? -1 : 1;
  for (const st of plan.stages) {
    vstage(st, n, stride, cols, s, xr, xi, yr, yi);
    const tr = xr, ti = xi; xr = yr; xi = yi; yr = tr; yi = ti;
  }
  if (xr !== re) {
    for (let r = 0; r < n; r++) {
      const o = r * stride;
      for (let c = 0; c < cols; c++) { re[o + c] = xr[o + c]!; im[o + c] = xi[o + c]!; }
    }
  }
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
      } else {
        // p === 5
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
      }
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
