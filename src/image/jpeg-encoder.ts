/**
 * A baseline JPEG encoder that follows libjpeg(-turbo)'s default path step by step: IJG quality scaling of
 * the Annex K tables, fixed-point RGB->YCbCr, 4:2:0 chroma by the h2v2 box filter with the 1,2,1,2 bias,
 * edge replication, the "islow" integer forward DCT, rounding quantisation, dummy edge blocks and the
 * standard Huffman tables. So its bytes decode to the same pixels as OpenCV's / PIL's `quality=q` output.
 *
 * Pure integer arithmetic: the same bytes in every JavaScript engine. mozjpeg (the @jsquash encoder) uses
 * trellis quantisation and is several times slower, so the degradation pipeline uses this one.
 */

import { lazySimdKernel, wasmMemory } from '../common/wasm-simd.js';
import { jpegWasmBase64 } from './wasm/jpeg.wasm.js';

export type ChromaSubsampling = '420' | '444';

export interface JpegEncodeOptions {
  quality: number;
  subsampling?: ChromaSubsampling;
  /** false: the portable TypeScript coder even where the WebAssembly SIMD kernel runs (tests: the same bytes). */
  simd?: boolean;
}

// Annex K tables, natural (row-major) order.
const STD_LUMINANCE_QUANT = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
  14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
  49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];
const STD_CHROMINANCE_QUANT = [
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99,
  47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
];

/** ZIGZAG[k] = natural index of the k-th coefficient in zigzag order. */
export const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21,
  28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61,
  54, 47, 55, 62, 63,
];

// Standard Huffman tables (Annex K.3): bits[1..16] counts, then values.
const DC_LUM_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_LUM_VAL = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const DC_CHR_BITS = [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0];
const DC_CHR_VAL = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const AC_LUM_BITS = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d];
const AC_LUM_VAL = [
  0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22, 0x71, 0x14, 0x32,
  0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16,
  0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45,
  0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
  0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94,
  0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6,
  0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8,
  0xd9, 0xda, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
  0xf9, 0xfa,
];
const AC_CHR_BITS = [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77];
const AC_CHR_VAL = [
  0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71, 0x13, 0x22, 0x32, 0x81,
  0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0, 0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34,
  0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44,
  0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
  0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92,
  0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4,
  0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6,
  0xd7, 0xd8, 0xd9, 0xda, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
  0xf9, 0xfa,
];

interface HuffTable { code: Uint16Array; size: Uint8Array }

function buildHuff(bits: number[], vals: number[]): HuffTable {
  const code = new Uint16Array(256), size = new Uint8Array(256);
  let c = 0, k = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < bits[len - 1]!; i++) {
      const v = vals[k++]!;
      code[v] = c;
      size[v] = len;
      c++;
    }
    c <<= 1;
  }
  return { code, size };
}

const HUFF = {
  dcL: buildHuff(DC_LUM_BITS, DC_LUM_VAL), acL: buildHuff(AC_LUM_BITS, AC_LUM_VAL),
  dcC: buildHuff(DC_CHR_BITS, DC_CHR_VAL), acC: buildHuff(AC_CHR_BITS, AC_CHR_VAL),
};

/** libjpeg's jpeg_quality_scaling + jpeg_add_quant_table(force_baseline = TRUE). */
export function quantTables(quality: number): { luma: Int32Array; chroma: Int32Array } {
  let q = Math.round(quality);
  if (q <= 0) q = 1;
  if (q > 100) q = 100;
  const scale = q < 50 ? Math.floor(5000 / q) : 200 - q * 2;
  const mk = (base: number[]): Int32Array => {
    const t = new Int32Array(64);
    for (let i = 0; i < 64; i++) {
      let v = Math.floor((base[i]! * scale + 50) / 100);
      if (v <= 0) v = 1;
      if (v > 255) v = 255;
      t[i] = v;
    }
    return t;
  };
  return { luma: mk(STD_LUMINANCE_QUANT), chroma: mk(STD_CHROMINANCE_QUANT) };
}

// Fixed-point colour conversion tables (jccolor.c).
const SCALEBITS = 16;
const ONE_HALF = 1 << (SCALEBITS - 1);
const CBCR_OFFSET = 128 << SCALEBITS;
const FIX = (x: number): number => Math.floor(x * (1 << SCALEBITS) + 0.5);
const FIX_R_Y = FIX(0.299), FIX_G_Y = FIX(0.587), FIX_B_Y = FIX(0.114), FIX_HALF = FIX(0.5);
const FIX_R_CB = FIX(0.16874), FIX_G_CB = FIX(0.33126), FIX_G_CR = FIX(0.41869), FIX_B_CR = FIX(0.08131);

// islow FDCT constants (jfdctint.c, CONST_BITS 13, PASS1_BITS 2)
const F_0_298 = 2446, F_0_390 = 3196, F_0_541 = 4433, F_0_765 = 6270, F_0_899 = 7373, F_1_175 = 9633,
  F_1_501 = 12299, F_1_847 = 15137, F_1_961 = 16069, F_2_053 = 16819, F_2_562 = 20995, F_3_072 = 25172;

/** In-place islow forward DCT of 64 centred samples (output scaled by 8, as libjpeg). */
function fdctIslow(d: Int32Array): void {
  // Pass 1: rows
  for (let r = 0; r < 64; r += 8) {
    const tmp0 = d[r]! + d[r + 7]!, tmp7 = d[r]! - d[r + 7]!;
    const tmp1 = d[r + 1]! + d[r + 6]!, tmp6 = d[r + 1]! - d[r + 6]!;
    const tmp2 = d[r + 2]! + d[r + 5]!, tmp5 = d[r + 2]! - d[r + 5]!;
    const tmp3 = d[r + 3]! + d[r + 4]!, tmp4 = d[r + 3]! - d[r + 4]!;
    const tmp10 = tmp0 + tmp3, tmp13 = tmp0 - tmp3, tmp11 = tmp1 + tmp2, tmp12 = tmp1 - tmp2;
    d[r] = (tmp10 + tmp11) << 2;
    d[r + 4] = (tmp10 - tmp11) << 2;
    let z1 = (tmp12 + tmp13) * F_0_541;
    d[r + 2] = (z1 + tmp13 * F_0_765 + 1024) >> 11;
    d[r + 6] = (z1 - tmp12 * F_1_847 + 1024) >> 11;
    z1 = tmp4 + tmp7;
    let z2 = tmp5 + tmp6, z3 = tmp4 + tmp6, z4 = tmp5 + tmp7;
    const z5 = (z3 + z4) * F_1_175;
    const t4 = tmp4 * F_0_298, t5 = tmp5 * F_2_053, t6 = tmp6 * F_3_072, t7 = tmp7 * F_1_501;
    z1 *= -F_0_899; z2 *= -F_2_562; z3 *= -F_1_961; z4 *= -F_0_390;
    z3 += z5; z4 += z5;
    d[r + 7] = (t4 + z1 + z3 + 1024) >> 11;
    d[r + 5] = (t5 + z2 + z4 + 1024) >> 11;
    d[r + 3] = (t6 + z2 + z3 + 1024) >> 11;
    d[r + 1] = (t7 + z1 + z4 + 1024) >> 11;
  }
  // Pass 2: columns
  for (let c = 0; c < 8; c++) {
    const tmp0 = d[c]! + d[c + 56]!, tmp7 = d[c]! - d[c + 56]!;
    const tmp1 = d[c + 8]! + d[c + 48]!, tmp6 = d[c + 8]! - d[c + 48]!;
    const tmp2 = d[c + 16]! + d[c + 40]!, tmp5 = d[c + 16]! - d[c + 40]!;
    const tmp3 = d[c + 24]! + d[c + 32]!, tmp4 = d[c + 24]! - d[c + 32]!;
    const tmp10 = tmp0 + tmp3, tmp13 = tmp0 - tmp3, tmp11 = tmp1 + tmp2, tmp12 = tmp1 - tmp2;
    d[c] = (tmp10 + tmp11 + 2) >> 2;
    d[c + 32] = (tmp10 - tmp11 + 2) >> 2;
    let z1 = (tmp12 + tmp13) * F_0_541;
    d[c + 16] = (z1 + tmp13 * F_0_765 + 16384) >> 15;
    d[c + 48] = (z1 - tmp12 * F_1_847 + 16384) >> 15;
    z1 = tmp4 + tmp7;
    let z2 = tmp5 + tmp6, z3 = tmp4 + tmp6, z4 = tmp5 + tmp7;
    const z5 = (z3 + z4) * F_1_175;
    const t4 = tmp4 * F_0_298, t5 = tmp5 * F_2_053, t6 = tmp6 * F_3_072, t7 = tmp7 * F_1_501;
    z1 *= -F_0_899; z2 *= -F_2_562; z3 *= -F_1_961; z4 *= -F_0_390;
    z3 += z5; z4 += z5;
    d[c + 56] = (t4 + z1 + z3 + 16384) >> 15;
    d[c + 40] = (t5 + z2 + z4 + 16384) >> 15;
    d[c + 24] = (t6 + z2 + z3 + 16384) >> 15;
    d[c + 8] = (t7 + z1 + z4 + 16384) >> 15;
  }
}

/** Growable byte buffer for the headers and the entropy-coded segment. */
class ByteSink {
  buf: Uint8Array;
  pos = 0;
  constructor(cap: number) { this.buf = new Uint8Array(Math.max(1024, cap)); }
  /** Make room for `n` more bytes. */
  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const nb = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    nb.set(this.buf.subarray(0, this.pos));
    this.buf = nb;
  }
  byte(b: number): void { this.reserve(1); this.buf[this.pos++] = b; }
  bytes(a: ArrayLike<number>): void { this.reserve(a.length); for (let i = 0; i < a.length; i++) this.buf[this.pos++] = a[i]!; }
  u16(v: number): void { this.byte((v >> 8) & 255); this.byte(v & 255); }
  result(): Uint8Array { return this.buf.slice(0, this.pos); }
}

/**
 * The entropy coder's bit accumulator. `put` appends up to 16 bits; whole bytes leave at once (with 0xFF
 * byte stuffing), so fewer than 8 bits stay behind and `acc` never exceeds 24 bits (a small integer in
 * every engine). The caller reserves room per block, so `put` never checks the buffer's size.
 */
class BitSink {
  acc = 0;
  nbits = 0;
  constructor(readonly out: ByteSink) {}
  put(code: number, size: number): void {
    let nbits = this.nbits + size;
    let acc = (this.acc << size) | (code & ((1 << size) - 1));
    if (nbits >= 8) {
      const out = this.out, buf = out.buf;
      let pos = out.pos;
      do {
        nbits -= 8;
        const b = (acc >> nbits) & 255;
        buf[pos++] = b;
        if (b === 0xff) buf[pos++] = 0;
      } while (nbits >= 8);
      out.pos = pos;
      acc &= (1 << nbits) - 1;
    }
    this.acc = acc; this.nbits = nbits;
  }
  /** Pad with 1-bits to a byte boundary. */
  flush(): void {
    if (this.nbits > 0) { this.out.reserve(2); this.put(0x7f, 8 - this.nbits); }
    this.acc = 0; this.nbits = 0;
  }
}

/** Bits needed for |v| (0 for 0): the JPEG magnitude category. */
function nbitsOf(v: number): number {
  return 32 - Math.clz32(v < 0 ? -v : v);
}

/** Worst case bytes of one block's code: DC ≤ 27 bits, 63 AC ≤ 26 bits each, 3 ZRL and EOB; doubled for stuffing. */
const MAX_BLOCK_BYTES = 2 * Math.ceil((27 + 63 * 26 + 3 * 11 + 16) / 8);

const ZIGZAG_I32 = Int32Array.from(ZIGZAG);

/**
 * Colour conversion (jccolor.c fixed point) into planes padded to PW × PH by edge replication, right then
 * bottom: a padded pixel repeats the last real pixel of its row, a padded row the last real row.
 */
function colourPlanes(rgb: Uint8Array, width: number, height: number, channels: 1 | 3, PW: number, PH: number): Int32Array[] {
  const planes: Int32Array[] = [];
  for (let c = 0; c < channels; c++) planes.push(new Int32Array(PW * PH));
  const p0 = planes[0]!;
  if (channels === 1) {
    for (let y = 0; y < height; y++) {
      const o = y * PW, s = y * width;
      for (let x = 0; x < width; x++) p0[o + x] = rgb[s + x]!;
      for (let x = width; x < PW; x++) p0[o + x] = p0[o + width - 1]!;
    }
  } else {
    const p1 = planes[1]!, p2 = planes[2]!;
    for (let y = 0; y < height; y++) {
      const o = y * PW;
      let s = y * width * 3;
      for (let x = 0; x < width; x++, s += 3) {
        const r = rgb[s]!, g = rgb[s + 1]!, b = rgb[s + 2]!;
        // the table sums of jccolor.c, as products: every term is an exact integer below 2^31
        p0[o + x] = (FIX_R_Y * r + FIX_G_Y * g + FIX_B_Y * b + ONE_HALF) >> SCALEBITS;
        p1[o + x] = (FIX_HALF * b - FIX_R_CB * r - FIX_G_CB * g + CBCR_OFFSET + ONE_HALF - 1) >> SCALEBITS;
        p2[o + x] = (FIX_HALF * r - FIX_G_CR * g - FIX_B_CR * b + CBCR_OFFSET + ONE_HALF - 1) >> SCALEBITS;
      }
      for (const p of planes) for (let x = width; x < PW; x++) p[o + x] = p[o + width - 1]!;
    }
  }
  for (const p of planes) for (let y = height; y < PH; y++) p.copyWithin(y * PW, (height - 1) * PW, height * PW);
  return planes;
}

/**
 * Chroma downsampling h2v2 with the alternating bias 1, 2 (jcsample.c). As in jcprepct.c, the input is
 * padded at the bottom only to an even row count; further chroma rows repeat the last downsampled row.
 */
function downsampleH2V2(src: Int32Array, PW: number, PH: number, height: number): Int32Array {
  const cW = PW >> 1, cH = PH >> 1;
  const realRows = Math.ceil(height / 2);
  const dst = new Int32Array(cW * cH);
  for (let y = 0; y < cH; y++) {
    if (y >= realRows) { dst.copyWithin(y * cW, (realRows - 1) * cW, realRows * cW); continue; }
    const r0 = 2 * y * PW, r1 = r0 + PW, o = y * cW;
    for (let x = 0; x < cW; x += 2) {
      const i = 2 * x;
      dst[o + x] = (src[r0 + i]! + src[r0 + i + 1]! + src[r1 + i]! + src[r1 + i + 1]! + 1) >> 2;
      if (x + 1 < cW) dst[o + x + 1] = (src[r0 + i + 2]! + src[r0 + i + 3]! + src[r1 + i + 2]! + src[r1 + i + 3]! + 2) >> 2;
    }
  }
  return dst;
}

/**
 * A quantisation table as the coder uses it: divisors q = quantval << 3 (the islow DCT output is scaled
 * by 8), their halves, and reciprocals nudged up by 2^-40 so that ⌊a · recip⌋ = ⌊a / q⌋ exactly for every
 * 0 ≤ a < 2^21 (a multiple of q no longer rounds to just below its quotient; any other a sits ≥ 1/q below
 * the next integer, far more than the nudge). test/image/jpeg.test.ts checks this for every q and a.
 * `recip32` is the WebAssembly kernel's float32 version (four lanes per instruction): nudged up by 2^-20, the
 * float32 product ⌊fl(a · recip32)⌋ is ⌊a / q⌋ for every 0 ≤ a < 2^17 (every dividend the DCT can give is below
 * 2^15), also checked exhaustively by the tests.
 */
export interface Quantizer { half: Int32Array; recip: Float64Array; recip32: Float32Array }
export function quantizer(quantval: Int32Array): Quantizer {
  const half = new Int32Array(64), recip = new Float64Array(64), recip32 = new Float32Array(64);
  for (let i = 0; i < 64; i++) {
    const q = quantval[i]! << 3;
    half[i] = q >> 1; recip[i] = (1 / q) * (1 + 2 ** -40); recip32[i] = (1 / q) * (1 + 2 ** -20);
  }
  return { half, recip, recip32 };
}

/** The tables of one quality, kept: the degradation pipeline encodes many images at a few dozen qualities. */
interface QualityTables { luma: Int32Array; chroma: Int32Array; divL: Quantizer; divC: Quantizer }
const qualityCache = new Map<number, QualityTables>();
function tablesFor(quality: number): QualityTables {
  let t = qualityCache.get(quality);
  if (!t) {
    const { luma, chroma } = quantTables(quality);
    t = { luma, chroma, divL: quantizer(luma), divC: quantizer(chroma) };
    if (qualityCache.size < 256) qualityCache.set(quality, t);
  }
  return t;
}

/**
 * Level shift, islow DCT and rounding quantisation of the 8×8 block at (bx, by) of `plane`, written to
 * `zz` in zigzag order. Returns the zigzag
 * index of the last non-zero coefficient (0 when every AC coefficient is zero).
 */
function quantizeBlock(plane: Int32Array, pw: number, bx: number, by: number, q: Quantizer, blk: Int32Array, zz: Int32Array): number {
  const half = q.half, recip = q.recip;
  let row = by * 8 * pw + bx * 8;
  for (let k = 0; k < 64; k += 8, row += pw) {
    blk[k] = plane[row]! - 128; blk[k + 1] = plane[row + 1]! - 128; blk[k + 2] = plane[row + 2]! - 128; blk[k + 3] = plane[row + 3]! - 128;
    blk[k + 4] = plane[row + 4]! - 128; blk[k + 5] = plane[row + 5]! - 128; blk[k + 6] = plane[row + 6]! - 128; blk[k + 7] = plane[row + 7]! - 128;
  }
  fdctIslow(blk);
  let last = 0;
  for (let k = 0; k < 64; k++) {
    const i = ZIGZAG_I32[k]!;
    const t = blk[i]!;
    // libjpeg's quantise: ±⌊(|t| + ⌊q/2⌋) / q⌋, without branches on the sign
    const sign = t >> 31, mag = (t ^ sign) - sign;
    const v = ((((mag + half[i]!) * recip[i]!) | 0) ^ sign) - sign;
    zz[k] = v;
    last = v !== 0 ? k : last;
  }
  return last;
}

/** Huffman-code one block given in zigzag order (`last` = index of its last non-zero AC, or 0). */
function codeBlock(bits: BitSink, zz: Int32Array, last: number, dcDiff: number, dc: HuffTable, ac: HuffTable): void {
  let nb = nbitsOf(dcDiff);
  bits.put(dc.code[nb]!, dc.size[nb]!);
  if (nb) bits.put(dcDiff < 0 ? dcDiff - 1 : dcDiff, nb);
  let run = 0;
  for (let k = 1; k <= last; k++) {
    const v = zz[k]!;
    if (v === 0) { run++; continue; }
    while (run > 15) { bits.put(ac.code[0xf0]!, ac.size[0xf0]!); run -= 16; }
    nb = nbitsOf(v);
    const sym = (run << 4) | nb;
    bits.put(ac.code[sym]!, ac.size[sym]!);
    bits.put(v < 0 ? v - 1 : v, nb);
    run = 0;
  }
  if (last < 63) bits.put(ac.code[0]!, ac.size[0]!);
}

/** JFIF, quantisation tables, frame, Huffman tables and scan headers (everything before the scan data). */
function writeHeaders(w: ByteSink, width: number, height: number, ncomp: number, hs: number, luma: Int32Array, chroma: Int32Array): void {
  w.u16(0xffd8);
  w.u16(0xffe0); w.u16(16); w.bytes([0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]); // JFIF 1.01, aspect 1:1
  const writeDQT = (id: number, t: Int32Array): void => {
    w.u16(0xffdb); w.u16(67); w.byte(id);
    for (let k = 0; k < 64; k++) w.byte(t[ZIGZAG[k]!]!);
  };
  writeDQT(0, luma);
  if (ncomp === 3) writeDQT(1, chroma);
  w.u16(0xffc0); w.u16(8 + 3 * ncomp); w.byte(8); w.u16(height); w.u16(width); w.byte(ncomp);
  if (ncomp === 1) { w.bytes([1, 0x11, 0]); } else { w.bytes([1, (hs << 4) | hs, 0, 2, 0x11, 1, 3, 0x11, 1]); }
  const writeDHT = (cls: number, id: number, bits: number[], vals: number[]): void => {
    w.u16(0xffc4); w.u16(19 + vals.length); w.byte((cls << 4) | id); w.bytes(bits); w.bytes(vals);
  };
  writeDHT(0, 0, DC_LUM_BITS, DC_LUM_VAL);
  writeDHT(1, 0, AC_LUM_BITS, AC_LUM_VAL);
  if (ncomp === 3) { writeDHT(0, 1, DC_CHR_BITS, DC_CHR_VAL); writeDHT(1, 1, AC_CHR_BITS, AC_CHR_VAL); }
  w.u16(0xffda); w.u16(6 + 2 * ncomp); w.byte(ncomp);
  if (ncomp === 1) w.bytes([1, 0x00]); else w.bytes([1, 0x00, 2, 0x11, 3, 0x11]);
  w.bytes([0, 63, 0]);
}

/**
 * Encode 8-bit RGB (3 channels, or 1 channel for a greyscale JPEG) as baseline JPEG.
 * `rgb` holds width*height*channels bytes, row-major. The scan comes from the WebAssembly SIMD kernel
 * (`wasm/jpeg.wat`) where it runs, else from the TypeScript coder below: the same bytes either way.
 */
export function encodeJpegBaseline(rgb: Uint8Array, width: number, height: number, channels: 1 | 3, opts: JpegEncodeOptions): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > 65535 || height > 65535) {
    throw new RangeError(`JPEG size must be 1..65535, got ${width}x${height}`);
  }
  if (rgb.length !== width * height * channels) throw new RangeError('pixel buffer does not match the image size');
  const quality = opts.quality;
  if (!(quality >= 1 && quality <= 100)) throw new RangeError(`JPEG quality must be in 1..100, got ${quality}`);
  const sub = channels === 1 ? '444' : (opts.subsampling ?? '420');
  const hs = sub === '420' ? 2 : 1; // luma sampling factor
  const tables = tablesFor(Math.round(quality));
  const ncomp = channels === 1 ? 1 : 3;
  const kernel = opts.simd === false ? null : jpegKernel();
  if (kernel) return encodeWasm(kernel, rgb, width, height, ncomp, hs, tables);

  // Planes padded to the MCU grid, chroma downsampled for 4:2:0.
  const mcuW = 8 * hs, mcuH = 8 * hs;
  const mcusX = Math.ceil(width / mcuW), mcusY = Math.ceil(height / mcuH);
  const PW = mcusX * mcuW, PH = mcusY * mcuH;
  const planes = colourPlanes(rgb, width, height, channels, PW, PH);
  let cW = PW;
  if (ncomp === 3 && hs === 2) {
    cW = PW / 2;
    for (let c = 1; c < 3; c++) planes[c] = downsampleH2V2(planes[c]!, PW, PH, height);
  }

  // Real luma blocks (anything beyond is a dummy block: zero AC, DC repeated).
  const yBlocksW = Math.ceil(width / 8), yBlocksH = Math.ceil(height / 8);

  const w = new ByteSink(width * height + 1024);
  writeHeaders(w, width, height, ncomp, hs, tables.luma, tables.chroma);

  const divL = tables.divL, divC = tables.divC;
  const blk = new Int32Array(64), zz = new Int32Array(64);
  const bits = new BitSink(w);
  const blocksPerMcu = hs * hs + ncomp - 1;
  let lastDcY = 0, lastDcCb = 0, lastDcCr = 0;
  const yPlane = planes[0]!;

  for (let my = 0; my < mcusY; my++) {
    for (let mx = 0; mx < mcusX; mx++) {
      w.reserve(blocksPerMcu * MAX_BLOCK_BYTES);
      // Luma blocks of the MCU, row-major. A block right of the image is a dummy repeating the DC before
      // it; a block below it repeats the DC of the last block of the MCU row above.
      let rowAboveLastDc = 0;
      for (let v = 0; v < hs; v++) {
        const by = my * hs + v;
        for (let h = 0; h < hs; h++) {
          const bx = mx * hs + h;
          let dcq: number;
          if (by < yBlocksH && bx < yBlocksW) {
            const last = quantizeBlock(yPlane, PW, bx, by, divL, blk, zz);
            dcq = zz[0]!;
            codeBlock(bits, zz, last, dcq - lastDcY, HUFF.dcL, HUFF.acL);
          } else {
            dcq = by < yBlocksH || v === 0 ? lastDcY : rowAboveLastDc;
            zz.fill(0);
            codeBlock(bits, zz, 0, dcq - lastDcY, HUFF.dcL, HUFF.acL);
          }
          lastDcY = dcq;
        }
        rowAboveLastDc = lastDcY;
      }
      if (ncomp === 3) {
        // One block per chroma component per MCU, always inside the (padded) chroma planes.
        let last = quantizeBlock(planes[1]!, cW, mx, my, divC, blk, zz);
        codeBlock(bits, zz, last, zz[0]! - lastDcCb, HUFF.dcC, HUFF.acC);
        lastDcCb = zz[0]!;
        last = quantizeBlock(planes[2]!, cW, mx, my, divC, blk, zz);
        codeBlock(bits, zz, last, zz[0]! - lastDcCr, HUFF.dcC, HUFF.acC);
        lastDcCr = zz[0]!;
      }
    }
  }
  bits.flush();
  w.u16(0xffd9);
  return w.result();
}

/** The kernel's exports (wasm/jpeg.wat); byte offsets into its memory. */
interface JpegKernel {
  memory: WebAssembly.Memory;
  begin: (width: number, height: number, ncomp: number, hs: number, input: number, strips: number) => void;
  row: (my: number, out: number) => number;
  finish: (out: number) => number;
}
/** Fixed kernel memory layout (see jpeg.wat): Huffman tables, zigzag order, quantisers, then the caller's buffers. */
const K_HUFF = 0, K_ZIGZAG = 4096, K_QUANT_L = 4352, K_QUANT_C = 4864, K_BLOCK = 5376, K_BITZZ = 6016, K_STRIPS = 6144;
/** Scan bytes gathered in the kernel's memory before they are copied out (beyond one MCU row's worst case). */
const K_OUT_BYTES = 1 << 20;

const instantiateJpegKernel = lazySimdKernel<JpegKernel>(jpegWasmBase64);
let kernelTables = false;
/** The kernel with its constant tables (Huffman codes, zigzag order) written once; null without SIMD. */
function jpegKernel(): JpegKernel | null {
  const k = instantiateJpegKernel();
  if (!k || kernelTables) return k;
  const mem = new Int32Array(wasmMemory(k.memory, K_STRIPS), 0, K_STRIPS >> 2);
  [HUFF.dcL, HUFF.acL, HUFF.dcC, HUFF.acC].forEach((t, j) => {
    for (let s = 0; s < 256; s++) mem[(K_HUFF >> 2) + 256 * j + s] = (t.size[s]! << 16) | t.code[s]!;
  });
  const bytes = new Uint8Array(mem.buffer, 0, K_STRIPS);
  for (let k2 = 0; k2 < 64; k2++) {
    mem[(K_ZIGZAG >> 2) + k2] = K_BLOCK + 4 * ZIGZAG[k2]!;
    // bit 32 * half + 4 * row + column of the kernel's non-zero mask is natural index 8 * row + 4 * half + column
    const natural = 8 * ((k2 >> 2) & 7) + 4 * (k2 >> 5) + (k2 & 3);
    bytes[K_BITZZ + k2] = ZIGZAG.indexOf(natural);
  }
  kernelTables = true;
  return k;
}

/** Whether encodeJpegBaseline runs the WebAssembly kernel here (tests: otherwise both sides are the twin). */
export function jpegKernelAvailable(): boolean { return jpegKernel() !== null; }

/** encodeJpegBaseline's scan by the kernel, one MCU row per call, between the same headers. */
function encodeWasm(k: JpegKernel, rgb: Uint8Array, width: number, height: number, ncomp: number, hs: number, t: QualityTables): Uint8Array {
  const mcu = 8 * hs;
  const mcusX = Math.ceil(width / mcu), mcusY = Math.ceil(height / mcu);
  const PW = mcusX * mcu;
  // strips: Y, Cb, Cr at full resolution (mcu rows) and the two downsampled chroma strips (8 rows of PW / hs)
  const stripBytes = 4 * (3 * mcu * PW + 2 * 8 * (PW / hs));
  const inAt = K_STRIPS + stripBytes;
  const outAt = (inAt + rgb.length + 16 + 15) & ~15; // 16 bytes of slack: the colour loop reads whole vectors
  const rowWorst = mcusX * (hs * hs + ncomp - 1) * MAX_BLOCK_BYTES + 16;
  const outCap = Math.max(rowWorst, K_OUT_BYTES);
  const buf = wasmMemory(k.memory, outAt + outCap);
  const q = new Int32Array(buf, K_QUANT_L, 256);
  q.set(t.divL.half, 0); new Float32Array(buf, K_QUANT_L + 256, 64).set(t.divL.recip32);
  q.set(t.divC.half, 128); new Float32Array(buf, K_QUANT_C + 256, 64).set(t.divC.recip32);
  const mem = new Uint8Array(buf);
  mem.set(rgb, inAt);
  k.begin(width, height, ncomp, hs, inAt, K_STRIPS);

  const head = new ByteSink(1024);
  writeHeaders(head, width, height, ncomp, hs, t.luma, t.chroma);
  // Usually the whole scan fits the output area; otherwise it leaves in chunks.
  const chunks: Uint8Array[] = [];
  let total = 0, pos = outAt;
  for (let my = 0; my <= mcusY; my++) {
    if (pos + rowWorst > outAt + outCap) {
      chunks.push(mem.slice(outAt, pos)); total += pos - outAt; pos = outAt;
    }
    pos = my < mcusY ? k.row(my, pos) : k.finish(pos);
  }
  const out = new Uint8Array(head.pos + total + (pos - outAt) + 2);
  out.set(head.buf.subarray(0, head.pos), 0);
  let o = head.pos;
  for (const c of chunks) { out.set(c, o); o += c.length; }
  out.set(mem.subarray(outAt, pos), o); o += pos - outAt;
  out[o] = 0xff; out[o + 1] = 0xd9;
  return out;
}
