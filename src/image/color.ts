/** Colour conversions. RGB order throughout (the references' BGR order is translated here once). */
import { createImage, type FloatImage } from './types.js';

/**
 * BT.601 luma Y as MATLAB `rgb2ycbcr` / BasicSR `rgb2ycbcr(y_only=True)`:
 * Y = 16 + 65.481 R + 128.553 G + 24.966 B for R, G, B in [0, 1], returned divided by 255 (so in [16/255, 235/255]).
 * `round: true` rounds Y to an integer level as MATLAB does for uint8 input; BasicSR (and IR-SDE's test
 * scripts, which pass float images) do not round, which is the default.
 */
export function rgbToY(img: FloatImage, opts: { round?: boolean } = {}): FloatImage {
  if (img.channels < 3) {
    throw new RangeError(`rgbToY needs an RGB image, got ${img.channels} channel(s)`);
  }
  const n = img.width * img.height, C = img.channels;
  const out = createImage(img.width, img.height, 1);
  const s = img.data, d = out.data;
  for (let i = 0; i < n; i++) {
    // Computed in float64 on the 0..255 scale, like BasicSR's np.dot on float64 data.
    const y = 65.481 * s[i * C]! + 128.553 * s[i * C + 1]! + 24.966 * s[i * C + 2]! + 16;
    d[i] = (opts.round ? Math.round(y) : y) / 255;
  }
  return out;
}

/** Luma 0.299 R + 0.587 G + 0.114 B (the degradation pipeline's greyscale conversion), one channel. */
export function rgbToLuma(img: FloatImage): FloatImage {
  if (img.channels === 1) return { ...img, data: img.data.slice() };
  const n = img.width * img.height, C = img.channels;
  const out = createImage(img.width, img.height, 1);
  const s = img.data, d = out.data;
  for (let i = 0; i < n; i++) d[i] = 0.299 * s[i * C]! + 0.587 * s[i * C + 1]! + 0.114 * s[i * C + 2]!;
  return out;
}

/** Greyscale kept as RGB: luma replicated to three channels. */
export function greyscaleRGB(img: FloatImage): FloatImage {
  const y = rgbToLuma(img);
  const n = img.width * img.height;
  const out = createImage(img.width, img.height, 3);
  for (let i = 0; i < n; i++) { const v = y.data[i]!; out.data[3 * i] = v; out.data[3 * i + 1] = v; out.data[3 * i + 2] = v; }
  return out;
}
