/** JPEG compression as a degradation: q(img) → baseline JPEG at quality q (4:2:0) → decode (DEGRADATIONS.md §7). */
import type { FloatImage } from '../image/types.js';
import { decodeJpegSync, encodeJpegSync, initJpeg, jpegReady, type JpegEncoderName } from '../image/jpeg.js';
import { decodeOwnJpeg } from '../image/jpeg-decoder.js';
import { toRGB } from '../image/convert.js';
import { greyscaleRGB } from '../image/color.js';

export { initJpeg, jpegReady };

export interface JpegOpOptions {
  encoder?: JpegEncoderName;
}

/** Synchronous JPEG round trip; needs `await initJpeg()` once (the decoder is WebAssembly). */
export function jpegCompressSync(img: FloatImage, quality: number, opts: JpegOpOptions = {}): FloatImage {
  if (!Number.isFinite(quality) || quality < 1 || quality > 100) throw new RangeError(`JPEG quality must be in 1..100, got ${quality}`);
  const q = Math.floor(quality);
  const rgb = img.channels === 1 ? greyscaleRGB(img) : toRGB(img);
  const bytes = encodeJpegSync(rgb, { quality: q, encoder: opts.encoder });
  // Our encoder's bytes go to our own decoder (the same values as @jsquash's, without its wrapper and RGBA pass);
  // MozJPEG's bytes, and everything where that decoder declines, to @jsquash.
  const dec = (opts.encoder !== 'mozjpeg' ? decodeOwnJpeg(bytes) : null) ?? decodeJpegSync(bytes);
  if (img.channels === 1) {
    const out = { data: new Float32Array(dec.width * dec.height), width: dec.width, height: dec.height, channels: 1 };
    for (let i = 0; i < out.data.length; i++) out.data[i] = dec.data[3 * i]!;
    return out;
  }
  return dec;
}

/** JPEG round trip at quality ⌊q⌋. */
export async function jpegCompress(img: FloatImage, quality: number, opts: JpegOpOptions = {}): Promise<FloatImage> {
  await initJpeg({ encoder: opts.encoder === 'mozjpeg' });
  return jpegCompressSync(img, quality, opts);
}
