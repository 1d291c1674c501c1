/** Layer helpers with their own numerics: the sin/cos of the time embedding. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph } from '../../src/graph/tensor.js';
import { Program } from '../../src/runtime/program.js';
import { getBackend } from '../../src/runtime/backend.js';
import { sinCos, sinusoidalEmbedding } from '../../src/nn/layers.js';

test('sinCos (range reduction + polynomials, no Sin/Cos ops) matches Math.sin/cos to 1e-6 over ±1000', async () => {
  const n = 40001;
  const g = new Graph();
  const x = g.input('x', [n]);
  const [s, c] = sinCos(x);
  const prog = await Program.compile(await getBackend('node'), g, { s, c });
  const xs = new Float32Array(n);
  for (let i = 0; i < n; i++) xs[i] = Math.fround(-1000 + i * 0.05 + 1e-3 * Math.sin(i));
  const r = await prog.run({ x: xs });
  const sv = r.s!.data as Float32Array, cv = r.c!.data as Float32Array;
  let es = 0, ec = 0;
  for (let i = 0; i < n; i++) {
    es = Math.max(es, Math.abs(sv[i]! - Math.sin(xs[i]!)));
    ec = Math.max(ec, Math.abs(cv[i]! - Math.cos(xs[i]!)));
  }
  assert.ok(es < 1e-6 && ec < 1e-6, `max error sin ${es}, cos ${ec}`);
  await prog.release();
});

test('the sinusoidal time embedding refuses widths that would divide by zero or drop a channel', () => {
  const g = new Graph();
  const t = g.input('t', [1]);
  assert.throws(() => sinusoidalEmbedding(t, 2), /even width of at least 4, got 2/);
  assert.throws(() => sinusoidalEmbedding(t, 7), /even width of at least 4, got 7/);
  assert.deepEqual(sinusoidalEmbedding(t, 4).shape, [1, 4]);
});
