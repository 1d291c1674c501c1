/** PNG decode/encode through fast-png (pure JavaScript; same in Node and the browser). */
import { decode as pngDecode, encode as pngEncode, convertIndexedToRgb } from 'fast-png';
import { unzlibSync } from 'fflate';
import { fromUint8, fromUint16, toUint16, toUint8 } from './convert.js';
import type { FloatImage } from './types.js';

export const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function isPng(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  for (let i = 0; i < 8; i++) if (bytes[i] !== PNG_SIGNATURE[i]) return false;
  return true;
}

export interface DecodedImage {
  image: FloatImage;
  /** bits per sample in the file (1, 2, 4, 8 or 16) */
  bitDepth: number;
  /** channels in the file (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA; palette files report 3 or 4) */
  fileChannels: number;
}

/** Decode PNG bytes (grey, grey+alpha, RGB, RGBA, palette; 1–16 bits; interlaced or not) to a float image in [0, 1]. */
export function decodePng(bytes: Uint8Array): DecodedImage {
  const ihdr = readHeader(bytes);
  // fast-png 8 mis-sizes the rows of interlaced images below 8 bits per sample: those are deinterlaced here.
  if (ihdr && ihdr.interlace === 1 && ihdr.depth < 8) return decodeLowBitInterlaced(bytes, ihdr);
  let png: ReturnType<typeof pngDecode>;
  try {
    png = pngDecode(bytes, { checkCrc: true });
  } catch (e) {
    // A file cut off after its last image-data chunk, before or inside the 12-byte IEND, holds the whole image.
    if (!hasChunk(bytes, 'IEND') && hasChunk(bytes, 'IDAT')) png = pngDecode(withEnd(bytes.subarray(0, completeChunksEnd(bytes))), { checkCrc: true });
    else throw e;
  }
  const { width, height } = png;
  if (!width || !height) throw new Error('PNG has no pixels');
  if (png.palette && png.palette.length > 0) {
    const rgb = convertIndexedToRgb(png);
    const ch = rgb.length / (width * height);
    return { image: fromUint8(rgb, width, height, ch), bitDepth: png.depth, fileChannels: ch };
  }
  const ch = png.channels;
  const depth = png.depth;
  const samples = depth >= 8 ? png.data : unpackRows(png.data, width, height, ch, depth);
  const key = png.transparency && (ch === 1 || ch === 3) ? png.transparency : null;
  return { image: samplesToFloat(samples, width, height, ch, depth, key), bitDepth: depth, fileChannels: key ? ch + 1 : ch };
}

interface PngHeader { width: number; height: number; depth: number; colourType: number; interlace: number }

function readHeader(b: Uint8Array): PngHeader | null {
  if (b.length < 33 || b[12] !== 0x49 || b[13] !== 0x48 || b[14] !== 0x44 || b[15] !== 0x52) return null;
  const u32 = (o: number) => b[o]! * 0x1000000 + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
  return { width: u32(16), height: u32(20), depth: b[24]!, colourType: b[25]!, interlace: b[28]! };
}

/** The chunks of a PNG file (type and data), stopping at IEND or where the file ends. */
function* chunks(b: Uint8Array): Generator<{ type: string; data: Uint8Array }> {
  let p = 8;
  while (p + 8 <= b.length) {
    const len = b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
    const type = String.fromCharCode(b[p + 4]!, b[p + 5]!, b[p + 6]!, b[p + 7]!);
    if (p + 12 + len > b.length) {
      if (type === 'IEND') return; // cut inside the end marker: nothing of the image is missing
      throw new Error(`chunk ${type} is cut off`);
    }
    yield { type, data: b.subarray(p + 8, p + 8 + len) };
    if (type === 'IEND') return;
    p += 12 + len;
  }
}

/** Where the last complete chunk ends (the signature's end if none is). */
function completeChunksEnd(b: Uint8Array): number {
  let p = 8;
  while (p + 12 <= b.length) {
    const len = b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
    if (p + 12 + len > b.length) break;
    p += 12 + len;
  }
  return p;
}

function hasChunk(b: Uint8Array, type: string): boolean {
  try { for (const c of chunks(b)) if (c.type === type) return true; } catch { /* cut off */ }
  return false;
}

const IEND = [0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];
function withEnd(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length + IEND.length);
  out.set(b);
  out.set(IEND, b.length);
  return out;
}

/** Unpack rows of 1/2/4-bit samples (each row starts on a byte) into one byte per sample. */
function unpackRows(src: ArrayLike<number>, width: number, height: number, ch: number, depth: number): Uint8Array {
  const per = width * ch;
  const rowBytes = Math.ceil((per * depth) / 8);
  const maxv = (1 << depth) - 1;
  const out = new Uint8Array(per * height);
  for (let y = 0; y < height; y++) {
    for (let i = 0; i < per; i++) {
      const bit = i * depth;
      out[y * per + i] = (src[y * rowBytes + (bit >> 3)]! >> (8 - depth - (bit & 7))) & maxv;
    }
  }
  return out;
}

/** Integer samples → float in [0, 1]; with a tRNS colour `key`, pixels equal to it get alpha 0 (an alpha channel is added). */
function samplesToFloat(src: ArrayLike<number>, width: number, height: number, ch: number, depth: number, key: ArrayLike<number> | null): FloatImage {
  const maxv = (depth === 16 ? 65536 : 1 << depth) - 1; // divided, not multiplied by 1/maxv: the same floats as fromUint8
  if (!key && depth === 8) return fromUint8(src, width, height, ch);
  if (!key && depth === 16) return fromUint16(src, width, height, ch);
  if (!key) { // 1, 2 or 4 bits
    const out = new Float32Array(width * height * ch);
    for (let i = 0; i < out.length; i++) out[i] = src[i]! / maxv;
    return { data: out, width, height, channels: ch };
  }
  const oc = ch + 1;
  const out = new Float32Array(width * height * oc);
  for (let p = 0; p < width * height; p++) {
    let transparent = true;
    for (let c = 0; c < ch; c++) {
      const v = src[p * ch + c]!;
      out[p * oc + c] = v / maxv;
      if (v !== key[c]) transparent = false;
    }
    out[p * oc + ch] = transparent ? 0 : 1;
  }
  return { data: out, width, height, channels: oc };
}

/** The seven Adam7 passes: first column, first row, column step, row step. */
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] as const;

/** Interlaced greyscale or palette PNG at 1, 2 or 4 bits per sample (the only types with such depths). */
function decodeLowBitInterlaced(bytes: Uint8Array, h: PngHeader): DecodedImage {
  const { width, height, depth, colourType } = h;
  if (!width || !height) throw new Error('PNG has no pixels');
  if (colourType !== 0 && colourType !== 3) throw new Error(`colour type ${colourType} cannot have ${depth}-bit samples`);
  const idat: Uint8Array[] = [];
  let palette: Uint8Array | null = null, trns: Uint8Array | null = null;
  for (const c of chunks(bytes)) {
    if (c.type === 'IDAT') idat.push(c.data);
    else if (c.type === 'PLTE') palette = c.data;
    else if (c.type === 'tRNS') trns = c.data;
  }
  if (idat.length === 0) throw new Error('no image data (IDAT)');
  if (colourType === 3 && !palette) throw new Error('palette image without a palette (PLTE)');
  const raw = unzlibSync(idat.length === 1 ? idat[0]! : concatBytes(idat));
  const samples = new Uint8Array(width * height); // one sample per pixel (both types have one channel)
  let p = 0;
  for (const [x0, y0, dx, dy] of ADAM7) {
    const pw = Math.ceil((width - x0) / dx), ph = Math.ceil((height - y0) / dy);
    if (pw <= 0 || ph <= 0) continue;
    const rowBytes = Math.ceil((pw * depth) / 8);
    let prev = new Uint8Array(rowBytes), row = new Uint8Array(rowBytes);
    for (let r = 0; r < ph; r++) {
      if (p + 1 + rowBytes > raw.length) throw new Error('image data ends early');
      unfilter(raw[p]!, raw.subarray(p + 1, p + 1 + rowBytes), prev, row);
      p += 1 + rowBytes;
      const y = y0 + r * dy;
      for (let i = 0; i < pw; i++) {
        const bit = i * depth;
        samples[y * width + x0 + i * dx] = (row[bit >> 3]! >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
      }
      [prev, row] = [row, prev];
    }
  }
  if (colourType === 0) {
    const key = trns && trns.length >= 2 ? [(trns[0]! << 8) | trns[1]!] : null;
    return { image: samplesToFloat(samples, width, height, 1, depth, key), bitDepth: depth, fileChannels: key ? 2 : 1 };
  }
  const pal = palette!;
  const entries = pal.length / 3;
  const ch = trns ? 4 : 3;
  const out = new Uint8Array(width * height * ch);
  for (let i = 0; i < samples.length; i++) {
    const k = samples[i]!;
    if (k >= entries) throw new Error(`palette index ${k} is outside the ${entries}-entry palette`);
    out[i * ch] = pal[3 * k]!; out[i * ch + 1] = pal[3 * k + 1]!; out[i * ch + 2] = pal[3 * k + 2]!;
    if (trns) out[i * ch + 3] = k < trns.length ? trns[k]! : 255;
  }
  return { image: fromUint8(out, width, height, ch), bitDepth: depth, fileChannels: ch };
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, q) => n + q.length, 0));
  let o = 0;
  for (const q of parts) { out.set(q, o); o += q.length; }
  return out;
}

/** Undo a PNG row filter (bytes per pixel 1: every sub-byte format). */
function unfilter(type: number, src: Uint8Array, prev: Uint8Array, out: Uint8Array): void {
  const n = src.length;
  for (let i = 0; i < n; i++) {
    const a = i > 0 ? out[i - 1]! : 0, b = prev[i]!, c = i > 0 ? prev[i - 1]! : 0;
    let pred: number;
    switch (type) {
      case 0: pred = 0; break;
      case 1: pred = a; break;
      case 2: pred = b; break;
      case 3: pred = (a + b) >> 1; break;
      case 4: {
        const pa = Math.abs(b - c), pb = Math.abs(a - c), pc = Math.abs(a + b - 2 * c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
        break;
      }
      default: throw new Error(`Unsupported filter: ${type}`);
    }
    out[i] = (src[i]! + pred) & 255;
  }
}

/** Encode a float image (1–4 channels) as PNG, 8-bit (default) or 16-bit. */
export function encodePng(img: FloatImage, opts: { bitDepth?: 8 | 16 } = {}): Uint8Array {
  const depth = opts.bitDepth ?? 8;
  if (img.channels < 1 || img.channels > 4) throw new RangeError(`PNG needs 1–4 channels, got ${img.channels}`);
  const data = depth === 16 ? toUint16(img) : toUint8(img);
  return pngEncode({ width: img.width, height: img.height, data, depth, channels: img.channels });
}
