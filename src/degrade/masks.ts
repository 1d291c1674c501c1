/**
 * Inpainting masks (DEGRADATIONS.md §10.4). Convention: m = 1 keeps a pixel, m = 0 is a hole;
 * LQ = m ⊙ GT + (1 − m) (holes are white).
 */
import { createImage, type FloatImage } from '../image/types.js';
import { cos, sin } from './detmath.js';
import { resize } from './resize.js';
import type { DegradeRng } from './random.js';

export type BrushKind = 'thin' | 'thick';

export interface MaskParams {
  op: 'mask';
  source: 'strokes' | 'boxes' | 'file';
  brush?: BrushKind;
  strokes?: number;
  boxes?: number;
  holeFraction: number;
  attempts?: number;
  file?: string;
}

/** Paint a round-capped thick segment (value 0 = hole) into a W×H mask. */
function paintSegment(m: Float32Array, W: number, H: number, x0: number, y0: number, x1: number, y1: number, radius: number): void {
  const minX = Math.max(0, Math.floor(Math.min(x0, x1) - radius)), maxX = Math.min(W - 1, Math.ceil(Math.max(x0, x1) + radius));
  const minY = Math.max(0, Math.floor(Math.min(y0, y1) - radius)), maxY = Math.min(H - 1, Math.ceil(Math.max(y0, y1) + radius));
  const dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy;
  const r2 = radius * radius;
  for (let y = minY; y <= maxY; y++) {
    for (let x = minX; x <= maxX; x++) {
      const px = x + 0.5 - x0, py = y + 0.5 - y0;
      let t = len2 > 0 ? (px * dx + py * dy) / len2 : 0;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const ex = px - t * dx, ey = py - t * dy;
      if (ex * ex + ey * ey <= r2) m[y * W + x] = 0;
    }
  }
}

function holeFraction(m: Float32Array): number {
  let h = 0;
  for (let i = 0; i < m.length; i++) h += 1 - m[i]!;
  return h / m.length;
}

/**
 * Procedural free-form mask (DeepFill-v2/LaMa-like): 1–5 strokes of 4–12 vertices, segment lengths
 * U(10, 60), turning angles U(−π, π), brush width U(3, 12) (thin) or U(12, 40) (thick), round joints;
 * with prob 0.3 also 1–3 rectangles of side U(16, 96). Redrawn until the hole fraction is in [0.1, 0.5]
 * (at most `maxAttempts` tries; the last draw is kept and flagged by `attempts`).
 */
export function randomStrokeMask(width: number, height: number, rng: DegradeRng, opts: { brush?: BrushKind; maxAttempts?: number; holeRange?: [number, number] } = {}): { mask: FloatImage; params: MaskParams } {
  const brush = opts.brush ?? 'thin';
  const [lo, hi] = opts.holeRange ?? [0.1, 0.5];
  const maxAttempts = opts.maxAttempts ?? 50;
  let last: { mask: FloatImage; params: MaskParams } | null = null;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const m = new Float32Array(width * height).fill(1);
    const strokes = rng.int(1, 5);
    for (let s = 0; s < strokes; s++) {
      const verts = rng.int(4, 12);
      const w = brush === 'thin' ? rng.uniform(3, 12) : rng.uniform(12, 40);
      let x = rng.uniform(0, width), y = rng.uniform(0, height);
      let ang = rng.uniform(-Math.PI, Math.PI);
      for (let v = 1; v < verts; v++) {
        ang += rng.uniform(-Math.PI, Math.PI);
        const len = rng.uniform(10, 60);
        const nx = Math.min(width - 1, Math.max(0, x + len * cos(ang)));
        const ny = Math.min(height - 1, Math.max(0, y + len * sin(ang)));
        paintSegment(m, width, height, x, y, nx, ny, w / 2);
        x = nx; y = ny;
      }
    }
    let boxes = 0;
    if (rng.random() < 0.3) {
      boxes = rng.int(1, 3);
      for (let b = 0; b < boxes; b++) paintBox(m, width, height, rng);
    }
    const hf = holeFraction(m);
    last = { mask: { data: m, width, height, channels: 1 }, params: { op: 'mask', source: 'strokes', brush, strokes, boxes, holeFraction: hf, attempts: attempt } };
    if (hf >= lo && hf <= hi) return last;
  }
  return last!;
}

function paintBox(m: Float32Array, W: number, H: number, rng: DegradeRng): void {
  const bw = Math.round(rng.uniform(16, 96)), bh = Math.round(rng.uniform(16, 96));
  const x0 = rng.int(0, Math.max(0, W - bw)), y0 = rng.int(0, Math.max(0, H - bh));
  for (let y = y0; y < Math.min(H, y0 + bh); y++) for (let x = x0; x < Math.min(W, x0 + bw); x++) m[y * W + x] = 0;
}

/** 1–3 random rectangles of side U(16, 96). */
export function randomBoxMask(width: number, height: number, rng: DegradeRng): { mask: FloatImage; params: MaskParams } {
  const m = new Float32Array(width * height).fill(1);
  const boxes = rng.int(1, 3);
  for (let b = 0; b < boxes; b++) paintBox(m, width, height, rng);
  return { mask: { data: m, width, height, channels: 1 }, params: { op: 'mask', source: 'boxes', boxes, holeFraction: holeFraction(m) } };
}

/** A mask image (any channels; first channel read, 1 = keep) resized to W×H ('nearest' as IR-SDE, 'area' as DA-CLIP). */
export function fitMask(mask: FloatImage, width: number, height: number, interp: 'nearest' | 'area' = 'nearest'): FloatImage {
  let m = mask;
  if (m.channels !== 1) {
    const one = createImage(m.width, m.height, 1);
    for (let i = 0; i < one.data.length; i++) one.data[i] = m.data[i * m.channels]!;
    m = one;
  }
  if (m.width === width && m.height === height) return m;
  return resize(m, width, height, interp);
}

/** LQ = m ⊙ GT + (1 − m). */
export function applyMask(img: FloatImage, mask: FloatImage): FloatImage {
  if (mask.width !== img.width || mask.height !== img.height) throw new RangeError(`mask is ${mask.width}x${mask.height}, image is ${img.width}x${img.height}`);
  const out = createImage(img.width, img.height, img.channels);
  const C = img.channels, mc = mask.channels;
  for (let p = 0; p < img.width * img.height; p++) {
    const m = mask.data[p * mc]!;
    for (let c = 0; c < C; c++) out.data[p * C + c] = m * img.data[p * C + c]! + (1 - m);
  }
  return out;
}
