/** Node-only image file IO: read PNG/JPEG files, write PNG/JPEG atomically. Errors are IrsdeErrors naming the file. */
import { readFile, stat } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { extname } from 'node:path';
import { IrsdeError } from '../common/errors.js';
import { writeFileAtomic } from '../common/atomic.js';
import { decodeImage, encodeImage, type ImageFormat } from './codecs.js';
import type { DecodedImage } from './png.js';
import { toRGB } from './convert.js';
import type { FloatImage } from './types.js';

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'];

export function isImagePath(p: string): boolean {
  return IMAGE_EXTENSIONS.includes(extname(p).toLowerCase());
}

/** Image formats people name outputs with that irsde does not write. */
const OTHER_IMAGE_EXTENSIONS = ['.tif', '.tiff', '.webp', '.bmp', '.gif', '.avif', '.heic', '.jxl', '.ppm', '.pgm', '.exr'];

/** An output path that names a folder: it ends with a path separator or is an existing folder. */
export function isFolderPath(path: string): boolean {
  if (/[\\/]$/.test(path)) return true;
  try { return statSync(path).isDirectory(); } catch { return false; }
}

/** An output path ending in an image format irsde cannot write is a mistake, not a folder name: say so. */
export function checkOutputPath(p: string): void {
  const ext = extname(p).toLowerCase();
  if (OTHER_IMAGE_EXTENSIONS.includes(ext)) {
    throw new IrsdeError('bad-option', `-o ${p}: irsde writes PNG or JPEG images, not ${ext.slice(1).toUpperCase()}`, { hint: 'name the output .png or .jpg, or give a folder' });
  }
}

/** The bytes of an image file; a missing, unreadable or directory path is one IrsdeError naming it. */
export async function readImageBytes(path: string): Promise<Uint8Array> {
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new IrsdeError('bad-image', `${path}: is a directory, not an image`, { file: path });
    return new Uint8Array(await readFile(path));
  } catch (e) {
    if (e instanceof IrsdeError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new IrsdeError('bad-image', `${path}: cannot read (${why})`, { file: path, cause: e });
  }
}

/** Read an image file with its file details. */
export async function readImageFile(path: string): Promise<DecodedImage> {
  const bytes = await readImageBytes(path);
  try {
    return await decodeImage(bytes);
  } catch (e) {
    throw new IrsdeError('bad-image', `${path}: ${(e as Error).message}`, { file: path, cause: e });
  }
}

/** Read an image file as RGB float in [0, 1] (grey is replicated, alpha dropped). */
export async function readImage(path: string): Promise<FloatImage> {
  return toRGB((await readImageFile(path)).image);
}

export function formatForPath(path: string): ImageFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.png') return 'png';
  if (ext === '.jpg' || ext === '.jpeg') return 'jpeg';
  throw new IrsdeError('bad-output', `${path}: unknown output extension "${ext}" (use .png, .jpg or .jpeg)`, { file: path });
}

/** Write an image atomically; the format follows the extension (.png, .jpg/.jpeg). */
export async function writeImage(path: string, img: FloatImage, opts: { quality?: number; bitDepth?: 8 | 16 } = {}): Promise<void> {
  const bytes = await encodeImage(img, { format: formatForPath(path), quality: opts.quality, bitDepth: opts.bitDepth });
  await writeFileAtomic(path, bytes);
}
