/**
 * The marker structure of a JPEG file, walked without decoding: where the image ends (its EOI marker, so
 * bytes appended after it — a "motion photo"'s video, a trailing newline — are not mistaken for truncation),
 * how many components the frame has (1: greyscale), and its coding process. libjpeg itself "decodes" a cut-off
 * stream into a grey-filled image with only a warning, so a missing EOI is how truncation is caught.
 */

export interface JpegLayout {
  /** Offset just past the EOI marker: the image's bytes are [0, end). */
  end: number;
  /** The SOF marker (0xc0 baseline, 0xc1 extended, 0xc2 progressive, 0xc3 lossless, 0xc9–0xcf arithmetic). */
  frame: number;
  /** Components in the frame: 1 greyscale, 3 YCbCr/RGB, 4 CMYK/YCCK. */
  components: number;
  /** Bits per sample (8 in nearly every file; 12 and 16 exist). */
  precision: number;
}

/** SOF0–SOF15 except DHT (c4), JPG (c8) and DAC (cc). */
const isFrameMarker = (m: number): boolean => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
/** Lossless frames (SOF3, SOF7, SOF11, SOF15). */
export const isLosslessFrame = (m: number): boolean => m === 0xc3 || m === 0xc7 || m === 0xcb || m === 0xcf;
/** Arithmetic-coded frames (SOF9–SOF11, SOF13–SOF15). */
export const isArithmeticFrame = (m: number): boolean => m >= 0xc9 && m <= 0xcf && m !== 0xcc;

/** The layout of a JPEG file, or the reason it cannot be complete ('truncated' or 'corrupt: …'). */
export function jpegLayout(b: Uint8Array): JpegLayout | { problem: string } {
  const n = b.length;
  if (n < 4 || b[0] !== 0xff || b[1] !== 0xd8) return { problem: 'corrupt: no start-of-image marker' };
  let frame = -1, components = 0, precision = 8;
  let p = 2;
  for (;;) {
    // Between segments libjpeg skips stray bytes (with a warning); so do we.
    const q = b.indexOf(0xff, p);
    if (q < 0) return { problem: 'truncated' };
    p = q;
    while (p < n && b[p] === 0xff) p++; // fill bytes
    if (p >= n) return { problem: 'truncated' };
    const m = b[p++]!;
    if (m === 0xd9) {
      if (frame < 0) return { problem: 'corrupt: no frame header before the end-of-image marker' };
      return { end: p, frame, components, precision };
    }
    if (m === 0x00 || m === 0x01 || m === 0xd8 || (m >= 0xd0 && m <= 0xd7)) continue; // no length field
    if (p + 2 > n) return { problem: 'truncated' };
    const len = (b[p]! << 8) | b[p + 1]!;
    if (len < 2) return { problem: `corrupt: segment 0x${m.toString(16)} has length ${len}` };
    if (isFrameMarker(m)) {
      if (p + 8 > n) return { problem: 'truncated' };
      frame = m;
      precision = b[p + 2]!;
      components = b[p + 7]!;
    }
    p += len;
    if (p > n) return { problem: 'truncated' };
    if (m !== 0xda) continue;
    // Entropy-coded data after a scan header: 0xff is followed by 0x00 (a stuffed byte), a restart marker,
    // more fill, or the next marker.
    for (;;) {
      const f = b.indexOf(0xff, p);
      if (f < 0 || f + 1 >= n) return { problem: 'truncated' };
      const next = b[f + 1]!;
      if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) { p = f + 2; continue; }
      if (next === 0xff) { p = f + 1; continue; }
      p = f;
      break;
    }
  }
}
