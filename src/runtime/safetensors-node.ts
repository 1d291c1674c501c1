/**
 * Node-only: safetensors files on disk. Writes are atomic (readers see the old file or the whole new one).
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../common/atomic.js';
import { IrsdeError, isIrsdeError } from '../common/errors.js';
import { decodeSafetensors, encodeSafetensors } from './safetensors.js';
import type { DecodedSafetensors, DecodeOptions, SafeTensorInput } from './safetensors.js';

/** Read and validate a .safetensors file. Errors are IrsdeError with `file` set ('bad-safetensors' or 'file-not-found'). */
export async function readSafetensorsFile(path: string, opts: DecodeOptions = {}): Promise<DecodedSafetensors> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new IrsdeError('file-not-found', `no such file: ${path}`, { file: path, cause: e });
    throw new IrsdeError('file-unreadable', `cannot read ${path}: ${(e as Error).message}`, { file: path, cause: e });
  }
  try {
    return decodeSafetensors(bytes, opts);
  } catch (e) {
    if (isIrsdeError(e)) throw new IrsdeError(e.code, `${path}: ${e.message}`, { hint: e.hint, file: path, cause: e });
    throw e;
  }
}

/** Encode and write atomically (temp file in the same folder, then rename). Creates parent folders. */
export async function writeSafetensorsFile(
  path: string,
  tensors: Record<string, SafeTensorInput>,
  metadata?: Record<string, string>,
): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}
