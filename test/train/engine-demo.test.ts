/** End to end: a tiny conv net trained by the engine (graph → autodiff → ORT → AdamW) learns a fixed mapping. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runEngineDemo } from '../../src/train/demo.js';

test('a small conv net learns a fixed mapping: loss falls at least 10×', async () => {
  const r = await runEngineDemo({ steps: 200, batch: 2, size: 24, width: 12, seed: 1 });
  assert.ok(r.losses.every(Number.isFinite), 'loss went non-finite');
  assert.ok(r.firstLoss / r.finalLoss >= 10, `loss fell only ${(r.firstLoss / r.finalLoss).toFixed(1)}× (${r.firstLoss} → ${r.finalLoss})`);
});

test('training is deterministic for a seed', async () => {
  const a = await runEngineDemo({ steps: 15, batch: 1, size: 16, width: 4, seed: 9 });
  const b = await runEngineDemo({ steps: 15, batch: 1, size: 16, width: 4, seed: 9 });
  assert.deepEqual(a.losses, b.losses);
});
