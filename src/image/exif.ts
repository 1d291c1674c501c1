/**
 * EXIF orientation (JPEG APP1 "Exif" segments and PNG eXIf chunks), which the decoders themselves ignore:
 * `decodeImage` (codecs.ts) turns the pixels by it, so every reader sees images as they are displayed. Browser-safe.
 *
 * Orientation values (TIFF tag 0x0112) describe how to turn the stored pixels for display:
 *   1 as stored, 2 mirrored left↔right, 3 rotated 180°, 4 mirrored top↕bottom,
 *   5 transposed (mirror about the main diagonal), 6 rotate 90° clockwise, 7 transverse, 8 rotate 90° counter-clockwise.
 */

export type Orientation = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

/** The orientation value of a TIFF/EXIF block (starting at the "II*\0" / "MM\0*" header), or 1. */
export function orientationFromTiff(b: Uint8Array, start = 0, end = b.length): Orientation {
  if (end - start < 8) return 1;
  const le = b[start] === 0x49 && b[start + 1] === 0x49;
  const be = b[start] === 0x4d && b[start + 1] === 0x4d;
  if (!le && !be) return 1;
  const u16 = (o: number) => (o + 2 > end ? -1 : le ? b[o]! | (b[o + 1]! << 8) : (b[o]! << 8) | b[o + 1]!);
  const u32 = (o: number) => (o + 4 > end ? -1 : le
    ? (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16)) + b[o + 3]! * 0x1000000
    : b[o]! * 0x1000000 + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!));
  if (u16(start + 2) !== 42) return 1;
  const ifd = u32(start + 4);
  if (ifd < 8) return 1;
  const p = start + ifd;
  const count = u16(p);
  if (count <= 0) return 1;
  for (let i = 0; i < count; i++) {
    const e = p + 2 + 12 * i;
    if (e + 12 > end) break;
    if (u16(e) !== 0x0112) continue;
    const type = u16(e + 2);
    // SHORT (3) as it should be; LONG (4) from sloppy writers
    const v = type === 3 ? u16(e + 8) : type === 4 ? u32(e + 8) : -1;
    return v >= 1 && v <= 8 ? (v as Orientation) : 1;
  }
  return 1;
}

/** Orientation from a JPEG's APP1 Exif segment (1 when absent or unreadable). */
export function jpegOrientation(b: Uint8Array): Orientation {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return 1;
  let p = 2;
  while (p + 4 <= b.length) {
    if (b[p] !== 0xff) return 1;
    const marker = b[p + 1]!;
    if (marker === 0xff) { p++; continue; } // fill byte
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) { p += 2; continue; }
    if (marker === 0xda || marker === 0xd9) return 1; // start of scan / end: no EXIF before the image data
    const len = (b[p + 2]! << 8) | b[p + 3]!;
    if (len < 2) return 1;
    const segEnd = Math.min(b.length, p + 2 + len);
    if (marker === 0xe1 && len >= 8 && b[p + 4] === 0x45 && b[p + 5] === 0x78 && b[p + 6] === 0x69 && b[p + 7] === 0x66 && b[p + 8] === 0 && b[p + 9] === 0) {
      return orientationFromTiff(b, p + 10, segEnd);
    }
    p += 2 + len;
  }
  return 1;
}

/** Orientation from a PNG eXIf chunk (1 when absent). */
export function pngOrientation(b: Uint8Array): Orientation {
  let p = 8;
  while (p + 12 <= b.length) {
    const len = ((b[p]! << 24) >>> 0) + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
    const type = String.fromCharCode(b[p + 4]!, b[p + 5]!, b[p + 6]!, b[p + 7]!);
    if (type === 'eXIf') return orientationFromTiff(b, p + 8, Math.min(b.length, p + 8 + len));
    if (type === 'IEND') return 1; // (eXIf should precede IDAT, but writers put it after too, and viewers honour it)
    p += 12 + len;
  }
  return 1;
}

export function fileOrientation(b: Uint8Array): Orientation {
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return pngOrientation(b);
  return jpegOrientation(b);
}


/** Size after orientation: 5–8 swap width and height. */
export function orientedSize(width: number, height: number, o: Orientation): { width: number; height: number } {
  return o >= 5 ? { width: height, height: width } : { width, height };
}

/**
 * Apply an orientation to interleaved pixels (any channel count, any typed array). Returns a new image
 * (or the input for orientation 1).
 */
export function applyOrientation<T extends { length: number; [i: number]: number }>(
  data: T, width: number, height: number, channels: number, o: Orientation, make: (n: number) => T,
): { data: T; width: number; height: number } {
  if (o === 1) return { data, width, height };
  const { width: W2, height: H2 } = orientedSize(width, height, o);
  const out = make(data.length);
  const W = width, H = height, C = channels;
  for (let y = 0; y < H2; y++) {
    for (let x = 0; x < W2; x++) {
      let sx: number, sy: number;
      switch (o) {
        case 2: sx = W - 1 - x; sy = y; break;
        case 3: sx = W - 1 - x; sy = H - 1 - y; break;
        case 4: sx = x; sy = H - 1 - y; break;
        case 5: sx = y; sy = x; break;
        case 6: sx = y; sy = H - 1 - x; break;
        case 7: sx = W - 1 - y; sy = H - 1 - x; break;
        default: sx = W - 1 - y; sy = x; break; // 8
      }
      const s = (sy * W + sx) * C, d = (y * W2 + x) * C;
      for (let c = 0; c < C; c++) out[d + c] = data[s + c]!;
    }
  }
  return { data: out, width: W2, height: H2 };
}
