/**
 * A small mixed-radix (2, 3, 4, 5, generic) complex FFT, Stockham autosort, with twiddles from the
 * deterministic sin/cos of `detmath.ts` so results agree across JavaScript engines. Used for large-kernel
 * filtering and the Wiener/UDC operators.
 */
import { cos, sin } from './detmath.js';

interface Stage { p: number; ns: number; twRe: Float64Array; twIm: Float64Array }

export class FFTPlan {
  readonly n: number;
  private readonly stages: Stage[];
  private readonly bufRe: Float64Array;
  private readonly bufIm: Float64Array;

  /** Bluestein (chirp-z) data when n has a prime factor > 7: the transform runs at a fast size m >= 2n-1. */
  private readonly blue: { m: number; plan: FFTPlan; cr: Float64Array; ci: Float64Array; br: Float64Array; bi: Float64Array; wr: Float64Array; wi: Float64Array } | null = null;

  constructor(n: number) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`FFT size must be a positive integer, got ${n}`);
    this.n = n;
    const factors = factorize(n);
    if (factors.some((p) => p > 7) && n > 64) {
      const m = goodFFTSize(2 * n - 1);
      const plan = new FFTPlan(m);
      const cr = new Float64Array(n), ci = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        const a = (-Math.PI * ((j * j) % (2 * n))) / n; // exact integer reduction keeps the angle accurate
        cr[j] = cos(a); ci[j] = sin(a);
      }
      const br = new Float64Array(m), bi = new Float64Array(m);
      br[0] = cr[0]!; bi[0] = -ci[0]!;
      for (let j = 1; j < n; j++) { br[j] = cr[j]!; bi[j] = -ci[j]!; br[m - j] = cr[j]!; bi[m - j] = -ci[j]!; }
      plan.transform(br, bi);
      this.blue = { m, plan, cr, ci, br, bi, wr: new Float64Array(m), wi: new Float64Array(m) };
      this.stages = [];
      this.bufRe = new Float64Array(0);
      this.bufIm = new Float64Array(0);
      return;
    }
    this.stages = [];
    let ns = 1;
    for (const p of factors) {
      const twRe = new Float64Array(ns * p), twIm = new Float64Array(ns * p);
      for (let k = 0; k < ns; k++) {
        for (let r = 0; r < p; r++) {
          const a = (-2 * Math.PI * r * k) / (ns * p);
          twRe[k * p + r] = cos(a);
          twIm[k * p + r] = sin(a);
        }
      }
      this.stages.push({ p, ns, twRe, twIm });
      ns *= p;
    }
    this.bufRe = new Float64Array(n);
    this.bufIm = new Float64Array(n);
  }

  /**
   * In-place forward DFT (sign −1, unscaled) of re/im[offset .. offset + n*stride) with the given stride.
   * `inverse` flips the sign (still unscaled).
   */
  transform(re: Float64Array, im: Float64Array, offset = 0, stride = 1, inverse = false): void {
    const n = this.n;
    if (n === 1) return;
    if (this.blue) { this.bluestein(re, im, offset, stride, inverse); return; }
    let aRe = this.bufRe, aIm = this.bufIm;
    // gather (conjugate for inverse)
    if (inverse) for (let i = 0; i < n; i++) { aRe[i] = re[offset + i * stride]!; aIm[i] = -im[offset + i * stride]!; }
    else for (let i = 0; i < n; i++) { aRe[i] = re[offset + i * stride]!; aIm[i] = im[offset + i * stride]!; }
    let bRe = scratchRe(n), bIm = scratchIm(n);
    for (const st of this.stages) {
      stage(st, n, aRe, aIm, bRe, bIm);
      const tr = aRe, ti = aIm; aRe = bRe; aIm = bIm; bRe = tr; bIm = ti;
    }
    if (inverse) for (let i = 0; i < n; i++) { re[offset + i * stride] = aRe[i]!; im[offset + i * stride] = -aIm[i]!; }
    else for (let i = 0; i < n; i++) { re[offset + i * stride] = aRe[i]!; im[offset + i * stride] = aIm[i]!; }
  }

  private bluestein(re: Float64Array, im: Float64Array, offset: number, stride: number, inverse: boolean): void {
    const b = this.blue!;
    const { m, cr, ci, br, bi, wr, wi } = b;
    const n = this.n;
    const sg = inverse ? -1 : 1;
    wr.fill(0); wi.fill(0);
    for (let j = 0; j < n; j++) {
      const xr = re[offset + j * stride]!, xi = sg * im[offset + j * stride]!;
      wr[j] = xr * cr[j]! - xi * ci[j]!;
      wi[j] = xr * ci[j]! + xi * cr[j]!;
    }
    b.plan.transform(wr, wi);
    for (let k = 0; k < m; k++) {
      const a = wr[k]!, c = wi[k]!, x = br[k]!, y = bi[k]!;
      wr[k] = a * x - c * y; wi[k] = a * y + c * x;
    }
    b.plan.transform(wr, wi, 0, 1, true);
    for (let k = 0; k < n; k++) {
      const a = wr[k]! / m, c = wi[k]! / m;
      re[offset + k * stride] = a * cr[k]! - c * ci[k]!;
      im[offset + k * stride] = sg * (a * ci[k]! + c * cr[k]!);
    }
  }
}

let sRe = new Float64Array(0), sIm = new Float64Array(0);
function scratchRe(n: number): Float64Array { if (sRe.length < n) { sRe = new Float64Array(n); sIm = new Float64Array(n); } return sRe; }
function scratchIm(n: number): Float64Array { if (sIm.length < n) scratchRe(n); return sIm; }

const C3 = -0.5; // cos(2π/3)
const S3 = 0.86602540378443864676; // sin(2π/3)
const C51 = 0.30901699437494742410; // cos(2π/5)
const C52 = -0.80901699437494742410; // cos(4π/5)
const S51 = 0.95105651629515357212; // sin(2π/5)
const S52 = 0.58778525229247312917; // sin(4π/5)

function stage(st: Stage, n: number, xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array): void {
  const { p, ns, twRe, twIm } = st;
  const m = n / p;
  if (p === 2) {
    for (let k = 0; k < ns; k++) for (let j = k; j < m; j += ns) {
      const t = k * 2;
      const a0r = xr[j]!, a0i = xi[j]!;
      const wr = twRe[t + 1]!, wi = twIm[t + 1]!;
      const x1r = xr[j + m]!, x1i = xi[j + m]!;
      const a1r = x1r * wr - x1i * wi, a1i = x1r * wi + x1i * wr;
      const d = (j - k) * 2 + k;
      yr[d] = a0r + a1r; yi[d] = a0i + a1i;
      yr[d + ns] = a0r - a1r; yi[d + ns] = a0i - a1i;
    }
  } else if (p === 4) {
    for (let k = 0; k < ns; k++) for (let j = k; j < m; j += ns) {
      const t = k * 4;
      const a0r = xr[j]!, a0i = xi[j]!;
      let xr_ = xr[j + m]!, xi_ = xi[j + m]!, wr = twRe[t + 1]!, wi = twIm[t + 1]!;
      const a1r = xr_ * wr - xi_ * wi, a1i = xr_ * wi + xi_ * wr;
      xr_ = xr[j + 2 * m]!; xi_ = xi[j + 2 * m]!; wr = twRe[t + 2]!; wi = twIm[t + 2]!;
      const a2r = xr_ * wr - xi_ * wi, a2i = xr_ * wi + xi_ * wr;
      xr_ = xr[j + 3 * m]!; xi_ = xi[j + 3 * m]!; wr = twRe[t + 3]!; wi = twIm[t + 3]!;
      const a3r = xr_ * wr - xi_ * wi, a3i = xr_ * wi + xi_ * wr;
      const t0r = a0r + a2r, t0i = a0i + a2i, t1r = a0r - a2r, t1i = a0i - a2i;
      const t2r = a1r + a3r, t2i = a1i + a3i, t3r = a1r - a3r, t3i = a1i - a3i;
      const d = (j - k) * 4 + k;
      yr[d] = t0r + t2r; yi[d] = t0i + t2i;
      yr[d + 2 * ns] = t0r - t2r; yi[d + 2 * ns] = t0i - t2i;
      // forward: multiply t3 by -i
      yr[d + ns] = t1r + t3i; yi[d + ns] = t1i - t3r;
      yr[d + 3 * ns] = t1r - t3i; yi[d + 3 * ns] = t1i + t3r;
    }
  } else if (p === 3) {
    for (let k = 0; k < ns; k++) for (let j = k; j < m; j += ns) {
      const t = k * 3;
      const a0r = xr[j]!, a0i = xi[j]!;
      let xr_ = xr[j + m]!, xi_ = xi[j + m]!, wr = twRe[t + 1]!, wi = twIm[t + 1]!;
      const a1r = xr_ * wr - xi_ * wi, a1i = xr_ * wi + xi_ * wr;
      xr_ = xr[j + 2 * m]!; xi_ = xi[j + 2 * m]!; wr = twRe[t + 2]!; wi = twIm[t + 2]!;
      const a2r = xr_ * wr - xi_ * wi, a2i = xr_ * wi + xi_ * wr;
      const sr = a1r + a2r, si = a1i + a2i;
      const dr = a1r - a2r, di = a1i - a2i;
      const mr = a0r + C3 * sr, mi = a0i + C3 * si;
      const d = (j - k) * 3 + k;
      yr[d] = a0r + sr; yi[d] = a0i + si;
      // forward: X1 = m - i S3 d, X2 = m + i S3 d
      yr[d + ns] = mr + S3 * di; yi[d + ns] = mi - S3 * dr;
      yr[d + 2 * ns] = mr - S3 * di; yi[d + 2 * ns] = mi + S3 * dr;
    }
  } else if (p === 5) {
    for (let k = 0; k < ns; k++) for (let j = k; j < m; j += ns) {
      const t = k * 5;
      const a0r = xr[j]!, a0i = xi[j]!;
      let xr_ = xr[j + m]!, xi_ = xi[j + m]!, wr = twRe[t + 1]!, wi = twIm[t + 1]!;
      const a1r = xr_ * wr - xi_ * wi, a1i = xr_ * wi + xi_ * wr;
      xr_ = xr[j + 2 * m]!; xi_ = xi[j + 2 * m]!; wr = twRe[t + 2]!; wi = twIm[t + 2]!;
      const a2r = xr_ * wr - xi_ * wi, a2i = xr_ * wi + xi_ * wr;
      xr_ = xr[j + 3 * m]!; xi_ = xi[j + 3 * m]!; wr = twRe[t + 3]!; wi = twIm[t + 3]!;
      const a3r = xr_ * wr - xi_ * wi, a3i = xr_ * wi + xi_ * wr;
      xr_ = xr[j + 4 * m]!; xi_ = xi[j + 4 * m]!; wr = twRe[t + 4]!; wi = twIm[t + 4]!;
      const a4r = xr_ * wr - xi_ * wi, a4i = xr_ * wi + xi_ * wr;
      const s1r = a1r + a4r, s1i = a1i + a4i, d1r = a1r - a4r, d1i = a1i - a4i;
      const s2r = a2r + a3r, s2i = a2i + a3i, d2r = a2r - a3r, d2i = a2i - a3i;
      const m1r = a0r + C51 * s1r + C52 * s2r, m1i = a0i + C51 * s1i + C52 * s2i;
      const m2r = a0r + C52 * s1r + C51 * s2r, m2i = a0i + C52 * s1i + C51 * s2i;
      // forward: X1 = m1 - i (S51 d1 + S52 d2), X4 = m1 + i(...); X2 = m2 - i (S52 d1 - S51 d2), X3 = m2 + i(...)
      const n1r = S51 * d1r + S52 * d2r, n1i = S51 * d1i + S52 * d2i;
      const n2r = S52 * d1r - S51 * d2r, n2i = S52 * d1i - S51 * d2i;
      const d = (j - k) * 5 + k;
      yr[d] = a0r + s1r + s2r; yi[d] = a0i + s1i + s2i;
      yr[d + ns] = m1r + n1i; yi[d + ns] = m1i - n1r;
      yr[d + 4 * ns] = m1r - n1i; yi[d + 4 * ns] = m1i + n1r;
      yr[d + 2 * ns] = m2r + n2i; yi[d + 2 * ns] = m2i - n2r;
      yr[d + 3 * ns] = m2r - n2i; yi[d + 3 * ns] = m2i + n2r;
    }
  } else {
    // generic radix: O(p^2) DFT per butterfly, with exact twiddles of order p
    const cr = new Float64Array(p), ci = new Float64Array(p);
    for (let q = 0; q < p; q++) { cr[q] = cos((-2 * Math.PI * q) / p); ci[q] = sin((-2 * Math.PI * q) / p); }
    const vr = new Float64Array(p), vi = new Float64Array(p);
    for (let j = 0; j < m; j++) {
      const k = j % ns, t = k * p;
      for (let r = 0; r < p; r++) {
        const ar = xr[j + r * m]!, ai = xi[j + r * m]!, wr = twRe[t + r]!, wi = twIm[t + r]!;
        vr[r] = ar * wr - ai * wi; vi[r] = ar * wi + ai * wr;
      }
      const d = (j - k) * p + k;
      for (let q = 0; q < p; q++) {
        let sr = 0, si = 0;
        for (let r = 0; r < p; r++) {
          const idx = (q * r) % p;
          sr += vr[r]! * cr[idx]! - vi[r]! * ci[idx]!;
          si += vr[r]! * ci[idx]! + vi[r]! * cr[idx]!;
        }
        yr[d + q * ns] = sr; yi[d + q * ns] = si;
      }
    }
  }
}

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
  for (let m = Math.max(1, n); ; m++) {
    let r = m;
    while (r % 2 === 0) r /= 2;
    while (r % 3 === 0) r /= 3;
    while (r % 5 === 0) r /= 5;
    if (r === 1) return m;
  }
}

const plans = new Map<number, FFTPlan>();
export function fftPlan(n: number): FFTPlan {
  let p = plans.get(n);
  if (!p) { p = new FFTPlan(n); plans.set(n, p); }
  return p;
}

/**
 * 2-D complex FFT in place on row-major arrays of size rows×cols (unscaled; `inverse` flips the sign).
 * `rowsToDo` limits the row pass to the first rows (the rest must be zero), a saving for small kernels.
 */
export function fft2d(re: Float64Array, im: Float64Array, rows: number, cols: number, inverse = false, rowsToDo = rows): void {
  const pr = fftPlan(cols), pc = fftPlan(rows);
  if (!inverse) {
    for (let r = 0; r < rowsToDo; r++) pr.transform(re, im, r * cols, 1, false);
    for (let c = 0; c < cols; c++) pc.transform(re, im, c, cols, false);
  } else {
    for (let c = 0; c < cols; c++) pc.transform(re, im, c, cols, true);
    for (let r = 0; r < rows; r++) pr.transform(re, im, r * cols, 1, true);
  }
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
