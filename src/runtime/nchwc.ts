/**
 * Whether, and with which block size, onnxruntime's blocked-channel ("NCHWc") convolution kernels can run
 * convolutions whose weights are fed at run time (graph/ops.ts `emitBlockedConv`). Those kernels are internal to
 * onnxruntime's CPU provider (x86: 16 channels per block with AVX-512, 8 with AVX2; absent elsewhere and in
 * onnxruntime-web), so instead of guessing from the CPU, the probe runs them: a dense, a strided and a depthwise
 * conv compiled both ways must agree. `IRSDE_NCHWC=0` turns the blocked kernels off.
 */
import { Graph } from '../graph/tensor.js';
import * as G from '../graph/ops.js';
import { emitModel, serializeModel } from '../graph/emitter.js';
import type { Backend, HostTensor } from './backend.js';

const probes = new WeakMap<Backend, Promise<number>>();

/** The block size to emit blocked convs with on this backend, 0 for none. Probed once per backend. */
export function nchwcBlockSize(backend: Backend): Promise<number> {
  let p = probes.get(backend);
  if (!p) {
    p = backend.name === 'node' && !nchwcDisabled() ? probe(backend) : Promise.resolve(0);
    probes.set(backend, p);
  }
  return p;
}

function nchwcDisabled(): boolean {
  return typeof process !== 'undefined' && process.env?.IRSDE_NCHWC === '0';
}

async function probe(backend: Backend): Promise<number> {
  const c = 96; // divisible by 32, 16 and 8: a wrong block size reads wrong values, never out of bounds
  const g = new Graph();
  const x = g.input('x', [2, c, 7, 6]);
  const w = g.param('w', [c, c, 3, 3]), wd = g.param('wd', [c, 1, 3, 3]), b = g.param('b', [c]);
  const y = G.conv2d(G.conv2d(x, w, b), wd, null, { groups: c });
  const z = G.conv2d(x, w, b, { stride: 2, padding: [1, 0, 1, 2] });
  const values = (n: number, seed: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.7 + seed));
  const feeds: Record<string, HostTensor> = {
    x: { data: values(2 * c * 42, 1), dims: [2, c, 7, 6], dtype: 'float32' },
    w: { data: values(c * c * 9, 2).map((v) => v / 20), dims: [c, c, 3, 3], dtype: 'float32' },
    wd: { data: values(c * 9, 3), dims: [c, 1, 3, 3], dtype: 'float32' },
    b: { data: values(c, 4), dims: [c], dtype: 'float32' },
  };
  const run = async (nchwcBlock: number): Promise<Float32Array[]> => {
    const { model } = emitModel(g, { outputs: { y, z }, nchwcBlock });
    const session = await backend.createSession(serializeModel(model), { quiet: true });
    try {
      const r = await session.run(feeds);
      return [r.y!.data as Float32Array, r.z!.data as Float32Array];
    } finally {
      await session.release();
    }
  };
  let reference: Float32Array[];
  try { reference = await run(0); } catch { return 0; }
  for (const bs of [16, 8]) {
    try {
      const got = await run(bs);
      const agree = got.every((a, k) => a.every((v, i) => Math.abs(v - reference[k]![i]!) <= 1e-4 * (1 + Math.abs(reference[k]![i]!))));
      if (agree) return bs;
    } catch { /* kernels absent or another block size: try the next */ }
  }
  return 0;
}
