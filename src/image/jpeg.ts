/**
 * JPEG through WebAssembly (@jsquash/jpeg: the MozJPEG build of libjpeg-turbo), identical bytes in Node and in
 * the browser. Decoding files goes through it (the degradation's JPEG round trip decodes its own encoder's bytes
 * with `jpeg-decoder.ts`, which gives the same values); encoding uses the libjpeg-compatible TypeScript encoder
 * (`jpeg-encoder.ts`) by default, or MozJPEG on request.
 *
 * The WebAssembly modules load once. In a browser the @jsquash glue fetches them next to its own script (a
 * bundler copies them); in Node they are read from node_modules (see `jpeg-node.ts`), or any caller can hand
 * in compiled modules with `setJpegWasm`.
 */
import decoderFactory from '@jsquash/jpeg/codec/dec/mozjpeg_dec.js';
import encoderFactory from '@jsquash/jpeg/codec/enc/mozjpeg_enc.js';
import type { MozJPEGModule as DecoderModule } from '@jsquash/jpeg/codec/dec/mozjpeg_dec.js';
import type { MozJPEGModule as EncoderModule } from '@jsquash/jpeg/codec/enc/mozjpeg_enc.js';
import { encodeJpegBaseline, type ChromaSubsampling } from './jpeg-encoder.js';
import { fromRGBA, toUint8, toRGB, toRGBA } from './convert.js';
import type { FloatImage } from './types.js';

/**
 * A compiled `WebAssembly.Module`. Declared as `object` so that these declarations need neither the DOM nor a
 * WebAssembly lib in a consumer's TypeScript settings.
 */
export type CompiledWasmModule = object;

export interface JpegWasmSources {
  decoder?: CompiledWasmModule | (() => Promise<CompiledWasmModule>);
  encoder?: CompiledWasmModule | (() => Promise<CompiledWasmModule>);
}

let sources: JpegWasmSources | null = null;
let decoderP: Promise<DecoderModule> | null = null;
let encoderP: Promise<EncoderModule> | null = null;
let decoder: DecoderModule | null = null;
let encoder: EncoderModule | null = null;

/** Provide the compiled @jsquash/jpeg WebAssembly modules (before the first JPEG call). */
export function setJpegWasm(s: JpegWasmSources): void {
  sources = s;
  decoderP = encoderP = null;
  decoder = encoder = null;
}

const isNode = typeof process === 'object' && typeof process.versions === 'object' && !!process.versions.node;

async function nodeSources(): Promise<JpegWasmSources> {
  // A computed specifier keeps bundlers from pulling Node-only code into browser builds.
  const spec = './jpeg-node.js';
  const mod = (await import(/* @vite-ignore */ spec)) as { nodeJpegWasm(): JpegWasmSources };
  return mod.nodeJpegWasm();
}

// libjpeg's warnings (e.g. "Corrupt JPEG data: N extraneous bytes") would go to the console: keep it quiet, but
// remember the last line, as a fatal error's reason is printed there before the module exits ("Program
// terminated with exit(1)" is all the exception says).
let lastMessage = '';
const quiet = { print: (): void => {}, printErr: (s: string): void => { lastMessage = String(s); } };

async function instantiate<T>(factory: (o?: object) => Promise<T>, src: JpegWasmSources['decoder']): Promise<T> {
  if (!src) return factory({ noInitialRun: true, ...quiet });
  const wasm = typeof src === 'function' ? await src() : src;
  return factory({
    noInitialRun: true,
    ...quiet,
    instantiateWasm: (imports: WebAssembly.Imports, done: (i: WebAssembly.Instance) => void) => {
      const inst = new WebAssembly.Instance(wasm as WebAssembly.Module, imports);
      done(inst);
      return inst.exports;
    },
  });
}

/** Load the decoder (and, with `encoder: true`, the MozJPEG encoder). Safe to call many times. */
export async function initJpeg(opts: { encoder?: boolean } = {}): Promise<void> {
  if (!sources && isNode) sources = await nodeSources();
  if (!decoderP) decoderP = instantiate(decoderFactory as unknown as (o?: object) => Promise<DecoderModule>, sources?.decoder);
  decoder = await decoderP;
  if (opts.encoder) {
    if (!encoderP) encoderP = instantiate(encoderFactory as unknown as (o?: object) => Promise<EncoderModule>, sources?.encoder);
    encoder = await encoderP;
  }
}

export function jpegReady(): boolean { return decoder !== null; }

/** Decode JPEG bytes to RGBA (synchronous; needs `initJpeg()` first). Throws on corrupt data. */
export function decodeJpegRGBASync(bytes: Uint8Array): { data: Uint8ClampedArray; width: number; height: number } {
  if (!decoder) throw new Error('JPEG decoder not initialised: await initJpeg() first');
  // The wasm glue copies the input; give it a plain ArrayBuffer view.
  const buf = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer
    ? bytes.buffer : bytes.slice().buffer;
  lastMessage = '';
  let out: { data: Uint8ClampedArray; width: number; height: number } | null;
  try {
    out = decoder.decode(buf, false) as unknown as typeof out;
  } catch (e) {
    throw new Error(lastMessage.trim() || (e as Error).message);
  }
  if (!out || !out.width || !out.height) throw new Error(lastMessage.trim() || 'not a decodable JPEG');
  return out;
}

/** Decode JPEG bytes to an RGB float image. */
export async function decodeJpeg(bytes: Uint8Array): Promise<FloatImage> {
  await initJpeg();
  return decodeJpegSync(bytes);
}

export function decodeJpegSync(bytes: Uint8Array): FloatImage {
  const d = decodeJpegRGBASync(bytes);
  return fromRGBA(d.data, d.width, d.height);
}

export type JpegEncoderName = 'libjpeg' | 'mozjpeg';

export interface EncodeJpegOptions {
  quality: number;
  subsampling?: ChromaSubsampling;
  /**
   * 'libjpeg' (default): the libjpeg-compatible encoder (the same bytes in every engine); 'mozjpeg': @jsquash's
   * MozJPEG (trellis), whose bytes can depend on earlier calls in the same process (seen: q 30 after a q 95 call
   * differs from a first q 30 call), so it is not for seeded, reproducible pipelines.
   */
  encoder?: JpegEncoderName;
}

/** Encode an RGB (or grey) float image as JPEG (synchronous; 'mozjpeg' needs `initJpeg({encoder: true})`). */
export function encodeJpegSync(img: FloatImage, opts: EncodeJpegOptions): Uint8Array {
  const q = opts.quality;
  if (!Number.isFinite(q) || q < 1 || q > 100) throw new RangeError(`JPEG quality must be in 1..100, got ${q}`);
  if ((opts.encoder ?? 'libjpeg') === 'mozjpeg') {
    if (!encoder) throw new Error('MozJPEG encoder not initialised: await initJpeg({ encoder: true }) first');
    const rgba = toRGBA(img);
    const quality = Math.round(q);
    return encoder.encode(rgba as Uint8ClampedArray<ArrayBuffer>, img.width, img.height, {
      quality, baseline: true, arithmetic: false, progressive: false, optimize_coding: false, smoothing: 0,
      color_space: 3, quant_table: 0, trellis_multipass: false, trellis_opt_zero: false, trellis_opt_table: false,
      trellis_loops: 1, auto_subsample: false, chroma_subsample: opts.subsampling === '444' ? 1 : 2,
      separate_chroma_quality: false, chroma_quality: quality,
    }).slice();
  }
  if (img.channels === 1) return encodeJpegBaseline(toUint8(img), img.width, img.height, 1, { quality: q });
  if (img.channels === 2) {
    // grey + alpha: JPEG has no alpha, and the grey stays grey (one component)
    const grey = new Float32Array(img.width * img.height);
    for (let i = 0; i < grey.length; i++) grey[i] = img.data[2 * i]!;
    return encodeJpegBaseline(toUint8({ data: grey, width: img.width, height: img.height, channels: 1 }), img.width, img.height, 1, { quality: q });
  }
  const rgb = toRGB(img);
  return encodeJpegBaseline(toUint8(rgb), rgb.width, rgb.height, 3, { quality: q, subsampling: opts.subsampling ?? '420' });
}

export async function encodeJpeg(img: FloatImage, opts: EncodeJpegOptions): Promise<Uint8Array> {
  if (opts.encoder === 'mozjpeg') await initJpeg({ encoder: true });
  return encodeJpegSync(img, opts);
}
