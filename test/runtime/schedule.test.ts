import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { constantLR, cosineLR, multiStepLR } from '../../src/runtime/schedule.js';
import { IrsdeError } from '../../src/common/errors.js';

const fx = JSON.parse(readFileSync(new URL('./fixtures/optim.json', import.meta.url), 'utf8'));

const near = (a: number, b: number, rel = 1e-9) => assert.ok(Math.abs(a - b) <= rel * Math.abs(b) + 1e-18, `${a} vs ${b}`);

test('multiStepLR matches PyTorch MultiStepLR (repeated milestones decay twice) and the paper defaults', () => {
  const s = multiStepLR({ baseLr: fx.multistep.baseLr, milestones: fx.multistep.milestones, gamma: fx.multistep.gamma });
  fx.multistep.lrs.forEach((lr: number, k: number) => near(s(k), lr));
  const d = multiStepLR({ baseLr: 1e-4 }); // [200k, 400k, 600k] × 0.5
  near(d(199_999), 1e-4);
  near(d(200_000), 5e-5);
  near(d(400_000), 2.5e-5);
  near(d(699_999), 1.25e-5);
  assert.throws(() => multiStepLR({ baseLr: 1, milestones: [5, 3] }), IrsdeError);
});

test('cosineLR without warm-up is the reference cosine annealing (= PyTorch CosineAnnealingLR over one period)', () => {
  const c = fx.cosine;
  const s = cosineLR({ baseLr: c.baseLr, totalSteps: c.totalSteps, minLr: c.minLr });
  c.lrs.forEach((lr: number, k: number) => near(s(k), lr, 1e-6));
  near(s(0), c.baseLr);
  near(s(5), c.minLr + (c.baseLr - c.minLr) / 2);
  assert.equal(s(10), c.minLr);
  assert.equal(s(1e9), c.minLr); // stays at the floor
});

test('cosineLR with linear warm-up', () => {
  const s = cosineLR({ baseLr: 1e-3, totalSteps: 110, warmupSteps: 10, minLr: 1e-5 });
  near(s(0), 1e-4);
  near(s(4), 5e-4);
  near(s(9), 1e-3);
  near(s(10), 1e-3);
  near(s(60), 1e-5 + (1e-3 - 1e-5) / 2);
  assert.equal(s(110), 1e-5);
  for (let k = 10; k < 110; k++) assert.ok(s(k + 1) <= s(k)); // monotone after warm-up
  assert.throws(() => cosineLR({ baseLr: 1, totalSteps: 10, warmupSteps: 10 }), IrsdeError);
  assert.throws(() => cosineLR({ baseLr: -1, totalSteps: 10 }), IrsdeError);
});

test('constantLR', () => {
  const s = constantLR(3e-5);
  assert.equal(s(0), 3e-5);
  assert.equal(s(123456), 3e-5);
  assert.throws(() => s(NaN), IrsdeError);
});
