/** Node only: read the @jsquash/jpeg WebAssembly files from node_modules. Loaded lazily by `jpeg.ts`. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { JpegWasmSources } from './jpeg.js';

export function nodeJpegWasm(): JpegWasmSources {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('@jsquash/jpeg/package.json'));
  const load = (rel: string) => async () => WebAssembly.compile(readFileSync(join(root, rel)));
  return { decoder: load('codec/dec/mozjpeg_dec.wasm'), encoder: load('codec/enc/mozjpeg_enc.wasm') };
}
