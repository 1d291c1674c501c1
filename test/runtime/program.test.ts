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
