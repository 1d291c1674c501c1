/**
 * Tiling for large images: a regular grid of equal tiles (edge tiles shifted inside the image, so every tile
 * has the same size and one ONNX session serves them all), as short as still covers the image with as few tiles
 * as the largest tile size allows, blended with feathered weights. Browser-safe.
 *
 * A tile's weight is separable, w(x, y) = wx(x)·wy(y): 1 in its interior and at image borders, a linear ramp
 * ((i + ½)/overlap) over `overlap` pixels on each side that has a neighbour. Because the grid is a product of
 * column and row positions, the sum of all tiles' weights at a pixel is Sx(x)·Sy(y): no per-pixel weight map is
 * needed, only the output accumulator.
 */

/**
 * Start positions of tiles of `tile` pixels along an axis of `size` pixels: the fewest tiles whose neighbours
 * overlap by at least `overlap`, spread evenly from 0 to size − tile (so the first and last touch the borders).
 */
export function tilePositions(size: number, tile: number, overlap: number): number[] {
  if (size <= tile) return [0];
  const stride = tile - overlap;
  if (stride <= 0) throw new RangeError(`tile ${tile} must be larger than the overlap ${overlap}`);
  const n = Math.ceil((size - overlap) / stride);
  return Array.from({ length: n }, (_, k) => Math.round((k * (size - tile)) / (n - 1)));
}

/** 1-D weights of a tile of length n: ramps on the sides that have neighbours. */
export function rampWeights(n: number, overlap: number, rampStart: boolean, rampEnd: boolean): Float32Array {
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v = 1;
    if (overlap > 0) {
      if (rampStart) v = Math.min(v, (i + 0.5) / overlap);
      if (rampEnd) v = Math.min(v, (n - i - 0.5) / overlap);
    }
    w[i] = v;
  }
  return w;
}

export interface AxisPlan {
  /** Tile length along the axis (≤ the requested tile when the axis is shorter). */
  length: number;
  positions: number[];
  /** Weights of the tile at each position (length `length`). */
  weights: Float32Array[];
  /** Sum of all tiles' weights at each pixel of the axis. */
  total: Float64Array;
}

/**
 * The tile length for an axis: `tile` is the most the network takes at once, but as few tiles of that size
 * rarely fit the axis (2000 px in 512-px tiles: 5 tiles, 2560 px of work), the tiles shrink to the shortest
 * length, a multiple of `multiple`, for which that many still cover it with `overlap` (here 432: 2160 px).
 */
export function tileLength(size: number, tile: number, overlap: number, multiple = 1): number {
  if (size <= tile) return size;
  if (tile <= overlap) throw new RangeError(`tile ${tile} must be larger than the overlap ${overlap}`);
  const n = Math.ceil((size - overlap) / (tile - overlap));
  const fit = Math.ceil((size + (n - 1) * overlap) / n);
  return Math.min(tile, Math.ceil(fit / multiple) * multiple);
}

export function planAxis(size: number, tile: number, overlap: number, multiple = 1): AxisPlan {
  const length = tileLength(size, tile, overlap, multiple);
  const positions = tilePositions(size, length, overlap);
  const weights = positions.map((_, k) => rampWeights(length, overlap, k > 0, k < positions.length - 1));
  const total = new Float64Array(size);
  positions.forEach((p, k) => { const w = weights[k]!; for (let i = 0; i < length; i++) total[p + i] += w[i]!; });
  return { length, positions, weights, total };
}

export interface TilePlan {
  cols: AxisPlan;
  rows: AxisPlan;
  /** Number of tiles (rows × columns). */
  count: number;
}

export function planTiles(width: number, height: number, tile: number, overlap: number, multiple = 1): TilePlan {
  const cols = planAxis(width, tile, overlap, multiple);
  const rows = planAxis(height, tile, overlap, multiple);
  return { cols, rows, count: cols.positions.length * rows.positions.length };
}
