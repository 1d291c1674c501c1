/**
 * The WebAssembly SIMD kernel of the degradation RNG's noise draws (`wasm/noise.wat`): normal pairs (random.ts
 * `DegradeRng.fillNormal`), the fused Gaussian-noise output and the Poisson table inversion (noise.ts). Every export
 * does the TypeScript's IEEE operations in the same order, so both give the same bits; the kernel is several times
 * faster. Null where WebAssembly SIMD is unavailable, and then the TypeScript runs.
 */
import { lazySimdKernel, wasmMemory } from '../common/wasm-simd.js';
import { noiseWasmBase64 } from './wasm/noise.wasm.js';

/**
 * Byte offsets into the kernel's memory; the generator state is always the four i32 words at 0, and the kernel keeps
 * its generator blocks (a jump matrix, lane states, 4096 outputs) below NOISE_FREE_AT: callers' data starts there.
 */
export interface NoiseKernel {
  memory: WebAssembly.Memory;
  /** k normal pairs (2k values, fillNormal's stream) as f64 at `out`, which needs `pairsBytes(k)` bytes. */
  pairs: (out: number, k: number) => void;
  /** n values in (0, 1) replaced by `logOpenUnit` of them (for tests). */
  logs: (at: number, n: number) => void;
  /** dst[j·group + c] = f32(clip?(src[j·group + c] + z[j]·sd)) for j < n, c < group. */
  addScaled: (src: number, dst: number, z: number, n: number, group: number, sd: number, clip: number) => void;
  /** bytes[p] = q(value p) (or of its luma), and the histogram of the bytes (256 i32; needs 4 KB of scratch there). */
  bytes: (src: number, n: number, luma: number, stride: number, dst: number, hist: number) => void;
  /** The Poisson draws by table inversion (2^bits guide entries per table) and the clipped output, for n pixels of `group` values each. */
  poisson: (bytes: number, n: number, src: number, dst: number, group: number, invV: number, scale: number, tabs: number, bits: number, ks: number) => void;
}

/** The first byte of the kernel's memory free for the callers (noise.wat: the generator blocks lie below). */
export const NOISE_FREE_AT = 18560;

/** Bytes that `pairs` writes for k pairs: it scales them twelve at a time, the last twelve whole. */
export function pairsBytes(k: number): number {
  return 16 * 12 * Math.ceil(k / 12);
}

const kernel = lazySimdKernel<NoiseKernel>(noiseWasmBase64);
// A second instance for Poisson noise: its memory keeps the inversion tables from call to call, out of the way
// of the other exports' scratch space.
const poissonInstance = lazySimdKernel<NoiseKernel>(noiseWasmBase64);
let enabled = true;

/** The kernel, or null without WebAssembly SIMD (or when switched off for a test). */
export function noiseKernel(): NoiseKernel | null {
  return enabled ? kernel() : null;
}

/** The instance that poissonNoise uses (its tables stay in its memory), or null as `noiseKernel`. */
export function poissonKernel(): NoiseKernel | null {
  return enabled ? poissonInstance() : null;
}

/** For tests and benchmarks: `false` makes every noise draw run in TypeScript (both must give the same bits). */
export function setNoiseWasm(on: boolean): void { enabled = on; }

/** For tests: the kernel's logOpenUnit of values in (0, 1), or null without the kernel. */
export function kernelLogOpenUnit(values: Float64Array): Float64Array | null {
  const k = kernel();
  if (!k) return null;
  const buf = wasmMemory(k.memory, NOISE_FREE_AT + 8 * values.length);
  new Float64Array(buf, NOISE_FREE_AT, values.length).set(values);
  k.logs(NOISE_FREE_AT, values.length);
  return new Float64Array(buf, NOISE_FREE_AT, values.length).slice();
}
