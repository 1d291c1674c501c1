/**
 * Golden fixtures from PyTorch (tools/gen_nafblock_golden.py, float64 reference): for fixed weights and
 * inputs, our forward output, loss and every gradient must match within 1e-4 relative.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Graph, type Tensor } from '../../src/graph/tensor.js';
import * as G from '../../src/graph/ops.js';
import { grad } from '../../src/autodiff/grad.js';
import { Program } from '../../src/runtime/program.js';
import { getBackend } from '../../src/runtime/backend.js';
import { decodeSafetensors } from '../../src/runtime/safetensors.js';
import { Scope } from '../../src/nn/scope.js';
import { nafBlock, resBlock, residualLinearAttention } from '../../src/nn/blocks.js';

function load(name: string): Record<string, { shape: number[]; data: Float32Array }> {
  const { tensors } = decodeSafetensors(new Uint8Array(readFileSync(new URL(`../fixtures/${name}`, import.meta.url))));
  const out: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const [k, v] of Object.entries(tensors)) out[k] = { shape: v.shape, data: v.data as Float32Array };
  return out;
}

/** max |a − b| relative to max |b| (per tensor). */
function relErr(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) { num = Math.max(num, Math.abs(a[i]! - b[i]!)); den = Math.max(den, Math.abs(b[i]!)); }
  return num / Math.max(den, 1e-12);
}

async function runGolden(fixture: string, inputNames: string[], build: (s: Scope, ins: Tensor[]) => Tensor, lossKind: 'l1' | 'l2'): Promise<void> {
  const fx = load(fixture);
  const g = new Graph();
  const s = new Scope(g);
  const ins = inputNames.map((n) => g.input(n, fx[n]!.shape));
  const target = g.input('target', fx.target!.shape);
  const out = build(s, ins);
  const diff = G.sub(out, target);
  const loss = G.mean(lossKind === 'l1' ? G.abs(diff) : G.mul(diff, diff));
  const params = g.params;
  const wrt = [...params, ...ins];
  const grads = grad(loss, wrt);
  const outputs: Record<string, Tensor> = { output: out, loss };
  wrt.forEach((t, i) => { outputs[`grad.${t.name}`] = grads[i]!; });
  const prog = await Program.compile(await getBackend('node'), g, outputs, { training: true });
  const feeds: Record<string, { data: Float32Array; dims: number[]; dtype: 'float32' }> = {};
  for (const t of [...ins, target, ...params]) {
    assert.ok(fx[t.name], `fixture ${fixture} lacks ${t.name}`);
    feeds[t.name] = { data: fx[t.name]!.data, dims: fx[t.name]!.shape, dtype: 'float32' };
  }
  const res = await prog.run(feeds);
  const lossRel = Math.abs((res.loss!.data[0] as number) - fx.loss!.data[0]!) / Math.abs(fx.loss!.data[0]!);
  assert.ok(lossRel < 1e-4, `${fixture}: loss ${res.loss!.data[0]} vs ${fx.loss!.data[0]}`);
  assert.ok(relErr(res.output!.data as Float32Array, fx.output!.data) < 1e-4, `${fixture}: output differs`);
  const fixtureGrads = Object.keys(fx).filter((k) => k.startsWith('grad.'));
  assert.equal(fixtureGrads.length, wrt.length, `${fixture}: gradient count`);
  for (const k of fixtureGrads) {
    assert.ok(res[k], `${fixture}: we produce no ${k}`);
    const e = relErr(res[k]!.data as Float32Array, fx[k]!.data);
    assert.ok(e < 1e-4, `${fixture}: ${k} relative error ${e.toExponential(3)}`);
  }
  await prog.release();
}

test('golden: conditional NAFBlock (c=8, w=4) matches PyTorch loss and all gradients', () =>
  runGolden('nafblock_golden.safetensors', ['input', 'tt'], (s, [x, tt]) => nafBlock(s, x!, tt!, 8, 16), 'l1'));

test('golden: ResBlock with FiLM time conditioning matches PyTorch', () =>
  runGolden('resblock_golden.safetensors', ['input', 'temb'], (s, [x, t]) => resBlock(s, x!, t!, 4, 6, 8), 'l2'));

test('golden: Residual(PreNorm(LinearAttention)) matches PyTorch', () =>
  runGolden('linattn_golden.safetensors', ['input'], (s, [x]) => residualLinearAttention(s, x!, 6), 'l1'));
