/**
 * Symbolic dims: one graph with batch/height/width unknown must serve any size, and its forward and
 * gradients must equal those of a graph built for that exact static size.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph, type Dim, type Tensor } from '../../src/graph/tensor.js';
import * as G from '../../src/graph/ops.js';
import { grad } from '../../src/autodiff/grad.js';
import { Program } from '../../src/runtime/program.js';
import { getBackend } from '../../src/runtime/backend.js';
import { Scope, initParams } from '../../src/nn/scope.js';
import { nafBlock, resBlock, residualLinearAttention } from '../../src/nn/blocks.js';
import { conv, sinusoidalEmbedding } from '../../src/nn/layers.js';
import { createRng } from '../../src/runtime/rng.js';
import type { ParamStore } from '../../src/runtime/params.js';

const C = 8;
/** A small U-shaped net touching every op with a shape rule on H and W. */
function net(s: Scope, x: Tensor, t: Tensor): Tensor {
  const tt = sinusoidalEmbedding(t, 4 * C);
  let h = conv(s.sub('intro'), x, 3, C, { k: 3 });
  h = nafBlock(s.sub('enc'), h, tt, C, 4 * C);
  const skip = h;
  h = conv(s.sub('down'), h, C, 2 * C, { k: 2, stride: 2, padding: 0 });
  h = resBlock(s.sub('mid'), h, tt, 2 * C, 2 * C, 4 * C);
  h = residualLinearAttention(s.sub('attn'), h, 2 * C);
  h = G.pixelShuffle(conv(s.sub('up'), h, 2 * C, 4 * C, { k: 1, bias: false }), 2);
  h = G.add(h, skip);
  h = G.upsampleNearest2x(h);
  h = G.avgPool(h, 2);
  h = G.pad(h, [0, 0, 0, 0, 0, 0, 1, 1], 'reflect');
  h = G.slice(h, [0, 0], [-1, -1], [2, 3]);
  return conv(s.sub('ending'), h, C, 3, { k: 3 });
}

async function runNet(shape: Dim[], dims: number[], params: ParamStore | null, x: Float32Array, tv: Float32Array) {
  const g = new Graph();
  const s = new Scope(g);
  const xi = g.input('x', shape);
  const ti = g.input('t', [shape[0]!]);
  const y = net(s, xi, ti);
  const loss = G.mean(G.mul(y, y));
  const grads = grad(loss, [...g.params, xi]);
  const outs: Record<string, Tensor> = { y, loss };
  g.params.forEach((p, i) => { outs[`g_${p.name}`] = grads[i]!; });
  outs.gx = grads[g.params.length]!;
  const store = params ?? initParams(s.specs, createRng(3));
  for (const p of store) if (/beta|gamma/.test(p.name)) p.data.fill(0.3);
  const prog = await Program.compile(await getBackend('node'), g, outs, { training: true });
  const feeds: Record<string, any> = { x: { data: x, dims, dtype: 'float32' }, t: { data: tv, dims: [dims[0]!], dtype: 'float32' } };
  for (const p of store) feeds[p.name] = p.data;
  const res = await prog.run(feeds);
  await prog.release();
  return { res, store };
}

test('a symbolic-shape graph equals the static graph at two sizes (forward and all gradients)', async () => {
  const rng = createRng(11);
  let store: ParamStore | null = null;
  for (const dims of [[1, 3, 8, 12], [2, 3, 12, 8]]) {
    const x = rng.fillNormal(new Float32Array(dims.reduce((a, b) => a * b)));
    const tv = Float32Array.from({ length: dims[0]! }, (_, i) => 10 + 7 * i);
    const sym = await runNet(['B', 3, 'H', 'W'], dims, store, x, tv);
    store = sym.store;
    const stat = await runNet(dims, dims, store, x, tv);
    assert.deepEqual(sym.res.y!.dims, dims);
    for (const k of Object.keys(stat.res)) {
      const a = sym.res[k]!.data as Float32Array, b = stat.res[k]!.data as Float32Array;
      assert.equal(a.length, b.length, k);
      let m = 0, d = 0;
      for (let i = 0; i < a.length; i++) { m = Math.max(m, Math.abs(a[i]! - b[i]!)); d = Math.max(d, Math.abs(b[i]!)); }
      assert.ok(m <= 1e-5 * Math.max(d, 1e-6), `${k} at [${dims}]: symbolic and static differ by ${m} (scale ${d})`);
    }
  }
});

test('graph inputs and parameters refuse impossible dimensions', () => {
  const g = new Graph();
  assert.throws(() => g.input('a', [-2, 3]), /a: dimension -2 in \[-2, 3\] must be a non-negative integer or the name of a symbolic size/);
  assert.throws(() => g.input('b', [NaN]), /dimension NaN/);
  assert.throws(() => g.input('c', [2.5, 'H']), /dimension 2\.5/);
  assert.throws(() => g.param('w', ['C' as unknown as number, 3]), /w: dimension 'C' .* must be a non-negative integer$/);
  assert.equal(g.input('ok', ['B', 3, 'H', 'W']).shape.length, 4);
});

test('build-time checks: unsqueeze axes index the output, concat sizes and dtypes, dtypes of binary ops, where, gather, transpose, conv groups', () => {
  const g = new Graph();
  const a = g.input('a', [2, 3]);
  assert.deepEqual(G.unsqueeze(a, [-1]).shape, [2, 3, 1]);
  assert.deepEqual(G.unsqueeze(a, [0, -1]).shape, [1, 2, 3, 1]);
  assert.throws(() => G.unsqueeze(a, [5]), /Unsqueeze: axis 5 out of range for rank 3/);
  const [ga] = grad(G.sum(G.mul(G.unsqueeze(a, [-1]), g.param('w', [2, 3, 1]))), [a]);
  assert.deepEqual(ga!.shape, [2, 3]);
  assert.throws(() => G.concat([g.input('p', [1, 3, 8, 8]), g.input('q', [1, 2, 4, 4])], 1), /Concat along axis 1: \[1,3,8,8\] and \[1,2,4,4\] differ on axis 2/);
  const i64 = g.input('i', [2, 3], 'int64');
  assert.throws(() => G.concat([a, i64], 0), /Concat: inputs differ in dtype \(float32 and int64\)/);
  assert.throws(() => G.add(a, i64), /Add: inputs differ in dtype \(float32 and int64\); cast one first/);
  assert.throws(() => G.where(a, a, a), /Where: the condition must be bool, got float32/);
  assert.throws(() => G.gather(a, a, 0), /Gather: indices must be int64 or int32, got float32/);
  assert.throws(() => G.transpose(a, [0, 0]), /Transpose: perm \[0,0\] is not a permutation of the 2 axes/);
  const x = g.input('x', [1, 6, 8, 8]);
  assert.throws(() => G.conv2d(x, g.param('cw', [4, 2, 3, 3]), null, { groups: 3 }), /Conv: 4 output channels are not divisible into 3 groups/);
});

test('channel norms check the shape of their per-channel scale and shift', () => {
  const g = new Graph();
  const x = g.input('x', ['B', 4, 'H', 'W']);
  assert.deepEqual(G.channelLayerNorm(x, g.param('w', [1, 4, 1, 1]), g.param('b', [1, 4, 1, 1])).shape, ['B', 4, 'H', 'W']);
  assert.deepEqual(G.channelNormModulate(x, g.input('k', ['B', 4, 1, 1]), null).shape, ['B', 4, 'H', 'W']);
  assert.throws(() => G.channelLayerNorm(x, g.param('v', [4]), null), /channel norm: scale\/shift \[4\] must be \[1 or B, 4, 1…\] against the input \[B,4,H,W\]/);
  assert.throws(() => G.channelLayerNorm(x, g.param('u', [1, 4, 2, 1]), null), /scale\/shift \[1,4,2,1\]/);
});

test('strided convolutions train with symbolic sizes that the stride does not divide (input and weight gradients equal the static graph)', async () => {
  const backend = await getBackend('node');
  const cases: { k: number; stride: number; pads: [number, number, number, number]; dilation?: number }[] = [
    { k: 3, stride: 2, pads: [0, 0, 0, 0] },
    { k: 3, stride: 2, pads: [1, 1, 1, 1] },
    { k: 2, stride: 2, pads: [0, 0, 0, 0] },
    { k: 3, stride: 3, pads: [2, 0, 1, 1], dilation: 2 },
  ];
  const rng = createRng(5);
  for (const c of cases) {
    const wData = rng.fillNormal(new Float32Array(4 * 2 * c.k * c.k));
    const build = async (shape: Dim[]) => {
      const g = new Graph();
      const x = g.input('x', shape);
      const w = g.param('w', [4, 2, c.k, c.k]);
      const y = G.conv2d(x, w, null, { stride: c.stride, padding: c.pads, dilation: c.dilation ?? 1 });
      const loss = G.sum(G.mul(y, y));
      const [gw, gx] = grad(loss, [w, x]);
      return Program.compile(backend, g, { gw: gw!, gx: gx! }, { training: true });
    };
    const sym = await build([1, 2, 'H', 'W']);
    for (const [h, wd] of [[7, 7], [5, 8], [8, 8], [9, 11]] as const) {
      const x = rng.fillNormal(new Float32Array(2 * h * wd));
      const feeds = { x: { data: x, dims: [1, 2, h, wd], dtype: 'float32' as const }, w: wData };
      const stat = await build([1, 2, h, wd]);
      const [a, b] = [await sym.run(feeds), await stat.run(feeds)];
      await stat.release();
      const what = `k${c.k} s${c.stride} pads [${c.pads}] at ${h}×${wd}`;
      assert.deepEqual(a.gx!.dims, [1, 2, h, wd], what);
      for (const k of ['gx', 'gw']) {
        const p = a[k]!.data as Float32Array, q = b[k]!.data as Float32Array;
        assert.equal(p.length, q.length, `${k} ${what}`);
        for (let i = 0; i < p.length; i++) assert.ok(Math.abs(p[i]! - q[i]!) <= 1e-4 * (1 + Math.abs(q[i]!)), `${k}[${i}] ${what}: ${p[i]} vs ${q[i]}`);
      }
    }
    await sym.release();
  }
});

test('avgPool: a static remainder is dropped (forward and gradient equal PyTorch\'s floor), a symbolic size must be a multiple of k', async () => {
  const backend = await getBackend('node');
  const build = async (shape: Dim[]) => {
    const g = new Graph();
    const x = g.input('x', shape);
    const y = G.avgPool(x, 2);
    const [gx] = grad(G.sum(G.mul(y, y)), [x]);
    return Program.compile(backend, g, { y, gx: gx! }, { training: true });
  };
  const rng = createRng(9);
  const x = rng.fillNormal(new Float32Array(3 * 5 * 7));
  const stat = await build([1, 3, 5, 7]);
  const r = await stat.run({ x: { data: x, dims: [1, 3, 5, 7], dtype: 'float32' as const } });
  assert.deepEqual(r.y!.dims, [1, 3, 2, 3]);
  const gx = r.gx!.data as Float32Array, y = r.y!.data as Float32Array;
  // d/dx of Σ y² = 2·y/4 on each window's four pixels, 0 on the dropped last row and column
  for (let c = 0; c < 3; c++) for (let i = 0; i < 5; i++) for (let j = 0; j < 7; j++) {
    const want = i < 4 && j < 6 ? (2 * y[c * 6 + (i >> 1) * 3 + (j >> 1)]!) / 4 : 0;
    assert.ok(Math.abs(gx[c * 35 + i * 7 + j]! - want) < 1e-6, `(${c},${i},${j})`);
  }
  await stat.release();
  const sym = await build([1, 3, 'H', 'W']);
  const even = rng.fillNormal(new Float32Array(3 * 4 * 6));
  assert.deepEqual((await sym.run({ x: { data: even, dims: [1, 3, 4, 6], dtype: 'float32' as const } })).y!.dims, [1, 3, 2, 3]);
  await assert.rejects(sym.run({ x: { data: x, dims: [1, 3, 5, 7], dtype: 'float32' as const } }), /"x" has H = 5, which must be a multiple of 2 for AveragePool\(2\)/);
  await sym.release();
});
