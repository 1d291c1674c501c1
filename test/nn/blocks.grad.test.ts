/** Finite-difference checks of the composite blocks, through every parameter they declare. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Scope } from '../../src/nn/scope.js';
import { nafBlock, resBlock, residualLinearAttention } from '../../src/nn/blocks.js';
import { sinusoidalEmbedding } from '../../src/nn/layers.js';
import { gradCheck } from '../helpers/gradcheck.js';

test('gradient: NAFBlock with time modulation (all 19 parameters, input and time embedding)', async () => {
  const r = await gradCheck((g, [x, tt]) => nafBlock(new Scope(g), x!, tt!, 4, 8), [{ name: 'x', shape: [2, 4, 5, 6] }, { name: 'tt', shape: [2, 8] }], { seed: 5 });
  assert.ok(r.checks >= 19 * 5, `only ${r.checks} checks`);
  assert.ok(r.maxRelError < 0.02, r.details.join('\n'));
});

test('gradient: U-Net ResBlock with FiLM time conditioning and 1×1 residual', async () => {
  const r = await gradCheck((g, [x, t]) => resBlock(new Scope(g), x!, sinusoidalEmbedding(t!, 8), 3, 5, 8), [{ name: 'x', shape: [2, 3, 5, 5] }, { name: 't', shape: [2], init: () => Float32Array.of(3, 40) }], { seed: 6 });
  assert.ok(r.maxRelError < 0.02, r.details.join('\n'));
});

test('gradient: Residual(PreNorm(LinearAttention))', async () => {
  const r = await gradCheck((g, [x]) => residualLinearAttention(new Scope(g), x!, 4), [{ name: 'x', shape: [2, 4, 3, 5] }], { seed: 7 });
  assert.ok(r.maxRelError < 0.02, r.details.join('\n'));
});
