/** The browser path: onnxruntime-web (WASM) running in Node must agree with onnxruntime-node. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph, type Tensor } from '../../src/graph/tensor.js';
import * as G from '../../src/graph/ops.js';
import { grad } from '../../src/autodiff/grad.js';
import { Program } from '../../src/runtime/program.js';
import { getBackend } from '../../src/runtime/backend.js';
import { Scope, initParams } from '../../src/nn/scope.js';
import { nafBlock, residualLinearAttention } from '../../src/nn/blocks.js';
import { createRng } from '../../src/runtime/rng.js';

test('onnxruntime-web (wasm) matches onnxruntime-node on a NAFBlock forward + backward graph', async () => {
  const g = new Graph();
  const s = new Scope(g);
  const x = g.input('x', ['B', 8, 'H', 'W']);
  const tt = g.input('tt', ['B', 16]);
  const y = residualLinearAttention(s.sub('attn'), nafBlock(s.sub('naf'), x, tt, 8, 16), 8);
  const loss = G.mean(G.abs(y));
  const grads = grad(loss, g.params);
  const outs: Record<string, Tensor> = { y, loss };
  g.params.forEach((p, i) => { outs[`g${i}`] = grads[i]!; });
  const params = initParams(s.specs, createRng(4));
  for (const p of params) if (/beta|gamma/.test(p.name)) p.data.fill(0.5);
  const rng = createRng(5);
  const feeds: Record<string, any> = {
    x: { data: rng.fillNormal(new Float32Array(2 * 8 * 12 * 10)), dims: [2, 8, 12, 10], dtype: 'float32' },
    tt: { data: rng.fillNormal(new Float32Array(2 * 16)), dims: [2, 16], dtype: 'float32' },
  };
  for (const p of params) feeds[p.name] = p.data;
  const results = [];
  for (const name of ['node', 'wasm'] as const) {
    const prog = await Program.compile(await getBackend(name), g, outs);
    results.push(await prog.run(feeds));
    await prog.release();
  }
  const [a, b] = results as [Record<string, any>, Record<string, any>];
  for (const k of Object.keys(outs)) {
    const da = a[k].data as Float32Array, db = b[k].data as Float32Array;
    let m = 0, d = 0;
    for (let i = 0; i < da.length; i++) { m = Math.max(m, Math.abs(da[i]! - db[i]!)); d = Math.max(d, Math.abs(da[i]!)); }
    assert.ok(m <= 1e-4 * Math.max(d, 1e-3), `${k}: node vs wasm differ by ${m} (scale ${d})`);
  }
});
