import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EMA } from '../../src/runtime/ema.js';
import { ParamStore, init } from '../../src/runtime/params.js';
import { encodeSafetensors, decodeSafetensors } from '../../src/runtime/safetensors.js';
import { IrsdeError } from '../../src/common/errors.js';

test('EMA follows the reference rule: every 10 steps, copy until 100, then warm-up decay capped at 0.995', () => {
  const w = new Float32Array([0]);
  const ema = new EMA({ w }); // defaults: 0.995, every 10, after 100, invGamma 1, power 2/3
  let ref = 0; // independent float64 model of IRSDE.md §5
  for (let n = 1; n <= 3000; n++) {
    w[0] = Math.fround(Math.sin(n / 50) + n / 1000); // the online weight moves every step
    const acted = ema.update(n);
    assert.equal(acted, n % 10 === 0);
    if (n % 10 === 0) {
      if (n <= 100) ref = w[0]!;
      else {
        const decay = Math.min(0.995, 1 - Math.pow(1 + (n - 101), -2 / 3));
        ref = Math.fround(ref + (1 - decay) * (w[0]! - ref));
      }
    }
    assert.ok(Math.abs(ema.shadow.get('w')![0]! - ref) < 1e-6, `step ${n}: ${ema.shadow.get('w')![0]} vs ${ref}`);
  }
  assert.equal(ema.decayAt(100), 0);
  assert.ok(Math.abs(ema.decayAt(110) - (1 - 10 ** (-2 / 3))) < 1e-12); // 0.7846
  assert.equal(ema.decayAt(1_000_000), 0.995);
  assert.equal(ema.lastStep, 3000);
});

test('EMA without warm-up uses the constant decay; copyTo and state round-trip', () => {
  const store = new ParamStore();
  store.add('a', [2], init.ones);
  const ema = new EMA(store, { decay: 0.9, every: 1, warmup: false });
  store.get('a').fill(2);
  ema.update(1);
  assert.ok(Math.abs(ema.shadow.get('a')![0]! - 1.1) < 1e-6); // 0.9·1 + 0.1·2
  const infer = store.clone();
  ema.copyTo(infer);
  assert.deepEqual(infer.get('a'), ema.shadow.get('a'));
  assert.equal(store.get('a')[0], 2); // the online weights are untouched

  const st = ema.state();
  assert.equal(st.metadata['ema_step'], '1');
  const file = encodeSafetensors(st.tensors, st.metadata);
  // the EMA file is a plain weight file for the same model
  const back = store.clone();
  back.load(file);
  assert.deepEqual(back.get('a'), ema.shadow.get('a'));
  const ema2 = new EMA(store.clone(), { decay: 0.9, every: 1, warmup: false });
  ema2.loadState(decodeSafetensors(file));
  assert.equal(ema2.lastStep, 1);
  assert.deepEqual(ema2.shadow.get('a'), ema.shadow.get('a'));
  assert.throws(() => ema2.loadState({ tensors: {} }), (e: unknown) => e instanceof IrsdeError && /missing "a"/.test(e.message));
  assert.throws(() => ema.update(0), IrsdeError);
  assert.throws(() => new EMA(store, { every: 0 }), IrsdeError);
});
