/**
 * A baseline JPEG decoder for the files our own encoder writes (jpeg-encoder.ts): 8-bit, Huffman-coded, one
 * interleaved scan, greyscale or YCbCr with 4:4:4 or 4:2:0 chroma, no restart intervals. It returns the same
 * float32 RGB (b/255) as `fromRGBA(decodeJpegRGBASync(bytes))`, i.e. libjpeg-turbo's default decode in the
 * @jsquash/jpeg build, bit for bit (wasm/jpeg-decode.wat says which libjpeg-turbo behaviour that takes), without
 * the emscripten wrapper, the RGBA copy and the conversion pass.
 *
 * The headers (DQT, DHT, SOF0, SOS) are read here and the Huffman tables built here; the WebAssembly SIMD kernel
 * decodes the scan and makes the pixels. Anything outside that scope (progressive or 12-bit frames, restart
 * intervals, other samplings, Adobe colour transforms, a bad Huffman code...) and engines without WebAssembly SIMD
 * (or `setSimdKernels(false)`) get null: the caller decodes with @jsquash instead, which gives the same values.
 */
import { lazySimdKernel, wasmMemory } from '../common/wasm-simd.js';
import { jpegDecodeWasmBase64 } from './wasm/jpeg-decode.wasm.js';
import { ZIGZAG } from './jpeg-encoder.js';
import type { FloatImage } from './types.js';
import { takeImageBuffer } from './buffers.js';

interface JpegDecodeKernel {
  memory: WebAssembly.Memory;
  decodeScan: (input: number, end: number, ncomp: number, hs: number, mcusX: number, mcusY: number) => number;
  toRGB: (width: number, height: number, ncomp: number, hs: number, out: number, tmp: number) => void;
}

/** The kernel's fixed memory layout (see jpeg-decode.wat). */
const K_HUFF = 0, K_HUFF_SLOT = 1536, K_MAXCODE = 1024, K_VALOFFSET = 1096, K_VALS = 1168;
const K_QUANT = 12288, K_NATURAL = 12800, K_BLOCK = 13184, K_COMP = 13312, K_COMP_BYTES = 32, K_FAST_AC = 16384, K_DYNAMIC = 24576;
/** Lookahead bits of the Huffman lookup table. */
const LOOKAHEAD = 9;
/** Larger images go to @jsquash rather than growing this module's memory past a few hundred MiB. */
const MAX_PIXELS = 1 << 25;

const instantiate = lazySimdKernel<JpegDecodeKernel>(jpegDecodeWasmBase64);
/** The raw DHT contents (counts then symbols) last written to each table slot, to skip rebuilding the same tables. */
const slotContents: (Uint8Array | null)[] = new Array<Uint8Array | null>(8).fill(null);
let naturalWritten = false;

function kernel(): JpegDecodeKernel | null {
  const k = instantiate();
  if (!k || naturalWritten) return k;
  // zigzag index → byte offset of its natural position in BLOCK, with jpeg_natural_order's 16 guard entries (63)
  const nat = new Int32Array(wasmMemory(k.memory, K_DYNAMIC), K_NATURAL, 80);
  for (let i = 0; i < 80; i++) nat[i] = K_BLOCK + 2 * (i < 64 ? ZIGZAG[i]! : 63);
  naturalWritten = true;
  return k;
}

/** Whether the kernel runs here (tests: otherwise decodeOwnJpeg always answers null). */
export function jpegDecodeKernelAvailable(): boolean { return kernel() !== null; }

/**
 * jpeg_make_d_derived_tbl into table slot `slot`: the lookahead table, maxcode and valoffset by code length, and
 * the symbols; for an AC table also the fast table (what a coefficient whose code and magnitude bits fit in the
 * next LOOKAHEAD bits decodes to). False for a table libjpeg rejects (codes that overflow their length, DC
 * symbols above 15).
 */
function writeHuffTable(mem: ArrayBuffer, slot: number, raw: Uint8Array, isDC: boolean): boolean {
  const prev = slotContents[slot];
  if (prev && prev.length === raw.length && prev.every((b, i) => b === raw[i])) return true;
  const base = K_HUFF + slot * K_HUFF_SLOT;
  const lut = new Uint16Array(mem, base, 1 << LOOKAHEAD);
  const maxcode = new Int32Array(mem, base + K_MAXCODE, 18);
  const valoffset = new Int32Array(mem, base + K_VALOFFSET, 18);
  const vals = new Uint8Array(mem, base + K_VALS, 256);
  lut.fill(0);
  valoffset.fill(0);
  vals.fill(0);
  const nsym = raw.length - 16;
  let code = 0, p = 0;
  for (let len = 1; len <= 16; len++) {
    const n = raw[len - 1]!;
    if (n) {
      valoffset[len] = p - code;
      for (let i = 0; i < n; i++, p++, code++) {
        const sym = raw[16 + p]!;
        if (isDC && sym > 15) return fail(slot);
        vals[p] = sym;
        if (len <= LOOKAHEAD) {
          const shift = LOOKAHEAD - len;
          lut.fill((len << 8) | sym, code << shift, (code + 1) << shift);
        }
      }
      maxcode[len] = code - 1;
    } else maxcode[len] = -1;
    if (code >= 1 << len) return fail(slot); // libjpeg: "Bogus Huffman table definition" (no all-ones code)
    code <<= 1;
  }
  if (p !== nsym) return fail(slot);
  maxcode[17] = 0xfffff;
  if (!isDC) {
    const fast = new Int32Array(mem, K_FAST_AC + (slot - 4) * 4 * (1 << LOOKAHEAD), 1 << LOOKAHEAD);
    for (let bits = 0; bits < 1 << LOOKAHEAD; bits++) {
      const e = lut[bits]!, len = e >> 8, sym = e & 255, size = sym & 15, used = len + size;
      if (!e || !size || used > LOOKAHEAD) { fast[bits] = 0; continue; }
      // HUFF_EXTEND of the magnitude bits that follow the code
      let v = (bits >> (LOOKAHEAD - used)) & ((1 << size) - 1);
      if (v < 1 << (size - 1)) v += (-1 << size) + 1;
      fast[bits] = (v << 16) | ((sym >> 4) << 4) | used;
    }
  }
  slotContents[slot] = raw.slice();
  return true;
}
function fail(slot: number): false { slotContents[slot] = null; return false; }

interface Component { id: number; h: number; v: number; tq: number; td: number; ta: number }

/**
 * Decodes `bytes` when they are within this decoder's scope (see the file comment) and the kernel runs; null
 * otherwise, without side effects the caller could notice.
 */
export function decodeOwnJpeg(bytes: Uint8Array): FloatImage | null {
  const k = kernel();
  if (!k) return null;
  const n = bytes.length;
  if (n < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  const u16 = (i: number): number => (bytes[i]! << 8) | bytes[i + 1]!;
  let mem = k.memory.buffer;
  const quantSeen = [false, false, false, false];
  const tableSeen = [false, false, false, false, false, false, false, false];
  let width = 0, height = 0, sawJfif = false, sawAdobe = false;
  let comps: Component[] | null = null;
  let scanStart = -1;
  let p = 2;
  while (scanStart < 0) {
    if (p + 4 > n || bytes[p] !== 0xff) return null;
    let m = bytes[++p]!;
    while (m === 0xff && p + 1 < n) m = bytes[++p]!; // fill bytes before a marker
    p++;
    if (m === 0xd8 || m === 0xd9 || (m >= 0xd0 && m <= 0xd7) || m === 0x01) return null;
    if (p + 2 > n) return null;
    const len = u16(p), end = p + len;
    if (len < 2 || end > n) return null;
    let q = p + 2;
    switch (m) {
      case 0xdb: // DQT: 8-bit tables only
        while (q < end) {
          const pq = bytes[q]! >> 4, tq = bytes[q]! & 15;
          if (pq !== 0 || tq > 3 || q + 65 > end) return null;
          const t = new Int16Array(mem, K_QUANT + 128 * tq, 64);
          for (let i = 0; i < 64; i++) t[ZIGZAG[i]!] = bytes[q + 1 + i]!;
          quantSeen[tq] = true;
          q += 65;
        }
        break;
      case 0xc4: // DHT
        while (q < end) {
          const tc = bytes[q]! >> 4, th = bytes[q]! & 15;
          if (tc > 1 || th > 3 || q + 17 > end) return null;
          let count = 0;
          for (let i = 1; i <= 16; i++) count += bytes[q + i]!;
          if (count > 256 || q + 17 + count > end) return null;
          if (!writeHuffTable(mem, 4 * tc + th, bytes.subarray(q + 1, q + 17 + count), tc === 0)) return null;
          tableSeen[4 * tc + th] = true;
          q += 17 + count;
        }
        break;
      case 0xc0: { // SOF0, baseline
        if (comps || bytes[q] !== 8) return null;
        height = u16(q + 1); width = u16(q + 3);
        const nf = bytes[q + 5]!;
        if (!height || !width || (nf !== 1 && nf !== 3) || q + 6 + 3 * nf > end) return null;
        comps = [];
        for (let i = 0; i < nf; i++) {
          const b = q + 6 + 3 * i;
          comps.push({ id: bytes[b]!, h: bytes[b + 1]! >> 4, v: bytes[b + 1]! & 15, tq: bytes[b + 2]!, td: 0, ta: 0 });
        }
        break;
      }
      case 0xdd: // DRI: restart intervals are not ours
        if (len < 4 || u16(q) !== 0) return null;
        break;
      case 0xda: { // SOS: one scan with every component, in frame order, whole spectrum
        const ns = bytes[q]!;
        if (!comps || ns !== comps.length || q + 1 + 2 * ns + 3 > end) return null;
        for (let i = 0; i < ns; i++) {
          const c = comps[i]!, b = q + 1 + 2 * i;
          if (bytes[b] !== c.id) return null;
          c.td = bytes[b + 1]! >> 4; c.ta = bytes[b + 1]! & 15;
        }
        const s = q + 1 + 2 * ns;
        if (bytes[s] !== 0 || bytes[s + 1] !== 63 || bytes[s + 2] !== 0) return null;
        scanStart = end;
        break;
      }
      case 0xe0: // APP0: JFIF implies YCbCr
        if (len >= 16 && bytes[q] === 0x4a && bytes[q + 1] === 0x46 && bytes[q + 2] === 0x49 && bytes[q + 3] === 0x46 && bytes[q + 4] === 0) sawJfif = true;
        break;
      case 0xee: // APP14: an Adobe colour transform flag (decides RGB vs YCbCr): leave it to libjpeg
        sawAdobe = true;
        break;
      default:
        // other SOFn (progressive, extended, arithmetic, lossless...) and DAC: not ours
        if ((m >= 0xc1 && m <= 0xcf) || m === 0xdc) return null;
        // APPn, COM and the rest: skipped
    }
    p = end;
  }
  if (!comps) return null;
  const ncomp = comps.length;
  // the colour space libjpeg assumes (jdapimin.c default_decompress_parms): YCbCr for JFIF or ids 1, 2, 3
  if (ncomp === 3 && (sawAdobe || !(sawJfif || (comps[0]!.id === 1 && comps[1]!.id === 2 && comps[2]!.id === 3)))) return null;
  const hs = comps[0]!.h;
  if (comps[0]!.v !== hs || (hs !== 1 && hs !== 2) || (ncomp === 1 && hs !== 1)) return null;
  for (let i = 1; i < ncomp; i++) if (comps[i]!.h !== 1 || comps[i]!.v !== 1) return null;
  for (const c of comps) if (c.tq > 3 || !quantSeen[c.tq] || c.td > 3 || c.ta > 3 || !tableSeen[c.td] || !tableSeen[4 + c.ta]) return null;
  if (width * height > MAX_PIXELS) return null;

  // Buffers: the rest of the file (the scan and what follows; the kernel stops at the first marker, 16 zero
  // bytes after), the planes in whole MCUs, the upsampling scratch and the output, each with 64 bytes of slack
  // for the kernel's whole-vector loads and stores.
  const mcu = 8 * hs;
  const mcusX = Math.ceil(width / mcu), mcusY = Math.ceil(height / mcu);
  const yStride = mcusX * mcu, cStride = mcusX * 8;
  const align = (x: number): number => (x + 63) & ~63;
  const inAt = K_DYNAMIC, inLen = n - scanStart;
  const yAt = align(inAt + inLen + 16);
  const cbAt = align(yAt + yStride * mcusY * mcu + 64);
  const cPlane = ncomp === 3 ? cStride * mcusY * 8 : 0;
  const crAt = align(cbAt + cPlane + 64);
  const tmpAt = align(crAt + cPlane + 64);
  const outAt = align(tmpAt + 6 * cStride + 256);
  const outLen = 3 * width * height;
  mem = wasmMemory(k.memory, outAt + 4 * outLen + 64);
  const bytesView = new Uint8Array(mem);
  bytesView.set(bytes.subarray(scanStart), inAt);
  bytesView.fill(0, inAt + inLen, inAt + inLen + 16);
  const rec = new Int32Array(mem, K_COMP, (3 * K_COMP_BYTES) >> 2);
  const planes = [yAt, cbAt, crAt];
  for (let i = 0; i < ncomp; i++) {
    const c = comps[i]!, r = (i * K_COMP_BYTES) >> 2;
    rec[r] = K_HUFF + c.td * K_HUFF_SLOT;
    rec[r + 1] = K_HUFF + (4 + c.ta) * K_HUFF_SLOT;
    rec[r + 2] = K_QUANT + 128 * c.tq;
    rec[r + 3] = planes[i]!;
    rec[r + 4] = i === 0 ? yStride : cStride;
    rec[r + 6] = K_FAST_AC + c.ta * 4 * (1 << LOOKAHEAD);
  }
  if (!k.decodeScan(inAt, inAt + inLen, ncomp, hs, mcusX, mcusY)) return null;
  k.toRGB(width, height, ncomp, hs, outAt, tmpAt);
  const data = takeImageBuffer(outLen);
  data.set(new Float32Array(mem, outAt, outLen));
  return { data, width, height, channels: 3 };
}
