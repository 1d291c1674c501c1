/**
 * Deterministic elementary functions.
 *
 * ECMAScript fixes + - * / and sqrt to IEEE-754 round-to-nearest, but leaves Math.exp, Math.log, Math.sin,
 * Math.cos and Math.pow "implementation-approximated": two engines may differ in the last bit. Every
 * degradation draws its parameters and builds its kernels with the functions below, which use only the
 * exactly specified operations (and bit-level power-of-two scaling), so a (seed, image) pair gives the
 * same bytes in Node, Chrome, Firefox and Safari. Accuracy is a few ulp, far below anything that matters
 * for 8-bit images.
 */

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
// Index of the high (sign/exponent) word of a double; every engine we target is little-endian, but check.
const HI = (() => { f64[0] = 1; return u32[1] === 0x3ff00000 ? 1 : 0; })();
const LO = 1 - HI;

/** x · 2^k exactly (for results in the normal range; callers keep k within ±1022). */
function scalbn(x: number, k: number): number {
  // Split large shifts so each factor 2^j is a normal double.
  while (k > 1000) { x *= pow2(1000); k -= 1000; }
  while (k < -1000) { x *= pow2(-1000); k += 1000; }
  return x * pow2(k);
}

function pow2(k: number): number {
  u32[LO] = 0;
  u32[HI] = ((k + 1023) << 20) >>> 0;
  return f64[0];
}

const LN2_HI = 6.93147180369123816490e-01; // upper bits of ln 2 (exact product with small ints)
const LN2_LO = 1.90821492927058770002e-10;
const INV_LN2 = 1.44269504088896338700e+00;

/** e^x. */
export function exp(x: number): number {
  if (x !== x) return NaN;
  if (x > 709.782712893384) return Infinity;
  if (x < -745.1332191019411) return 0;
  if (x === 0) return 1;
  const k = Math.round(x * INV_LN2);
  const r = (x - k * LN2_HI) - k * LN2_LO; // |r| <= 0.35
  // Taylor series to degree 14: truncation error < 1e-18 on |r| <= 0.35.
  let p = 1 / 87178291200;
  p = p * r + 1 / 6227020800;
  p = p * r + 1 / 479001600;
  p = p * r + 1 / 39916800;
  p = p * r + 1 / 3628800;
  p = p * r + 1 / 362880;
  p = p * r + 1 / 40320;
  p = p * r + 1 / 5040;
  p = p * r + 1 / 720;
  p = p * r + 1 / 120;
  p = p * r + 1 / 24;
  p = p * r + 1 / 6;
  p = p * r + 0.5;
  p = p * r * r + r; // e^r - 1
  const er = 1 + p;
  if (k < -1021) return scalbn(er, k + 54) * pow2(-54);
  return scalbn(er, k);
}

/** Natural logarithm. */
export function log(x: number): number {
  if (x !== x || x < 0) return NaN;
  if (x === 0) return -Infinity;
  if (x === Infinity) return Infinity;
  let e = 0;
  if (x < 2.2250738585072014e-308) { x *= 18014398509481984; e = -54; } // subnormal: scale by 2^54
  f64[0] = x;
  const hi = u32[HI];
  e += ((hi >>> 20) & 0x7ff) - 1023;
  // mantissa m in [1, 2)
  u32[HI] = (hi & 0x000fffff) | 0x3ff00000;
  return logOfMantissa(f64[0]!, e);
}

/** log(m·2^e) for a mantissa m in [1, 2): the shared core of `log` and `logOpenUnit`. */
function logOfMantissa(m: number, e: number): number {
  if (m > Math.SQRT2) { m *= 0.5; e += 1; }
  // log(m) = 2 atanh(s), s = (m-1)/(m+1), |s| <= 0.1716
  const f = m - 1;
  const s = f / (m + 1);
  const z = s * s;
  let t = 1 / 25;
  t = t * z + 1 / 23;
  t = t * z + 1 / 21;
  t = t * z + 1 / 19;
  t = t * z + 1 / 17;
  t = t * z + 1 / 15;
  t = t * z + 1 / 13;
  t = t * z + 1 / 11;
  t = t * z + 1 / 9;
  t = t * z + 1 / 7;
  t = t * z + 1 / 5;
  t = t * z + 1 / 3;
  // 2 atanh(s) = f - s*(f - 2 s^2 t') with the usual rearrangement for accuracy:
  // log(m) = f - hfsq + s*(hfsq + R) where hfsq = f^2/2, R = 2 z t (fdlibm form).
  const hfsq = 0.5 * f * f;
  const R = 2 * z * t;
  const lm = f - (hfsq - s * (hfsq + R));
  return e * LN2_HI + (lm + e * LN2_LO);
}

/**
 * `log(x)` for 0 < x < 1 (normal numbers), the same arithmetic step for step: the exponent is found by
 * exact doublings instead of reading the bits through a typed array, which makes the normal draws of the
 * polar method (a log per pair) about twice as fast. Bit-identical to `log` on that range (tested).
 */
export function logOpenUnit(x: number): number {
  let e = 0;
  let m = x;
  while (m < 1) { m *= 2; e -= 1; } // exact: scaling by 2 only changes the exponent
  return logOfMantissa(m, e);
}

export function log2(x: number): number { return log(x) * Math.LOG2E; }
export function log10(x: number): number { return log(x) * Math.LOG10E; }

/** x^y for x > 0 (and the trivial cases); not for negative bases. */
export function pow(x: number, y: number): number {
  if (y === 0) return 1;
  if (x === 0) return y > 0 ? 0 : Infinity;
  if (x === 1) return 1;
  if (y === 1) return x;
  if (y === 2) return x * x;
  if (y === 0.5) return Math.sqrt(x);
  if (x < 0) return NaN;
  return exp(y * log(x));
}

// Cody-Waite split of pi/2 into three parts (each exact when multiplied by a small integer).
const PIO2_1 = 1.57079632673412561417e+00;
const PIO2_2 = 6.07710050650619224932e-11;
const PIO2_3 = 2.02226624879595063154e-21;
const TWO_OVER_PI = 6.36619772367581382433e-01;

function sinPoly(r: number): number {
  const z = r * r;
  let p = -1 / 1307674368000;
  p = p * z + 1 / 6227020800;
  p = p * z - 1 / 39916800;
  p = p * z + 1 / 362880;
  p = p * z - 1 / 5040;
  p = p * z + 1 / 120;
  p = p * z - 1 / 6;
  return r + r * z * p;
}

function cosPoly(r: number): number {
  const z = r * r;
  let p = 1 / 20922789888000;
  p = p * z - 1 / 87178291200;
  p = p * z + 1 / 479001600;
  p = p * z - 1 / 3628800;
  p = p * z + 1 / 40320;
  p = p * z - 1 / 720;
  p = p * z + 1 / 24;
  return 1 - 0.5 * z + z * z * p;
}

function reduce(x: number): [number, number] {
  const k = Math.round(x * TWO_OVER_PI);
  const r = ((x - k * PIO2_1) - k * PIO2_2) - k * PIO2_3;
  return [r, ((k % 4) + 4) % 4];
}

/** sin x (accurate for |x| up to ~1e6, which covers every use here). */
export function sin(x: number): number {
  if (!Number.isFinite(x)) return NaN;
  const [r, q] = reduce(x);
  switch (q) {
    case 0: return sinPoly(r);
    case 1: return cosPoly(r);
    case 2: return -sinPoly(r);
    default: return -cosPoly(r);
  }
}

/** cos x. */
export function cos(x: number): number {
  if (!Number.isFinite(x)) return NaN;
  const [r, q] = reduce(x);
  switch (q) {
    case 0: return cosPoly(r);
    case 1: return -sinPoly(r);
    case 2: return -cosPoly(r);
    default: return sinPoly(r);
  }
}

/** Bessel function of the first kind, order 1 (Miller's backward recurrence; ~1e-15 absolute). */
export function besselJ1(x: number): number {
  if (x === 0) return 0;
  if (x < 0) return -besselJ1(-x);
  if (x < 1e-8) return x / 2;
  // Start well above x; normalise with J0 + 2 sum J_{2k} = 1.
  const n0 = 2 * Math.floor((Math.max(x, 1) + 30 + 4 * Math.sqrt(Math.max(x, 1))) / 2);
  let jp1 = 0; // J_{n+1}
  let j = 1e-300; // J_n
  let sumEven = 0;
  let j1 = 0;
  for (let n = n0; n > 0; n--) {
    const jm1 = (2 * n / x) * j - jp1; // J_{n-1}
    jp1 = j;
    j = jm1;
    // j now holds J_{n-1}
    if (Math.abs(j) > 1e250) { // rescale to avoid overflow
      j *= 1e-250; jp1 *= 1e-250; sumEven *= 1e-250; j1 *= 1e-250;
    }
    const m = n - 1;
    if (m === 1) j1 = j;
    if (m > 0 && m % 2 === 0) sumEven += j;
  }
  const norm = j + 2 * sumEven; // j = J_0
  return j1 / norm;
}

/** ln Γ(x) for x > 0 (Stirling series with upward shift; used by the Poisson sampler). */
export function logGamma(x: number): number {
  if (x === 1 || x === 2) return 0;
  let shift = 0;
  let xx = x;
  while (xx < 7) { shift += log(xx); xx += 1; }
  const a = [8.333333333333333e-02, -2.777777777777778e-03, 7.936507936507937e-04, -5.952380952380952e-04,
    8.417508417508418e-04, -1.917526917526918e-03, 6.410256410256410e-03, -2.955065359477124e-02,
    1.796443723688307e-01, -1.39243221690590e+00];
  const x2 = 1 / (xx * xx);
  let gl0 = a[9]!;
  for (let k = 8; k >= 0; k--) gl0 = gl0 * x2 + a[k]!;
  const gl = gl0 / xx + 0.5 * log(2 * Math.PI) + (xx - 0.5) * log(xx) - xx;
  return gl - shift;
}
