/**
 * Node only: read an image file for restoration. Keeps the file's channels (grey, grey+alpha, RGB, RGBA),
 * accepts 8- and 16-bit PNG and JPEG, turns the pixels by the EXIF orientation, and refuses absurd sizes from
 * the header before decoding. Every failure is one IrsdeError line naming the file.
 */
import { readFile, stat } from 'node:fs/promises';
import { IrsdeError } from '../common/errors.js';
import { decodeImage } from '../image/codecs.js';
import type { FloatImage } from '../image/types.js';
import { applyOrientation, fileOrientation, headerSize, type Orientation } from './exif.js';

/** Largest image accepted: 2^28 pixels (16384 × 16384). */
export const MAX_PIXELS = 2 ** 28;

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

export async function loadImageFile(path: string): Promise<LoadedImage> {
  let bytes: Uint8Array;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new IrsdeError('bad-image', `${path}: is a directory, not an image`, { file: path });
    bytes = new Uint8Array(await readFile(path));
  } catch (e) {
    if (e instanceof IrsdeError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new IrsdeError('bad-image', `${path}: cannot read (${why})`, { file: path, cause: e });
  }
  const size = headerSize(bytes);
  if (size) {
    if (size.width === 0 || size.height === 0) throw new IrsdeError('bad-image', `${path}: image has no pixels (${size.width}×${size.height})`, { file: path });
    checkPixelCount(size.width, size.height, path, path);
  }
  let decoded;
  try {
    decoded = await decodeImage(bytes);
  } catch (e) {
    throw new IrsdeError('bad-image', `${path}: ${(e as Error).message}`, { file: path, cause: e });
  }
  const orientation = fileOrientation(bytes);
  const img = decoded.image;
  const turned = applyOrientation(img.data, img.width, img.height, img.channels, orientation, (n) => new Float32Array(n));
  return { image: { data: turned.data, width: turned.width, height: turned.height, channels: img.channels }, bitDepth: decoded.bitDepth, orientation };
}
