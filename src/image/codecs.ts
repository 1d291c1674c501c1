/** Format sniffing and decode/encode by format, for any runtime (no Node imports). */
import { decodePng, encodePng, isPng, type DecodedImage } from './png.js';
import { decodeJpegRGBASync, encodeJpeg, initJpeg } from './jpeg.js';
import { fromRGBA } from './convert.js';
import type { FloatImage } from './types.js';

export type ImageFormat = 'png' | 'jpeg';

export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

export function sniffFormat(bytes: Uint8Array): ImageFormat | null {
  if (isPng(bytes)) return 'png';
  if (isJpeg(bytes)) return 'jpeg';
  return null;
}

export class ImageDecodeError extends Error {}

/** Decode PNG or JPEG bytes. Errors say why (empty, unknown format, truncated/corrupt). */
export async function decodeImage(bytes: Uint8Array): Promise<DecodedImage> {
  if (bytes.length === 0) throw new ImageDecodeError('empty file (0 bytes)');
  const fmt = sniffFormat(bytes);
  if (fmt === null) throw new ImageDecodeError('not a PNG or JPEG file (unrecognised signature)');
  if (fmt === 'png') {
    try {
      return decodePng(bytes);
    } catch (e) {
      // the PNG library's messages can end mid-sentence ("Error while decompressing the data:")
      const detail = String((e as Error).message ?? '').trim().replace(/[:\s]+$/, '');
      throw new ImageDecodeError(`corrupt or truncated PNG${detail ? ` (${detail})` : ''}`);
    }
  }
  // libjpeg happily "decodes" a truncated stream (grey fill); require the EOI marker like strict readers.
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  if (end < 4 || bytes[end - 2] !== 0xff || bytes[end - 1] !== 0xd9) throw new ImageDecodeError('truncated JPEG (no end-of-image marker)');
  await initJpeg();
  let d: { data: Uint8ClampedArray; width: number; height: number };
  try {
    d = decodeJpegRGBASync(bytes);
  } catch (e) {
    throw new ImageDecodeError(`corrupt JPEG (${(e as Error).message})`);
  }
  return { image: fromRGBA(d.data, d.width, d.height), bitDepth: 8, fileChannels: 3 };
}

export interface EncodeOptions {
  format: ImageFormat;
  /** JPEG quality 1..100 (default 95) */
  quality?: number;
  /** PNG bit depth (default 8) */
  bitDepth?: 8 | 16;
}

export async function encodeImage(img: FloatImage, opts: EncodeOptions): Promise<Uint8Array> {
  if (opts.format === 'png') return encodePng(img, { bitDepth: opts.bitDepth });
  return encodeJpeg(img, { quality: opts.quality ?? 95 });
}
