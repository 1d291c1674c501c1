/**
 * Host-side padding contract of the denoisers (NETWORKS.md §2–§4, §6).
 *
 * The reference networks pad their input at the right/bottom to a multiple of 2^levels (zeros for NAFNet,
 * torch "reflect" for the U-Nets) and crop the output back to H×W. The pad amount depends on the run-time
 * size, which a graph with symbolic H, W cannot compute, so our graphs take the padded size as a contract:
 *
 *   - the network functions require H and W divisible by their multiple (checked when the dims are static);
 *   - the caller pads on the host with `padToMultiple` (or `runPadded`), runs the graph, and crops every
 *     image output back with `cropTo`.
 *
 * Because the padding is right/bottom only and the first layers of every network are per-pixel (xt − μ,
 * concat) before any spatial op, padding xt and μ separately equals padding cat(xt − μ, μ): the cropped
 * output is the reference's output exactly.
 *
 * Arrays are NCHW (or any layout whose last two axes are H, W), float32, row-major.
 */
import { IrsdeError } from '../common/errors.js';
import type { HostTensor } from '../runtime/backend.js';
import type { Tensor } from '../graph/tensor.js';

/** `zeros` (NAFNet) or torch `reflect` (U-Nets: [a b c d] + 2 → [a b c d c b], needs pad < size). */
export type PadMode = 'zeros' | 'reflect';

/** How a network wants its input padded. */
export interface PadSpec { multiple: number; mode: PadMode }

/** (m − size mod m) mod m: the right/bottom pad that makes `size` a multiple of m. */
export function padAmount(size: number, multiple: number): number {
  return (multiple - (size % multiple)) % multiple;
}

export interface Padded { data: Float32Array; dims: number[]; padBottom: number; padRight: number }

function checkDims(dims: readonly number[], data: ArrayLike<number>, what: string): void {
  if (dims.length < 2) throw new IrsdeError('bad-input', `${what}: need at least 2 dims (…, H, W), got [${dims.join(', ')}]`);
  const n = dims.reduce((p, d) => p * d, 1);
  if (n !== data.length) throw new IrsdeError('bad-input', `${what}: dims [${dims.join(', ')}] hold ${n} values but the array has ${data.length}`);
}

/**
 * Pad the last two axes at the bottom/right by (padBottom, padRight). Reflect needs pad < size on each
 * axis (like torch); tiny images are refused with a hint rather than padded differently from the reference.
 */
export function padRightBottom(data: Float32Array, dims: readonly number[], padBottom: number, padRight: number, mode: PadMode): Padded {
  checkDims(dims, data, 'pad');
  const H = dims[dims.length - 2]!, W = dims[dims.length - 1]!;
  if (padBottom === 0 && padRight === 0) return { data, dims: [...dims], padBottom, padRight };
  if (mode === 'reflect' && (padBottom >= H || padRight >= W)) {
    throw new IrsdeError('image-too-small', `reflect padding by ${padBottom}×${padRight} needs an image larger than that, got ${H}×${W}`, {
      hint: 'pad the image with zeros to at least the network multiple first, or use a larger image',
    });
  }
  const PH = H + padBottom, PW = W + padRight;
  const planes = data.length / (H * W);
  const out = new Float32Array(planes * PH * PW);
  for (let p = 0; p < planes; p++) {
    const src = p * H * W, dst = p * PH * PW;
    for (let y = 0; y < PH; y++) {
      const sy = y < H ? y : mode === 'reflect' ? 2 * (H - 1) - y : -1;
      const row = dst + y * PW;
      if (sy < 0) continue; // zero rows
      out.set(data.subarray(src + sy * W, src + sy * W + W), row);
      if (mode === 'reflect') for (let x = W; x < PW; x++) out[row + x] = data[src + sy * W + 2 * (W - 1) - x]!;
    }
  }
  const outDims = [...dims];
  outDims[dims.length - 2] = PH;
  outDims[dims.length - 1] = PW;
  return { data: out, dims: outDims, padBottom, padRight };
}

/** Pad H and W up to multiples of `multiple` (right/bottom). Returns the input array itself when no pad is needed. */
export function padToMultiple(data: Float32Array, dims: readonly number[], multiple: number, mode: PadMode): Padded {
  checkDims(dims, data, 'padToMultiple');
  const H = dims[dims.length - 2]!, W = dims[dims.length - 1]!;
  return padRightBottom(data, dims, padAmount(H, multiple), padAmount(W, multiple), mode);
}

/** The top-left height×width window of the last two axes (a copy; the input itself when nothing is cut). */
export function cropTo(data: Float32Array, dims: readonly number[], height: number, width: number): { data: Float32Array; dims: number[] } {
  checkDims(dims, data, 'cropTo');
  const H = dims[dims.length - 2]!, W = dims[dims.length - 1]!;
  if (height > H || width > W) throw new IrsdeError('bad-input', `cropTo: cannot crop ${H}×${W} to a larger ${height}×${width}`);
  const outDims = [...dims];
  outDims[dims.length - 2] = height;
  outDims[dims.length - 1] = width;
  if (height === H && width === W) return { data, dims: outDims };
  const planes = data.length / (H * W);
  const out = new Float32Array(planes * height * width);
  for (let p = 0; p < planes; p++) {
    for (let y = 0; y < height; y++) out.set(data.subarray(p * H * W + y * W, p * H * W + y * W + width), (p * height + y) * width);
  }
  return { data: out, dims: outDims };
}

/** Anything with Program's `run`. */
export interface Runnable {
  run(feeds: Record<string, HostTensor | Float32Array>, outputs?: readonly string[]): Promise<Record<string, HostTensor>>;
}

export interface RunPaddedOptions extends PadSpec {
  /** Feeds that are images (all must share H, W); they are padded. Other feeds (t, parameters) pass through. */
  images: readonly string[];
  /** Outputs to crop back to H×W. Default: every float32 output whose last two dims are the padded size. */
  crop?: readonly string[];
  outputs?: readonly string[];
}

/**
 * Run a network graph under the padding contract: pad the image feeds, run, crop the image outputs.
 * This reproduces the reference forward (pad inside, crop at the end) for any H, W.
 */
export async function runPadded(prog: Runnable, feeds: Record<string, HostTensor | Float32Array>, o: RunPaddedOptions): Promise<Record<string, HostTensor>> {
  let size: [number, number] | null = null;
  let padded: [number, number] | null = null;
  const full: Record<string, HostTensor | Float32Array> = { ...feeds };
  for (const name of o.images) {
    const f = feeds[name];
    if (!f || f instanceof Float32Array || !(f.data instanceof Float32Array)) throw new IrsdeError('bad-input', `runPadded: image feed "${name}" must be a float32 HostTensor with dims`);
    const hw: [number, number] = [f.dims[f.dims.length - 2]!, f.dims[f.dims.length - 1]!];
    if (size && (size[0] !== hw[0] || size[1] !== hw[1])) throw new IrsdeError('bad-input', `runPadded: image feeds differ in size (${size.join('×')} vs ${hw.join('×')})`);
    size = hw;
    const p = padToMultiple(f.data, f.dims, o.multiple, o.mode);
    padded = [p.dims[p.dims.length - 2]!, p.dims[p.dims.length - 1]!];
    full[name] = { data: p.data, dims: p.dims, dtype: 'float32' };
  }
  const res = await prog.run(full, o.outputs);
  if (!size || !padded) return res;
  const [PH, PW] = padded;
  for (const [name, t] of Object.entries(res)) {
    const isImage = t.dtype === 'float32' && t.dims.length >= 2 && t.dims[t.dims.length - 2] === PH && t.dims[t.dims.length - 1] === PW;
    if (o.crop ? !o.crop.includes(name) : !isImage) continue;
    const c = cropTo(t.data as Float32Array, t.dims, size[0], size[1]);
    res[name] = { data: c.data, dims: c.dims, dtype: 'float32' };
  }
  return res;
}

/**
 * Graph-side half of the contract: a network input must have H and W divisible by `spec.multiple`. Static
 * dims are checked here; symbolic dims cannot be, so the caller must feed padded sizes (`runPadded`).
 */
export function checkGraphMultiple(x: Tensor, spec: PadSpec, net: string): void {
  const [H, W] = [x.shape[2], x.shape[3]];
  for (const [axis, d] of [['H', H], ['W', W]] as const) {
    if (typeof d === 'string' && spec.multiple > 1) {
      x.graph.requireMultiple(d, spec.multiple, `${net} (pad with padToMultiple and crop back with cropTo, or use restore())`);
    }
    if (typeof d === 'number' && d % spec.multiple !== 0) {
      throw new IrsdeError('bad-input', `${net}: input ${axis} = ${d} is not a multiple of ${spec.multiple}`, {
        hint: `pad on the host with padToMultiple(data, dims, ${spec.multiple}, '${spec.mode}') and crop the output back with cropTo (src/nn/padding.ts)`,
      });
    }
  }
}
