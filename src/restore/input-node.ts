/** Node only: read an image file for restoration (the decoding itself is browser-safe: `input.ts`). */
import { readImageBytes } from '../image/node-io.js';
import { loadImageBytes, type LoadedImage } from './input.js';

export { MAX_PIXELS, checkPixelCount, loadImageBytes, type LoadedImage } from './input.js';

export async function loadImageFile(path: string): Promise<LoadedImage> {
  return loadImageBytes(await readImageBytes(path), path);
}
