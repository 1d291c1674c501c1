/** Index reflection, padding and cropping helpers. */
import { createImage, type FloatImage } from './types.js';

/** Reflect-101 (OpenCV BORDER_DEFAULT): [a b c d] -> ... c b | a b c d | c b ... */
export function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * n - 2;
  let j = i % period;
  if (j < 0) j += period;
  return j < n ? j : period - j;
}

/** Symmetric (numpy 'symmetric', OpenCV BORDER_REFLECT): [a b c d] -> ... b a | a b c d | d c ... */
export function reflectSymmetric(i: number, n: number): number {
  const period = 2 * n;
  let j = i % period;
  if (j < 0) j += period;
  return j < n ? j : period - 1 - j;
}

/** Edge replicate. */
export function replicate(i: number, n: number): number {
  return i < 0 ? 0 : i >= n ? n - 1 : i;
}

export type BorderMode = 'reflect101' | 'symmetric' | 'replicate' | 'zero';

const borderFns: Record<Exclude<BorderMode, 'zero'>, (i: number, n: number) => number> = {
  reflect101, symmetric: reflectSymmetric, replicate,
};

/** Pad by (top, bottom, left, right) pixels. */
export function pad(img: FloatImage, top: number, bottom: number, left: number, right: number, mode: BorderMode = 'reflect101'): FloatImage {
  const { width: W, height: H, channels: C } = img;
  const PW = W + left + right, PH = H + top + bottom;
  const out = createImage(PW, PH, C);
  const s = img.data, d = out.data;
  if (mode === 'zero') {
    for (let y = 0; y < H; y++) d.set(s.subarray(y * W * C, (y + 1) * W * C), ((y + top) * PW + left) * C);
    return out;
  }
  const f = borderFns[mode];
  const xs = new Int32Array(PW);
  for (let x = 0; x < PW; x++) xs[x] = f(x - left, W);
  for (let y = 0; y < PH; y++) {
    const sy = f(y - top, H);
    const srow = sy * W * C, drow = y * PW * C;
    if (C === 3) {
      for (let x = 0; x < PW; x++) {
        const so = srow + xs[x]! * 3, o = drow + x * 3;
        d[o] = s[so]!; d[o + 1] = s[so + 1]!; d[o + 2] = s[so + 2]!;
      }
    } else {
      for (let x = 0; x < PW; x++) for (let c = 0; c < C; c++) d[drow + x * C + c] = s[srow + xs[x]! * C + c]!;
    }
  }
  return out;
}

/** Crop a rectangle (x, y, w, h); throws if it leaves the image. */
export function crop(img: FloatImage, x: number, y: number, w: number, h: number): FloatImage {
  if (x < 0 || y < 0 || w <= 0 || h <= 0 || x + w > img.width || y + h > img.height) {
    throw new RangeError(`crop (${x}, ${y}, ${w}x${h}) is outside the ${img.width}x${img.height} image`);
  }
  const C = img.channels;
  const out = createImage(w, h, C);
  for (let r = 0; r < h; r++) {
    const so = ((y + r) * img.width + x) * C;
    out.data.set(img.data.subarray(so, so + w * C), r * w * C);
  }
  return out;
}

/** Remove `border` pixels on every side (metrics' border crop). */
export function cropBorder(img: FloatImage, border: number): FloatImage {
  if (border <= 0) return img;
  return crop(img, border, border, img.width - 2 * border, img.height - 2 * border);
}

/** Crop the bottom/right so both sides are multiples of `scale` (SR "modcrop"). */
export function modcrop(img: FloatImage, scale: number): FloatImage {
  const w = img.width - (img.width % scale), h = img.height - (img.height % scale);
  if (w === img.width && h === img.height) return img;
  return crop(img, 0, 0, w, h);
}

/** Pad bottom/right (reflect-101) so both sides are multiples of `m`; returns the padding used. */
export function padToMultiple(img: FloatImage, m: number, mode: BorderMode = 'reflect101'): { image: FloatImage; padBottom: number; padRight: number } {
  const padBottom = (m - (img.height % m)) % m, padRight = (m - (img.width % m)) % m;
  if (padBottom === 0 && padRight === 0) return { image: img, padBottom, padRight };
  return { image: pad(img, 0, padBottom, 0, padRight, mode), padBottom, padRight };
}
