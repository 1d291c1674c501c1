/**
 * Whether, and with which block size, onnxruntime's blocked-channel ("NCHWc") convolution kernels can run
 * convolutions whose weights are fed at run time (graph/ops.ts `emitBlockedConv`). Those kernels are internal to
 * onnxruntime's CPU provider (x86: 16 channels per block with AVX-512, 8 with AVX2; absent elsewhere and in
 * onnxruntime-web), so instead of guessing from the CPU, the probe runs them: a dense, a strided and a depthwise
 * conv and a depthwise weight gradient compiled both ways must agree. `IRSDE_NCHWC=0` turns the blocked kernels off.
 */
import { Graph } from '../graph/tensor.js';
import * as G from '../graph/ops.js';
import { grad } from '../autodiff/grad.js';
import { NCHWC_DOMAIN, emitModel, serializeModel } from '../graph/emitter.js';
import type { Backend, HostTensor } from './backend.js';

const probes = new WeakMap<Backend, Promise<number>>();
const forwardProbes = new WeakMap<Backend, Promise<number>>();

/**
 * The block size to emit blocked convs with on this backend, 0 for none. Probed once per backend. `forwardOnly`
 * (inference graphs) settles for a lighter probe without the depthwise weight gradient: ~30 ms instead of ~80 at the
 * start of a one-image restore; a full probe already made answers both.
 */
export function nchwcBlockSize(backend: Backend, opts: { forwardOnly?: boolean } = {}): Promise<number> {
  if (backend.name !== 'node' || nchwcDisabled()) return Promise.resolve(0);
  const full = probes.get(backend);
  if (full) return full;
  if (opts.forwardOnly) {
    let p = forwardProbes.get(backend);
    if (!p) { p = probeNchwcBlock(backend, [16, 8], { gradient: false }); forwardProbes.set(backend, p); }
    return p;
  }
  const p = probeNchwcBlock(backend);
  probes.set(backend, p);
  return p;
}

function nchwcDisabled(): boolean {
  return typeof process !== 'undefined' && process.env?.IRSDE_NCHWC === '0';
}

/** The first of `candidates` whose blocked convs compute what the plain ones do on this backend; 0 if none. */
export async function probeNchwcBlock(backend: Backend, candidates: readonly number[] = [16, 8], opts: { gradient?: boolean } = {}): Promise<number> {
  const withGradient = opts.gradient !== false;
  // 32 channels: divisible by every block size (a wrong one reads wrong values, never out of bounds); activations
  // large enough for emitBlockedConv to take all three convs (it leaves small ones to the plain kernels), plus the
  // depthwise conv's weight gradient.
  const c = 32, dims = [1, c, 72, 64];
  const g = new Graph();
  const x = g.input('x', dims);
  const w = g.param('w', [c, c, 3, 3]), wd = g.param('wd', [c, 1, 3, 3]), b = g.param('b', [c]);
  const y = G.conv2d(G.conv2d(x, w, b), wd, null, { groups: c });
  const z = G.conv2d(x, w, b, { stride: 2, padding: [1, 0, 1, 2] });
  const gwd = withGradient ? grad(G.mean(G.mul(y, y)), [wd])[0]! : null; // the depthwise weight gradient's blocked conv (dY as the kernel)
  const values = (n: number, seed: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.7 + seed));
  const feeds: Record<string, HostTensor> = {
    x: { data: values(c * 72 * 64, 1), dims, dtype: 'float32' },
    w: { data: values(c * c * 9, 2).map((v) => v / 20), dims: [c, c, 3, 3], dtype: 'float32' },
    wd: { data: values(c * 9, 3), dims: [c, 1, 3, 3], dtype: 'float32' },
    b: { data: values(c, 4), dims: [c], dtype: 'float32' },
  };
  const run = async (nchwcBlock: number): Promise<Float32Array[]> => {
    const { model } = emitModel(g, { outputs: gwd ? { y, z, gwd } : { y, z }, nchwcBlock });
    const blocked = model.graph!.node!.filter((n) => n.domain === NCHWC_DOMAIN && n.opType === 'Conv').length;
    if (blocked !== (nchwcBlock ? (gwd ? 4 : 3) : 0)) throw new Error(`nchwc probe: ${blocked} blocked convs emitted`); // never compare plain with plain
    const session = await backend.createSession(serializeModel(model), { quiet: true });
    try {
      const r = await session.run(feeds);
      return [r.y!.data as Float32Array, r.z!.data as Float32Array, ...(gwd ? [r.gwd!.data as Float32Array] : [])];
    } finally {
      await session.release();
    }
  };
  let reference: Float32Array[];
  try { reference = await run(0); } catch { return 0; }
  for (const bs of candidates) {
    try {
      const got = await run(bs);
      const agree = got.every((a, k) => a.every((v, i) => Math.abs(v - reference[k]![i]!) <= 1e-4 * (1 + Math.abs(reference[k]![i]!))));
      if (agree) return bs;
    } catch { /* kernels absent or another block size: try the next */ }
  }
  return 0;
}
