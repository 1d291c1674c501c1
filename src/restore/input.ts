/**
 * Image bytes → the float image `restore` works on, for any runtime (the browser demo and the Node CLI share it,
 * so both see identical pixels): refuses absurd sizes from the header before decoding, decodes 8/16-bit PNG and
 * JPEG keeping the file's channels, and turns the pixels by the EXIF orientation. Every failure is one
 * IrsdeError line naming the file.
 */
import { IrsdeError } from '../common/errors.js';
import { decodeImage, headerSize, MAX_IMAGE_PIXELS } from '../image/codecs.js';
import type { FloatImage } from '../image/types.js';
import type { Orientation } from '../image/exif.js';

/** Largest image accepted: 2^28 pixels (16384 × 16384), what the image layer decodes at most. */
export const MAX_PIXELS = MAX_IMAGE_PIXELS;

export interface LoadedImage {
  image: FloatImage;
  /** Bits per sample in the file (8 or 16 for most files). */
  bitDepth: number;
  /** The EXIF orientation that was applied (1: none). */
  orientation: Orientation;
}

export function checkPixelCount(width: number, height: number, what: string, file?: string): void {
  if (width * height > MAX_PIXELS) {
    throw new IrsdeError('image-too-large', `${what}: ${width}×${height} is too large (more than ${MAX_PIXELS / 2 ** 20} Mpixel)`, {
      file, hint: 'split it into parts first',
    });
  }
}

/** Decode image file bytes; `name` (a path or file name) is used in error messages. */
export async function loadImageBytes(bytes: Uint8Array, name: string): Promise<LoadedImage> {
  const size = headerSize(bytes);
  if (size) {
    if (size.width === 0 || size.height === 0) throw new IrsdeError('bad-image', `${name}: image has no pixels (${size.width}×${size.height})`, { file: name });
    checkPixelCount(size.width, size.height, name, name);
  }
  let decoded;
  try {
    decoded = await decodeImage(bytes);
  } catch (e) {
    throw new IrsdeError('bad-image', `${name}: ${(e as Error).message}`, { file: name, cause: e });
  }
  return { image: decoded.image, bitDepth: decoded.bitDepth, orientation: decoded.orientation };
}
