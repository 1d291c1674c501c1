/** Conversions between float images and 8/16-bit pixel buffers, quantisation and channel layout changes. */
import { createImage, type FloatImage } from './types.js';
import { wasmMemory, lazySimdKernel } from '../common/wasm-simd.js';
import { quantizeWasmBase64 } from './wasm/quantize.wasm.js';

/** Round half to even (numpy's np.round / the spec's q(·)). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x); // half up
  if (r - x === 0.5 && (r & 1) === 1) return r - 1;
  return r;
}

/** q(x) = clip(round(255x), 0, 255) as an integer 0..255 (round half to even). */
export function toByte(x: number): number {
  const v = x * 255;
  if (!(v > 0)) return 0; // also NaN -> 0
  if (v >= 255) return 255;
  return roundHalfEven(v);
}

/**
 * The two whole-image loops below in WebAssembly (`wasm/quantize.wat`, the same arithmetic, so the same
 * results; about three times faster). Null where WebAssembly is unavailable.
 */
interface WasmQuantize {
  memory: WebAssembly.Memory;
  quantize: (p: number, n: number) => void;
  toBytes: (src: number, n: number, dst: number) => void;
  fromRGBA: (src: number, n: number, dst: number) => void;
}
const getWasmQuantize = lazySimdKernel<WasmQuantize>(quantizeWasmBase64);

/** Below this many values the copies in and out of the module cost more than they save. */
const WASM_MIN_VALUES = 4096;

/** Quantise in place to the 8-bit grid: x <- q(x)/255. Returns the same image. */
export function quantizeInPlace(img: FloatImage): FloatImage {
  const d = img.data;
  const wasm = d.length >= WASM_MIN_VALUES ? getWasmQuantize() : null;
  if (wasm) {
    const view = new Float32Array(wasmMemory(wasm.memory, 4 * d.length), 0, d.length);
    view.set(d);
    wasm.quantize(0, d.length);
    d.set(view);
    return img;
  }
  for (let i = 0; i < d.length; i++) d[i] = toByte(d[i]!) / 255;
  return img;
}

export function quantize(img: FloatImage): FloatImage {
  return quantizeInPlace({ ...img, data: img.data.slice() });
}

/** Clip to [0, 1] in place. */
export function clipInPlace(img: FloatImage): FloatImage {
  const d = img.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    d[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  return img;
}

/** Float image -> bytes (same channel count), with q(·). */
export function toUint8(img: FloatImage): Uint8Array {
  const d = img.data;
  const wasm = d.length >= WASM_MIN_VALUES ? getWasmQuantize() : null;
  if (wasm) {
    const buf = wasmMemory(wasm.memory, 5 * d.length);
    new Float32Array(buf, 0, d.length).set(d);
    wasm.toBytes(0, d.length, 4 * d.length);
    return new Uint8Array(buf, 4 * d.length, d.length).slice();
  }
  const out = new Uint8Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = toByte(d[i]!);
  return out;
}

/** Bytes (any channel count) -> float image in [0, 1]. */
export function fromUint8(data: ArrayLike<number>, width: number, height: number, channels: number): FloatImage {
  if (data.length !== width * height * channels) {
    throw new RangeError(`pixel buffer has ${data.length} values, expected ${width * height * channels}`);
  }
  const img = createImage(width, height, channels);
  const d = img.data;
  for (let i = 0; i < d.length; i++) d[i] = data[i]! / 255;
  return img;
}

/** 16-bit samples -> float image in [0, 1]. */
export function fromUint16(data: ArrayLike<number>, width: number, height: number, channels: number): FloatImage {
  const img = createImage(width, height, channels);
  const d = img.data;
  for (let i = 0; i < d.length; i++) d[i] = data[i]! / 65535;
  return img;
}

export function toUint16(img: FloatImage): Uint16Array {
  const d = img.data;
  const out = new Uint16Array(d.length);
  for (let i = 0; i < d.length; i++) {
    const v = d[i]! * 65535;
    out[i] = !(v > 0) ? 0 : v >= 65535 ? 65535 : roundHalfEven(v);
  }
  return out;
}

/**
 * Any of grey (1), grey+alpha (2), RGB (3), RGBA (4) -> RGB. Alpha is dropped (not composited), as the
 * datasets ship RGBA files with an opaque alpha.
 */
export function toRGB(img: FloatImage): FloatImage {
  const { width, height, channels } = img;
  if (channels === 3) return img;
  const n = width * height;
  const out = createImage(width, height, 3);
  const s = img.data, d = out.data;
  if (channels === 1 || channels === 2) {
    for (let i = 0; i < n; i++) { const v = s[i * channels]!; d[3 * i] = v; d[3 * i + 1] = v; d[3 * i + 2] = v; }
  } else if (channels === 4) {
    for (let i = 0; i < n; i++) { d[3 * i] = s[4 * i]!; d[3 * i + 1] = s[4 * i + 1]!; d[3 * i + 2] = s[4 * i + 2]!; }
  } else {
    throw new RangeError(`cannot convert a ${channels}-channel image to RGB`);
  }
  return out;
}

/** RGB(A) bytes of an ImageData-like object (browser canvas, jSquash) -> RGB float image (one pass). */
export function fromRGBA(data: Uint8Array | Uint8ClampedArray, width: number, height: number): FloatImage {
  if (data.length !== width * height * 4) throw new RangeError(`pixel buffer has ${data.length} values, expected ${width * height * 4}`);
  const n = width * height;
  const wasm = 3 * n >= WASM_MIN_VALUES ? getWasmQuantize() : null;
  if (wasm) {
    // every decoded JPEG of the degradation pipeline comes through here: four pixels per SIMD step, the same values
    const buf = wasmMemory(wasm.memory, 16 * n);
    new Uint8Array(buf, 0, 4 * n).set(data);
    wasm.fromRGBA(0, n, 4 * n);
    return { data: new Float32Array(buf, 4 * n, 3 * n).slice(), width, height, channels: 3 };
  }
  const out = createImage(width, height, 3);
  const d = out.data;
  // b/255 from a table of the 256 values: the same float32 values as dividing, without a division per value
  const lut = BYTE_TO_UNIT;
  for (let i = 0, j = 0; i < d.length; i += 3, j += 4) {
    d[i] = lut[data[j]!]!; d[i + 1] = lut[data[j + 1]!]!; d[i + 2] = lut[data[j + 2]!]!;
  }
  return out;
}

/** BYTE_TO_UNIT[b] = b / 255 as float32. */
const BYTE_TO_UNIT = Float32Array.from({ length: 256 }, (_, b) => b / 255);

/** Float image (1, 3 or 4 channels) -> RGBA bytes with opaque alpha where absent (for ImageData / encoders). */
export function toRGBA(img: FloatImage): Uint8ClampedArray {
  const { width, height, channels } = img;
  const n = width * height;
  const out = new Uint8ClampedArray(n * 4);
  const s = img.data;
  for (let i = 0; i < n; i++) {
    if (channels >= 3) {
      out[4 * i] = toByte(s[i * channels]!);
      out[4 * i + 1] = toByte(s[i * channels + 1]!);
      out[4 * i + 2] = toByte(s[i * channels + 2]!);
      out[4 * i + 3] = channels === 4 ? toByte(s[i * channels + 3]!) : 255;
    } else {
      const v = toByte(s[i * channels]!);
      out[4 * i] = v; out[4 * i + 1] = v; out[4 * i + 2] = v;
      out[4 * i + 3] = channels === 2 ? toByte(s[i * channels + 1]!) : 255;
    }
  }
  return out;
}

/** Copy one channel out as a single-channel image. */
export function getChannel(img: FloatImage, c: number): FloatImage {
  const out = createImage(img.width, img.height, 1);
  const n = img.width * img.height, C = img.channels;
  for (let i = 0; i < n; i++) out.data[i] = img.data[i * C + c]!;
  return out;
}

/** Planar RGB (3 planes of width×height, CHW as the networks take it, at `offset`) → an interleaved RGB image. */
export function planarToImage(src: Float32Array, width: number, height: number, offset = 0): FloatImage {
  const n = width * height, data = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) data[3 * i + c] = src[offset + c * n + i]!;
  return { data, width, height, channels: 3 };
}

/** An interleaved RGB image → planar RGB written into `dst` at `offset` (the inverse of `planarToImage`). */
export function imageToPlanar(img: FloatImage, dst: Float32Array, offset = 0): void {
  const n = img.width * img.height;
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) dst[offset + c * n + i] = img.data[3 * i + c]!;
}

/**
 * Whether the first `compared` channels (default 3) of interleaved pixels hold the same value everywhere: a grey
 * picture stored as RGB. Stops at the first pixel that differs, so a colour image costs next to nothing.
 */
export function channelsEqual(data: ArrayLike<number>, channels: number, compared = Math.min(channels, 3)): boolean {
  for (let i = 0; i < data.length; i += channels) {
    const v = data[i];
    for (let c = 1; c < compared; c++) if (data[i + c] !== v) return false;
  }
  return true;
}
