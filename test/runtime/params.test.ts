import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParamStore, init, fanIn } from '../../src/runtime/params.js';
import { Rng } from '../../src/runtime/rng.js';
import { AdamW } from '../../src/runtime/optim.js';
import { encodeSafetensors, decodeSafetensors } from '../../src/runtime/safetensors.js';
import { IrsdeError } from '../../src/common/errors.js';

function model(seed = 1): ParamStore {
  const rng = new Rng(seed);
  const s = new ParamStore();
  s.add('conv.weight', [64, 16, 3, 3], init.torch(), rng);
  s.add('conv.bias', [64], init.torch(16 * 3 * 3), rng);
  s.add('norm.weight', [64], init.ones);
  s.add('norm.bias', [64], init.zeros);
  s.add('emb', [1000], init.normal(0.02), rng);
  return s;
}

test('PyTorch-default init: U(±1/sqrt(fan_in)) with the right spread; ones, zeros, normal', () => {
  const s = model();
  assert.deepEqual(s.names(), ['conv.weight', 'conv.bias', 'norm.weight', 'norm.bias', 'emb']);
  assert.equal(fanIn([64, 16, 3, 3]), 144);
  assert.equal(fanIn([10, 7]), 7);
  assert.throws(() => fanIn([5]), IrsdeError);
  const w = s.get('conv.weight');
  const bound = 1 / 12;
  let sq = 0;
  for (const x of w) {
    assert.ok(x >= -bound && x < bound);
    sq += x * x;
  }
  // variance of U(-b, b) is b²/3
  assert.ok(Math.abs(sq / w.length / (bound * bound / 3) - 1) < 0.05);
  assert.ok(s.get('conv.bias').every((x) => Math.abs(x) <= bound));
  assert.ok(s.get('norm.weight').every((x) => x === 1));
  assert.ok(s.get('norm.bias').every((x) => x === 0));
  const e = s.get('emb');
  const std = Math.sqrt(e.reduce((a, x) => a + x * x, 0) / e.length);
  assert.ok(Math.abs(std - 0.02) < 0.002);
  assert.equal(s.size, 5);
  assert.equal(s.count, 64 * 144 + 64 * 3 + 1000);
  // same seed, same weights
  assert.deepEqual(model(1).get('conv.weight'), w);
  assert.notDeepEqual(model(2).get('conv.weight'), w);
  assert.throws(() => s.add('conv.weight', [1]), /already exists/);
  assert.throws(() => new ParamStore().add('x', [2], init.torch(4)), /needs an rng/);
  assert.throws(() => new ParamStore().add('x', [2], init.data([1])), /initial data has 1/);
  assert.throws(() => s.get('nope'), (e: unknown) => e instanceof IrsdeError && e.code === 'unknown-param');
});

test('toSafetensors/fromSafetensors round trip; load copies in place so holders see new values', () => {
  const a = model(1);
  const bytes = a.toSafetensors({ arch: 'test' });
  const c = ParamStore.fromSafetensors(bytes);
  assert.deepEqual(c.names().sort(), a.names().sort());
  assert.deepEqual(c.shape('conv.weight'), [64, 16, 3, 3]);

  const b = model(2);
  const held = b.get('conv.weight'); // e.g. bound to an ORT input
  const rep = b.load(bytes);
  assert.equal(rep.loaded.length, 5);
  assert.equal(b.get('conv.weight'), held);
  assert.deepEqual(held, a.get('conv.weight'));

  // F16 checkpoints load as float32
  const half = encodeSafetensors({ 'norm.weight': { dtype: 'F16', shape: [64], data: new Float32Array(64).fill(0.5) } });
  const n = new ParamStore();
  n.add('norm.weight', [64]);
  n.load(half);
  assert.ok(n.get('norm.weight').every((x) => x === 0.5));
});

test('load names every mismatched, missing and unexpected parameter', () => {
  const a = model(1);
  const b = new ParamStore();
  b.add('conv.weight', [32, 16, 3, 3]);
  b.add('conv.bias', [64]);
  b.add('extra.weight', [4]);
  const bytes = a.toSafetensors();
  assert.throws(() => b.load(bytes), (e: unknown) => {
    assert.ok(e instanceof IrsdeError);
    assert.equal(e.code, 'param-mismatch');
    assert.match(e.message, /"conv.weight" has shape \[64, 16, 3, 3\] in the checkpoint but \[32, 16, 3, 3\] in the model/);
    assert.match(e.message, /missing from the checkpoint: "extra.weight"/);
    assert.match(e.message, /not in the model: "emb", "norm.bias", "norm.weight"/);
    return true;
  });
  assert.equal(b.get('conv.bias')[0], 0); // nothing was changed
  // non-strict: loads what fits, reports the rest (shape mismatches are still errors)
  const ok = new ParamStore();
  ok.add('conv.bias', [64]);
  ok.add('extra', [1]);
  const rep = ok.load(decodeSafetensors(bytes), { strict: false });
  assert.deepEqual(rep.loaded, ['conv.bias']);
  assert.deepEqual(rep.missing, ['extra']);
  assert.equal(rep.unexpected.length, 4);
  assert.deepEqual(ok.get('conv.bias'), a.get('conv.bias'));
  // a network of another width differs in every parameter: three are named, the rest counted
  const wide = new ParamStore(), narrow = new ParamStore();
  for (let i = 0; i < 8; i++) { wide.add(`l${i}.weight`, [64, 64]); narrow.add(`l${i}.weight`, [32, 32]); }
  assert.throws(() => narrow.load(wide.toSafetensors()), (e: unknown) => {
    assert.ok(e instanceof IrsdeError);
    assert.match(e.message, /"l2\.weight" has shape \[64, 64\] in the checkpoint but \[32, 32\] in the model; 5 more with other shapes$/);
    assert.doesNotMatch(e.message, /l3\.weight/);
    return true;
  });
  const ints = encodeSafetensors({ 'conv.bias': { dtype: 'I32', shape: [64], data: new Int32Array(64) } });
  assert.throws(() => ok.load(ints, { strict: false }), /not a float type/);
});

test('a ParamStore is what optimisers take (names and shapes feed parameter groups)', () => {
  const s = model(3);
  const opt = new AdamW(s, { lr: 1e-3, weightDecay: 0.1, groups: [{ match: (p) => (p.shape?.length ?? 0) <= 1, weightDecay: 0 }] });
  const grads = new Map(s.names().map((n) => [n, new Float32Array(s.get(n).length)]));
  const before = s.get('norm.weight')[0];
  opt.step(grads);
  assert.equal(s.get('norm.weight')[0], before); // zero grad, no decay
  assert.notEqual(s.get('conv.weight')[0], model(3).get('conv.weight')[0]); // decayed
});
