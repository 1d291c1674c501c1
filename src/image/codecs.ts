/** Format sniffing and decode/encode by format, for any runtime (no Node imports). */
import { decodePng, encodePng, isPng, type DecodedImage } from './png.js';
import { decodeJpegRGBASync, encodeJpeg, initJpeg } from './jpeg.js';
import { fromRGBA } from './convert.js';
import { isArithmeticFrame, isLosslessFrame, jpegLayout } from './jpeg-layout.js';
import { applyOrientation, fileOrientation, type Orientation } from './exif.js';
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

/** Largest image decoded: 2^28 pixels (16384 × 16384; 1 GB as 8-bit RGBA, 3 GB as float RGB). */
export const MAX_IMAGE_PIXELS = 2 ** 28;

/** Width and height from a PNG IHDR or a JPEG SOF header, or null when they cannot be found. */
export function headerSize(b: Uint8Array): { width: number; height: number } | null {
  if (b.length >= 24 && b[0] === 0x89 && b[1] === 0x50 && b[12] === 0x49 && b[13] === 0x48 && b[14] === 0x44 && b[15] === 0x52) {
    const u32 = (o: number) => b[o]! * 0x1000000 + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
    return { width: u32(16), height: u32(20) };
  }
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) {
    let p = 2;
    while (p + 9 <= b.length) {
      if (b[p] !== 0xff) return null;
      const m = b[p + 1]!;
      if (m === 0xff) { p++; continue; }
      if (m === 0xd8 || (m >= 0xd0 && m <= 0xd7) || m === 0x01) { p += 2; continue; }
      if (m === 0xda || m === 0xd9) return null;
      const len = (b[p + 2]! << 8) | b[p + 3]!;
      // SOF0..SOF15 except DHT (c4), JPG (c8), DAC (cc)
      if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
        return { height: (b[p + 5]! << 8) | b[p + 6]!, width: (b[p + 7]! << 8) | b[p + 8]! };
      }
      if (len < 2) return null;
      p += 2 + len;
    }
  }
  return null;
}

/** What `decodeImage` returns: the decoded pixels, turned upright by the file's EXIF orientation. */
export interface OrientedImage extends DecodedImage {
  /** The EXIF orientation that was applied (1: none, or `orient: false`). */
  orientation: Orientation;
}

/**
 * Decode PNG or JPEG bytes and apply the file's EXIF orientation (unless `orient: false`), so an image reads as
 * every viewer displays it. Errors say why (empty, unknown format, truncated/corrupt, unsupported).
 */
export async function decodeImage(bytes: Uint8Array, opts: { orient?: boolean } = {}): Promise<OrientedImage> {
  const decoded = await decodeStored(bytes);
  const orientation = opts.orient === false ? 1 : fileOrientation(bytes);
  if (orientation === 1) return { ...decoded, orientation };
  const img = decoded.image;
  const turned = applyOrientation(img.data, img.width, img.height, img.channels, orientation, (n) => new Float32Array(n));
  return { ...decoded, image: { data: turned.data, width: turned.width, height: turned.height, channels: img.channels }, orientation };
}

/** Decode the pixels as stored in the file. */
async function decodeStored(bytes: Uint8Array): Promise<DecodedImage> {
  if (bytes.length === 0) throw new ImageDecodeError('empty file (0 bytes)');
  const fmt = sniffFormat(bytes);
  if (fmt === null) throw new ImageDecodeError('not a PNG or JPEG file (unrecognised signature)');
  const size = headerSize(bytes);
  if (size && size.width * size.height > MAX_IMAGE_PIXELS) {
    throw new ImageDecodeError(`${size.width}×${size.height} is too large to decode (more than ${MAX_IMAGE_PIXELS / 2 ** 20} Mpixel)`);
  }
  if (fmt === 'png') {
    try {
      return decodePng(bytes);
    } catch (e) {
      // the PNG library's messages can end mid-sentence ("Error while decompressing the data:")
      const raw = String((e as Error).message ?? '').trim().replace(/[:\s]+$/, '');
      const detail = /undefined|null/.test(raw) ? '' : raw; // "Unsupported filter: undefined" says nothing useful
      throw new ImageDecodeError(`corrupt or truncated PNG${detail ? ` (${detail})` : ''}`);
    }
  }
  // libjpeg happily "decodes" a truncated stream (grey fill): require the EOI marker, found by walking the
  // markers so that bytes appended after the image (a motion photo's video) are ignored rather than refused.
  const layout = jpegLayout(bytes);
  if ('problem' in layout) {
    throw new ImageDecodeError(layout.problem === 'truncated' ? 'truncated JPEG (no end-of-image marker)' : `corrupt JPEG (${layout.problem.replace(/^corrupt: /, '')})`);
  }
  if (layout.components === 4) throw new ImageDecodeError('CMYK JPEGs are not supported (save it as RGB first)');
  if (isLosslessFrame(layout.frame)) throw new ImageDecodeError('lossless JPEGs are not supported (convert it to PNG or a regular JPEG first)');
  if (layout.precision !== 8) throw new ImageDecodeError(`${layout.precision}-bit JPEGs are not supported (convert it to PNG or an 8-bit JPEG first)`);
  if (isArithmeticFrame(layout.frame)) throw new ImageDecodeError('arithmetic-coded JPEGs are not supported (re-save it with Huffman coding, e.g. `jpegtran -outfile out.jpg in.jpg`)');
  await initJpeg();
  let d: { data: Uint8ClampedArray; width: number; height: number };
  try {
    d = decodeJpegRGBASync(layout.end === bytes.length ? bytes : bytes.subarray(0, layout.end));
  } catch (e) {
    throw new ImageDecodeError(`corrupt JPEG (${(e as Error).message})`);
  }
  if (layout.components === 1) {
    // A greyscale JPEG stays one channel (the decoder hands out RGBA with R = G = B).
    const grey = new Float32Array(d.width * d.height);
    for (let i = 0; i < grey.length; i++) grey[i] = d.data[4 * i]! / 255;
    return { image: { data: grey, width: d.width, height: d.height, channels: 1 }, bitDepth: 8, fileChannels: 1 };
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
