/** PNG decode/encode through fast-png (pure JavaScript; same in Node and the browser). */
import { decode as pngDecode, encode as pngEncode, convertIndexedToRgb } from 'fast-png';
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

/** Decode PNG bytes (grey, grey+alpha, RGB, RGBA, palette; 1–16 bits) to a float image in [0, 1]. */
export function decodePng(bytes: Uint8Array): DecodedImage {
  const png = pngDecode(bytes, { checkCrc: true });
  const { width, height } = png;
  if (!width || !height) throw new Error('PNG has no pixels');
  if (png.palette && png.palette.length > 0) {
    const rgb = convertIndexedToRgb(png);
    const ch = rgb.length / (width * height);
    return { image: fromUint8(rgb, width, height, ch), bitDepth: png.depth, fileChannels: ch };
  }
  const ch = png.channels;
  const n = width * height * ch;
  if (png.depth === 16) return { image: fromUint16(png.data, width, height, ch), bitDepth: 16, fileChannels: ch };
  if (png.depth === 8) return { image: fromUint8(png.data, width, height, ch), bitDepth: 8, fileChannels: ch };
  // 1, 2, 4 bits: rows are packed and byte-aligned
  const depth = png.depth;
  const maxv = (1 << depth) - 1;
  const rowBytes = Math.ceil((width * ch * depth) / 8);
  const src = png.data;
  const out = new Float32Array(n);
  for (let y = 0; y < height; y++) {
    for (let i = 0; i < width * ch; i++) {
      const bit = i * depth;
      const byte = src[y * rowBytes + (bit >> 3)]!;
      const v = (byte >> (8 - depth - (bit & 7))) & maxv;
      out[y * width * ch + i] = v / maxv;
    }
  }
  return { image: { data: out, width, height, channels: ch }, bitDepth: depth, fileChannels: ch };
}

/** Encode a float image (1–4 channels) as PNG, 8-bit (default) or 16-bit. */
export function encodePng(img: FloatImage, opts: { bitDepth?: 8 | 16 } = {}): Uint8Array {
  const depth = opts.bitDepth ?? 8;
  if (img.channels < 1 || img.channels > 4) throw new RangeError(`PNG needs 1–4 channels, got ${img.channels}`);
  const data = depth === 16 ? toUint16(img) : toUint8(img);
  return pngEncode({ width: img.width, height: img.height, data, depth, channels: img.channels });
}
