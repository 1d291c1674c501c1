/**
 * The Hugging Face safetensors format, in memory (runs in Node and in browsers; file IO is in
 * `safetensors-node.ts`).
 *
 * Layout: 8 bytes little-endian u64 N, then N bytes of UTF-8 JSON (padded with spaces so that 8 + N is a
 * multiple of 8), then the tensor bytes. The JSON maps each tensor name to
 * `{ "dtype", "shape", "data_offsets": [begin, end] }` (offsets relative to the start of the data section)
 * and may hold `"__metadata__": { string: string }`. Tensor data is little-endian, row-major, and the data
 * section is covered exactly once: no gaps, no overlaps, no trailing bytes (what the reference Rust reader
 * checks). We write tensors widest dtype first, then by name (so each starts aligned to its element size, which
 * the reference writer also guarantees by sorting on dtype); any
 * order is read.
 */
import { IrsdeError } from '../common/errors.js';

export type Dtype =
  | 'F64' | 'F32' | 'F16' | 'BF16'
  | 'I64' | 'I32' | 'I16' | 'I8'
  | 'U64' | 'U32' | 'U16' | 'U8'
  | 'BOOL';

export type TensorData =
  | Float64Array | Float32Array
  | BigInt64Array | BigUint64Array
  | Int32Array | Int16Array | Int8Array
  | Uint32Array | Uint16Array | Uint8Array;

/** One tensor. F16/BF16 data is the raw 16-bit patterns (Uint16Array); BOOL is a Uint8Array of 0/1. */
export interface SafeTensor {
  dtype: Dtype;
  shape: number[];
  data: TensorData;
}

/** What `encodeSafetensors` accepts: like SafeTensor, plus F16/BF16 given as a Float32Array (converted). */
export interface SafeTensorInput {
  dtype: Dtype;
  shape: readonly number[];
  data: TensorData;
}

export interface DecodedSafetensors {
  tensors: Record<string, SafeTensor>;
  metadata: Record<string, string>;
}

export interface DecodeOptions {
  /** Convert F16 and BF16 tensors to Float32Array (their dtype then reads 'F32'). Default false. */
  toFloat32?: boolean;
}

interface DtypeInfo { size: number; ctor: { new(buf: ArrayBuffer): TensorData; name: string } }

const DTYPES: Record<Dtype, DtypeInfo> = {
  F64: { size: 8, ctor: Float64Array },
  F32: { size: 4, ctor: Float32Array },
  F16: { size: 2, ctor: Uint16Array },
  BF16: { size: 2, ctor: Uint16Array },
  I64: { size: 8, ctor: BigInt64Array },
  I32: { size: 4, ctor: Int32Array },
  I16: { size: 2, ctor: Int16Array },
  I8: { size: 1, ctor: Int8Array },
  U64: { size: 8, ctor: BigUint64Array },
  U32: { size: 4, ctor: Uint32Array },
  U16: { size: 2, ctor: Uint16Array },
  U8: { size: 1, ctor: Uint8Array },
  BOOL: { size: 1, ctor: Uint8Array },
};

/** Same limit as the reference implementation: a header over 100 MB is treated as corrupt. */
const MAX_HEADER = 100_000_000;
const HINT = 'the file is not a valid safetensors file (truncated or corrupt?); re-export or re-download it';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Element types the safetensors format defines that irsde does not read (valid files, refused as unsupported). */
const OTHER_FORMAT_DTYPES: readonly string[] = ['F8_E4M3', 'F8_E5M2', 'F8_E8M0', 'F6_E2M3', 'F6_E3M2', 'F4', 'C64'];

function bad(what: string, hint = HINT): IrsdeError {
  return new IrsdeError('bad-safetensors', `bad safetensors: ${what}`, { hint });
}

export function isDtype(s: unknown): s is Dtype {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(DTYPES, s);
}

export function dtypeSize(d: Dtype): number {
  return DTYPES[d].size;
}

function numelOf(shape: readonly unknown[], name: string, forDecode: boolean): number {
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      const msg = `tensor "${name}" has an invalid shape ${JSON.stringify(shape)}`;
      throw forDecode ? bad(msg) : new IrsdeError('bad-safetensors', msg, { hint: 'dimensions must be non-negative integers' });
    }
    n *= d;
  }
  if (!Number.isSafeInteger(n)) throw bad(`tensor "${name}" has too many elements`);
  return n;
}

// ---------------------------------------------------------------------------------------------------------
// half precision conversions

const f32buf = new Float32Array(1);
const u32buf = new Uint32Array(f32buf.buffer);

/** IEEE binary16 bits -> number. */
export function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m === 0 ? s * Infinity : NaN;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** number -> IEEE binary16 bits, round to nearest even (like numpy/PyTorch). */
export function f32ToF16(x: number): number {
  f32buf[0] = x;
  const b = u32buf[0]!;
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 | (mant >>> 13) : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00; // overflow -> inf
  if (e <= 0) {
    if (e < -10) return sign; // underflows to zero
    mant |= 0x800000; // implicit bit
    const shift = 14 - e; // 14..24
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let r = mant >>> shift;
    if (rest > half || (rest === half && (r & 1))) r += 1;
    return sign | r; // may carry into the exponent: that is the right answer
  }
  let r = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (r & 1))) r += 1; // carry may reach inf: correct
  return sign | r;
}

/** bfloat16 bits -> number. */
export function bf16ToF32(h: number): number {
  u32buf[0] = (h & 0xffff) << 16;
  return f32buf[0]!;
}

/** number -> bfloat16 bits, round to nearest even; NaN stays NaN. */
export function f32ToBf16(x: number): number {
  f32buf[0] = x;
  const b = u32buf[0]!;
  if ((b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0) return ((b >>> 16) | 0x40) & 0xffff;
  const r = b + 0x7fff + ((b >>> 16) & 1);
  return (r >>> 16) & 0xffff;
}

/** float32 bit patterns of all 65 536 binary16 values (exact: every half is a float32), built on first use. */
let f16Table: Uint32Array | null = null;
function halfToFloatBits(): Uint32Array {
  if (!f16Table) {
    const f = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) f[h] = f16ToF32(h);
    f16Table = new Uint32Array(f.buffer);
  }
  return f16Table;
}

/** Halves to float32 by table (f16ToF32 per value costs ~100 ns in its powers of two; the table ~2 ns). */
export function f16ArrayToF32(src: Uint16Array): Float32Array {
  const out = new Float32Array(src.length);
  const bits = new Uint32Array(out.buffer), table = halfToFloatBits();
  for (let i = 0; i < src.length; i++) bits[i] = table[src[i]!]!;
  return out;
}

export function bf16ArrayToF32(src: Uint16Array): Float32Array {
  const out = new Float32Array(src.length);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < src.length; i++) bits[i] = src[i]! << 16;
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// encode

function expectedArrayName(d: Dtype): string {
  return DTYPES[d].ctor.name;
}

/** The tensor's bytes, little-endian, as a Uint8Array (a view when no conversion is needed). */
function tensorBytes(name: string, t: SafeTensorInput): Uint8Array {
  const info = DTYPES[t.dtype];
  let data = t.data;
  if ((t.dtype === 'F16' || t.dtype === 'BF16') && data instanceof Float32Array) {
    const conv = t.dtype === 'F16' ? f32ToF16 : f32ToBf16;
    const out = new Uint16Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = conv(data[i]!);
    data = out;
  }
  if (!(data instanceof info.ctor)) {
    throw new IrsdeError('bad-safetensors', `tensor "${name}" has dtype ${t.dtype} but its data is a ${data.constructor.name}`, {
      hint: `give ${t.dtype} data as a ${expectedArrayName(t.dtype)}`,
    });
  }
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return LITTLE_ENDIAN || info.size === 1 ? bytes : byteSwapped(bytes, info.size);
}

function byteSwapped(bytes: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += size) for (let j = 0; j < size; j++) out[i + j] = bytes[i + size - 1 - j]!;
  return out;
}

/**
 * Serialise tensors (widest dtype first, then by name) and optional string metadata to safetensors bytes.
 * Throws IrsdeError('bad-safetensors') when a tensor's data does not match its dtype or shape.
 */
export function encodeSafetensors(tensors: Record<string, SafeTensorInput>, metadata?: Record<string, string>): Uint8Array {
  // Widest dtype first, then by name: every tensor then starts at a multiple of
  // its element size, so readers can view the bytes as typed arrays without copying.
  const width = (n: string): number => (isDtype(tensors[n]!.dtype) ? DTYPES[tensors[n]!.dtype].size : 0);
  const names = Object.keys(tensors).sort((a, b) => width(b) - width(a) || (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = Object.create(null);
  if (metadata && Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') {
        throw new IrsdeError('bad-safetensors', `metadata "${k}" is a ${typeof v}, not a string`, { hint: 'safetensors metadata values must be strings (JSON.stringify them)' });
      }
    }
    const md: Record<string, string> = Object.create(null);
    for (const [k, v] of Object.entries(metadata)) md[k] = v;
    header['__metadata__'] = md;
  }
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    if (name === '__metadata__') throw new IrsdeError('bad-safetensors', 'a tensor may not be named "__metadata__"');
    const t = tensors[name]!;
    if (!isDtype(t.dtype)) throw new IrsdeError('bad-safetensors', `tensor "${name}" has unknown dtype ${String(t.dtype)}`, { hint: `dtypes: ${Object.keys(DTYPES).join(', ')}` });
    const n = numelOf(t.shape, name, false);
    if (t.data.length !== n) {
      throw new IrsdeError('bad-safetensors', `tensor "${name}" has shape [${t.shape.join(', ')}] (${n} elements) but ${t.data.length} values`);
    }
    const bytes = tensorBytes(name, t);
    header[name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const pad = (8 - (json.length % 8)) % 8;
  const total = 8 + json.length + pad + offset;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(json.length + pad), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + json.length + pad);
  let p = 8 + json.length + pad;
  for (const c of chunks) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// decode

/** Parse and check the header only; returns the JSON header object and where the data section starts. */
function readHeader(bytes: Uint8Array): { header: Record<string, unknown>; dataStart: number } {
  if (!(bytes instanceof Uint8Array)) throw bad('input is not a Uint8Array');
  if (bytes.length < 8) throw bad(`file is ${bytes.length} bytes, shorter than the 8-byte header size`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = dv.getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER)) throw bad(`header size ${n64} is over the ${MAX_HEADER}-byte limit`);
  const n = Number(n64);
  if (8 + n > bytes.length) throw bad(`header size ${n} runs past the end of the ${bytes.length}-byte file (truncated?)`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    throw bad('header is not valid UTF-8');
  }
  if (!text.startsWith('{')) throw bad('header does not start with "{"');
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw bad(`header is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw bad('header is not a JSON object');
  return { header: header as Record<string, unknown>, dataStart: 8 + n };
}

interface Entry { name: string; dtype: Dtype; shape: number[]; begin: number; end: number }

/** Parse and fully validate the header against the byte length; copies no tensor data. */
function parseEntries(bytes: Uint8Array): { entries: Entry[]; metadata: Record<string, string>; dataStart: number } {
  const { header, dataStart } = readHeader(bytes);
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = Object.create(null);
  const raw = header['__metadata__'];
  if (raw !== undefined && raw !== null) {
    if (typeof raw !== 'object' || Array.isArray(raw)) throw bad('"__metadata__" is not an object of strings');
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
      if (typeof v !== 'string') throw bad(`metadata "${k}" is not a string`);
      metadata[k] = v;
    }
  }

  const entries: Entry[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (info === null || typeof info !== 'object' || Array.isArray(info)) throw bad(`entry "${name}" is not an object`);
    const { dtype, shape, data_offsets: offs } = info as Record<string, unknown>;
    if (!isDtype(dtype) && !OTHER_FORMAT_DTYPES.includes(dtype as string)) throw bad(`tensor "${name}" has unknown dtype ${JSON.stringify(dtype)}`);
    if (!isDtype(dtype)) {
      throw new IrsdeError('unsupported-safetensors', `safetensors tensor "${name}" has dtype ${JSON.stringify(dtype)}, which irsde does not read`, {
        hint: `readable dtypes: ${Object.keys(DTYPES).join(', ')}; convert the tensor (e.g. to F32) first`,
      });
    }
    if (!Array.isArray(shape)) throw bad(`tensor "${name}" has no shape array`);
    const numel = numelOf(shape, name, true);
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => typeof o === 'number' && Number.isSafeInteger(o) && o >= 0)) {
      throw bad(`tensor "${name}" has invalid data_offsets ${JSON.stringify(offs)}`);
    }
    const [begin, end] = offs as [number, number];
    if (end < begin) throw bad(`tensor "${name}" has data_offsets [${begin}, ${end}] with end before begin`);
    if (end > dataLen) throw bad(`tensor "${name}" has data_offsets [${begin}, ${end}] past the end of the ${dataLen}-byte data section (truncated?)`);
    const size = DTYPES[dtype].size;
    if (end - begin !== numel * size) {
      throw bad(`tensor "${name}" is ${dtype} [${shape.join(', ')}] = ${numel * size} bytes but data_offsets span ${end - begin} bytes`);
    }
    entries.push({ name, dtype, shape: shape as number[], begin, end });
  }

  // The data section must be covered exactly once, in offset order, as the reference reader requires.
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  for (const e of byOffset) {
    if (e.begin < pos) throw bad(`tensor "${e.name}" at [${e.begin}, ${e.end}] overlaps the previous tensor (ends at ${pos})`);
    if (e.begin > pos) throw bad(`gap in the data section before tensor "${e.name}" (bytes ${pos}..${e.begin} belong to no tensor)`);
    pos = e.end;
  }
  if (pos !== dataLen) throw bad(`data section is ${dataLen} bytes but the tensors cover ${pos} (extra trailing bytes)`);

  return { entries, metadata, dataStart };
}

/**
 * Parse safetensors bytes. Every tensor is copied into its own (aligned) typed array, so the result does not
 * alias `bytes`. Throws IrsdeError('bad-safetensors', …) naming what is wrong.
 */
export function decodeSafetensors(bytes: Uint8Array, opts: DecodeOptions = {}): DecodedSafetensors {
  const { entries, metadata, dataStart } = parseEntries(bytes);
  // Null-prototype records: a tensor named "__proto__" must stay an ordinary key.
  const tensors: Record<string, SafeTensor> = Object.create(null);
  const base = bytes.byteOffset + dataStart;
  for (const e of entries) {
    const info = DTYPES[e.dtype];
    // ArrayBuffer.slice copies into a fresh buffer at offset 0, so the view is always aligned.
    const buf = bytes.buffer.slice(base + e.begin, base + e.end) as ArrayBuffer;
    if (!LITTLE_ENDIAN && info.size > 1) new Uint8Array(buf).set(byteSwapped(new Uint8Array(buf), info.size));
    let data: TensorData = new info.ctor(buf);
    let dtype = e.dtype;
    if (opts.toFloat32 && (dtype === 'F16' || dtype === 'BF16')) {
      data = dtype === 'F16' ? f16ArrayToF32(data as Uint16Array) : bf16ArrayToF32(data as Uint16Array);
      dtype = 'F32';
    }
    tensors[e.name] = { dtype, shape: e.shape, data };
  }
  return { tensors, metadata };
}

/** Only the (validated) header: names, dtypes, shapes, byte offsets and metadata, without copying tensor data. */
export function readSafetensorsHeader(bytes: Uint8Array): {
  tensors: Record<string, { dtype: Dtype; shape: number[]; dataOffsets: [number, number] }>;
  metadata: Record<string, string>;
  dataStart: number;
} {
  const { entries, metadata, dataStart } = parseEntries(bytes);
  const tensors: Record<string, { dtype: Dtype; shape: number[]; dataOffsets: [number, number] }> = Object.create(null);
  for (const e of entries) tensors[e.name] = { dtype: e.dtype, shape: e.shape, dataOffsets: [e.begin, e.end] };
  return { tensors, metadata, dataStart };
}
