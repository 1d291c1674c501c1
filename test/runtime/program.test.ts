import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph } from '../../src/graph/tensor.js';
import * as G from '../../src/graph/ops.js';
import { Program, ProgramCache } from '../../src/runtime/program.js';
import { getBackend } from '../../src/runtime/backend.js';
import { emitModel } from '../../src/graph/emitter.js';

function tiny(): { g: Graph; y: ReturnType<typeof G.add> } {
  const g = new Graph();
  const x = g.input('x', ['N']);
  const w = g.param('w', [1]);
  return { g, y: G.add(G.mul(x, w), 1) };
}

test('baked parameters become initialisers, fed ones stay inputs, and both compute the same', async () => {
  const backend = await getBackend('node');
  const { g, y } = tiny();
  const fed = await Program.compile(backend, g, { y });
  const baked = await Program.compile(backend, g, { y }, { bake: new Map([['w', Float32Array.of(3)]]) });
  assert.deepEqual([...fed.inputNames].sort(), ['w', 'x']);
  assert.deepEqual([...baked.inputNames], ['x']);
  const x = { data: Float32Array.of(1, 2, 3), dims: [3], dtype: 'float32' as const };
  const a = await fed.run({ x, w: Float32Array.of(3) });
  const b = await baked.run({ x });
  assert.deepEqual([...(a.y!.data as Float32Array)], [4, 7, 10]);
  assert.deepEqual([...(b.y!.data as Float32Array)], [4, 7, 10]);
  await assert.rejects(fed.run({ x }), /no value fed for input "w"/);
});

test('updating a fed parameter array in place is seen by the next run (no copy)', async () => {
  const { g, y } = tiny();
  const p = await Program.compile(await getBackend('node'), g, { y });
  const w = Float32Array.of(2);
  const x = { data: Float32Array.of(1), dims: [1], dtype: 'float32' as const };
  assert.equal((await p.run({ x, w })).y!.data[0], 3);
  w[0] = 5;
  assert.equal((await p.run({ x, w })).y!.data[0], 6);
});

test('ProgramCache compiles once per key and forgets failures', async () => {
  const cache = new ProgramCache();
  let compiles = 0;
  const make = async (): Promise<Program> => { compiles++; const { g, y } = tiny(); return Program.compile(await getBackend('node'), g, { y }); };
  const [a, b] = await Promise.all([cache.get('k', make), cache.get('k', make)]);
  assert.equal(a, b);
  assert.equal(compiles, 1);
  await assert.rejects(cache.get('bad', async () => { throw new Error('boom'); }));
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(cache.has('bad'), false);
  await cache.release();
  assert.equal(cache.size, 0);
});

test('emitted models always spell out Conv attributes (WebGPU rejects them otherwise)', () => {
  const g = new Graph();
  const x = g.input('x', [1, 2, 'H', 'W']);
  const y = G.conv2d(x, g.param('w', [3, 2, 3, 3]), null);
  const { model } = emitModel(g, { outputs: { y } });
  const conv = model.graph!.node!.find((n) => n.opType === 'Conv')!;
  assert.deepEqual(conv.attribute!.map((a) => a.name).sort(), ['dilations', 'group', 'kernel_shape', 'pads', 'strides']);
});

test('conv1x1PixelShuffle (one ConvTranspose) equals Conv 1×1 + pixel shuffle, fed or baked, symbolic H and W', async () => {
  const backend = await getBackend('node');
  const g = new Graph();
  const x = g.input('x', [1, 4, 'H', 'W']);
  const w = g.param('w', [8, 4, 1, 1]);
  const fused = G.conv1x1PixelShuffle(x, w, 2), composed = G.pixelShuffle(G.conv2d(x, w, null), 2);
  assert.deepEqual(fused.shape, composed.shape);
  const wv = Float32Array.from({ length: 32 }, (_, i) => Math.cos(i * 0.7));
  const xv = { data: Float32Array.from({ length: 4 * 3 * 5 }, (_, i) => Math.sin(i * 1.3)), dims: [1, 4, 3, 5], dtype: 'float32' as const };
  const fed = await (await Program.compile(backend, g, { fused, composed })).run({ x: xv, w: wv });
  const baked = await (await Program.compile(backend, g, { fused, composed }, { bake: new Map([['w', wv]]) })).run({ x: xv });
  assert.deepEqual(fed.fused!.dims, [1, 2, 6, 10]);
  for (const r of [fed, baked]) {
    const a = r.fused!.data as Float32Array, b = r.composed!.data as Float32Array;
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) < 1e-6, `element ${i}: ${a[i]} vs ${b[i]}`);
  }
});

test('Program.run checks feeds against the graph; TrainingProgram checks the store; release is idempotent', async () => {
  const { ParamStore } = await import('../../src/runtime/params.js');
  const { TrainingProgram } = await import('../../src/runtime/training.js');
  const backend = await getBackend('node');
  const g = new Graph();
  const x = g.input('x', ['B', 3]), y = g.input('y', ['B', 2]), unused = g.input('unused', [1]);
  const w = g.param('w', [3, 2]);
  void unused;
  const loss = G.mean(G.sub(G.matmul(x, w), y));
  const f = (dims: number[]) => ({ data: new Float32Array(dims.reduce((p, d) => p * d, 1)), dims, dtype: 'float32' as const });
  const prog = await Program.compile(backend, g, { loss }, {});
  const wFeed = f([3, 2]);
  await prog.run({ x: f([4, 3]), y: f([4, 2]), w: wFeed, unused: f([1]) }); // an input the outputs do not need may be fed
  await assert.rejects(prog.run({ x: f([4, 3]), y: f([5, 2]), w: wFeed }), /symbolic size "B" is 4 in "x" but 5 in "y"/);
  await assert.rejects(prog.run({ x: f([4, 4]), y: f([4, 2]), w: wFeed }), /"x" fed with dims \[4, 4\], the graph declares \[B, 3\]/);
  await assert.rejects(prog.run({ X: f([4, 3]), x: f([4, 3]), y: f([4, 2]), w: wFeed }), /"X" is not an input of this program's graph/);
  await assert.rejects(prog.run({ x: { ...f([4, 3]), data: new Float32Array(5) }, y: f([4, 2]), w: wFeed }), /"x" has 5 values for dims \[4, 3\] \(12\)/);
  await assert.rejects(prog.run({ x: { data: new Float64Array(12), dims: [4, 3], dtype: 'float64' }, y: f([4, 2]), w: wFeed }), /"x" is fed as float64, the graph declares float32/);
  await assert.rejects(prog.run({ x: { data: new Float64Array(12) as unknown as Float32Array, dims: [4, 3], dtype: 'float32' }, y: f([4, 2]), w: wFeed }), /"x" is float32, which takes a Float32Array, but its data is a Float64Array/);
  await prog.release();
  await prog.release();
  await assert.rejects(prog.run({ x: f([4, 3]), y: f([4, 2]), w: wFeed }), /this program was released/);

  const wrong = new ParamStore();
  wrong.add('w', [2, 3]);
  await assert.rejects(TrainingProgram.create(backend, g, loss, wrong), /parameter "w" is \[2, 3\] in the ParamStore but \[3, 2\] in the graph/);
  const empty = new ParamStore();
  const tp = await TrainingProgram.create(backend, g, loss, empty);
  await assert.rejects(tp.run({ x: f([4, 3]), y: f([4, 2]) }), /parameter "w" is neither in the ParamStore the program was created with nor fed/);
  await tp.release();
});

test('TrainingProgram: parameters the loss does not use get no gradient (the optimiser leaves them alone); extra outputs cannot replace the loss', async () => {
  const { ParamStore } = await import('../../src/runtime/params.js');
  const { TrainingProgram } = await import('../../src/runtime/training.js');
  const { AdamW } = await import('../../src/runtime/optim.js');
  const backend = await getBackend('node');
  const g = new Graph();
  const x = g.input('x', [2, 3]);
  const w = g.param('w', [3, 3]), u = g.param('u', [3]);
  const y = G.matmul(x, w);
  const loss = G.mean(G.mul(y, y));
  const store = new ParamStore();
  store.add('w', [3, 3]).fill(0.1);
  store.add('u', [3]).fill(0.5);
  const tp = await TrainingProgram.create(backend, g, loss, store, { extra: { z: G.add(y, u) } });
  assert.deepEqual(tp.paramNames, ['w']);
  assert.deepEqual(tp.unusedParams, ['u']);
  const r = await tp.run({ x: { data: Float32Array.of(1, 2, 3, 4, 5, 6), dims: [2, 3], dtype: 'float32' } });
  assert.deepEqual([...r.grads.keys()], ['w']);
  assert.deepEqual(r.extra.z!.dims, [2, 3]); // the extra output still reads u
  new AdamW(store, { lr: 0.1, weightDecay: 0.5 }).step(r.grads);
  assert.deepEqual(Array.from(store.get('u')), [0.5, 0.5, 0.5]); // no weight decay without a gradient
  assert.ok(store.get('w')[0] !== Math.fround(0.1));
  await tp.release();
  await assert.rejects(TrainingProgram.create(backend, g, loss, store, { extra: { loss: y } }), /extra output "loss" would replace the loss/);
});

test('float64 graphs: the constants ops add follow the input dtype (clip, constant pad, channel LN, gather gradient; ORT has no float64 Erf, so no GELU)', async () => {
  const { grad } = await import('../../src/autodiff/grad.js');
  const backend = await getBackend('node');
  const g = new Graph();
  const x = g.input('x', [1, 4, 3, 3], 'float64');
  const w = g.input('w', [1, 4, 1, 1], 'float64');
  const table = g.input('table', [5, 2], 'float64'), idx = g.input('idx', [3], 'int64');
  const y = G.channelLayerNorm(G.pad(G.clip(x, -0.5, 0.5), [0, 0, 1, 1, 0, 0, 1, 1], 'constant', 0.25), w, null);
  const [dt] = grad(G.sum(G.mul(G.gather(table, idx, 0), G.gather(table, idx, 0))), [table]);
  const prog = await Program.compile(backend, g, { y, dt: dt! }, {});
  const f64 = (dims: number[], fn: (i: number) => number) => ({ data: Float64Array.from({ length: dims.reduce((p, d) => p * d, 1) }, (_, i) => fn(i)), dims, dtype: 'float64' as const });
  const r = await prog.run({
    x: f64([1, 4, 3, 3], (i) => Math.sin(i)), w: f64([1, 4, 1, 1], () => 1), table: f64([5, 2], (i) => i),
    idx: { data: BigInt64Array.of(0n, 3n, 3n), dims: [3], dtype: 'int64' },
  });
  assert.equal(r.y!.dtype, 'float64');
  assert.deepEqual(r.y!.dims, [1, 4, 5, 5]);
  assert.ok(Array.from(r.y!.data as Float64Array).every(Number.isFinite));
  // d/dtable Σ gather² = 2·table at the gathered rows, counted per occurrence (row 3 twice)
  assert.deepEqual(Array.from(r.dt!.data as Float64Array), [0, 2, 0, 0, 0, 0, 24, 28, 0, 0]);
  await prog.release();
});
