/** Training configs: defaults, validation (one clear error per problem), --set overrides, the task configs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigFile, resolveConfig, applyOverrides, parseValue, validateConfig, networkMultiple } from '../../src/train/config.js';
import { countNAFNetParams, countUNetParams } from '../../src/nn/networks.js';

const minimal = () => ({
  network: { type: 'nafnet', width: 16, encBlkNums: [1, 1], decBlkNums: [1, 1] },
  data: { train: { kind: 'clean', dirs: ['/imgs'] }, degradation: { kind: 'gaussian', sigma: 25 } },
});

const rejects = (raw: unknown, re: RegExp, hint?: RegExp) => assert.throws(() => validateConfig(raw), (e: Error & { code?: string; hint?: string }) => {
  assert.equal(e.code, 'bad-config');
  assert.match(e.message, re);
  if (hint) assert.match(e.hint ?? '', hint);
  return true;
});

test('defaults: the reference EMA, AdamW β, L1 loss, IR-SDE cosine schedule with eps 0.005', () => {
  const c = validateConfig(minimal());
  assert.deepEqual(c.ema, { decay: 0.995, every: 10, updateAfterStep: 100, power: 2 / 3 });
  assert.deepEqual(c.optim, { type: 'adamw', lr: 1e-4, betas: [0.9, 0.99], eps: 1e-8, weightDecay: 0 });
  assert.deepEqual(c.loss, { type: 'l1', weight: 1 });
  assert.deepEqual(c.sde, { kind: 'irsde', maxSigma: 50, T: 100, schedule: 'cosine', eps: 0.005, prediction: 'noise' });
  assert.equal(c.network.type === 'nafnet' && c.network.conditional, true);
  assert.equal(c.outDir, 'runs/train');
  assert.equal(networkMultiple(c.network), 4);
});

test('unknown keys and bad values: one IrsdeError naming the dotted path', () => {
  rejects({ ...minimal(), stesp: 5 }, /"stesp": unknown key/, /steps/);
  rejects({ ...minimal(), data: { ...minimal().data, pach: 64 } }, /"data\.pach": unknown key/, /patch/);
  rejects({ ...minimal(), steps: 1.5 }, /"steps": must be an integer/);
  rejects({ ...minimal(), optim: { type: 'sgd' } }, /"optim\.type": must be one of adamw, adam, lion/);
  rejects({ ...minimal(), optim: { betas: [0.9] } }, /"optim\.betas": must have 2 entries/);
  rejects({ ...minimal(), network: { type: 'resnet' } }, /"network\.type": must be one of nafnet, unet/);
  rejects({ ...minimal(), network: { type: 'nafnet', width: 16, encBlkNums: [1, 1] } }, /"network\.decBlkNums": is required/);
  rejects({ ...minimal(), data: { ...minimal().data, patch: 66 } }, /"data\.patch": must be a multiple of 4/);
  rejects({ ...minimal(), data: { ...minimal().data, degradation: { kind: 'gaussian' } } }, /exactly one of "sigma" and "sigmaRange"/);
  rejects({ ...minimal(), data: { ...minimal().data, degradation: { kind: 'none' } } }, /need a degradation/);
  rejects({ ...minimal(), sde: { kind: 'denoising', T: 1000, maxSigma: 70, eps: 0.04 } }, /"network\.conditional": must be false/);
  rejects({ ...minimal(), sde: { prediction: 'eps' } }, /"sde\.prediction": must be one of noise, x0/);
  rejects({ ...minimal(), network: { ...minimal().network, conditional: false }, sde: { kind: 'denoising', prediction: 'x0' }, val: { sampler: 'ode' } }, /"sde\.prediction": must be "noise" with sde\.kind "denoising"/);
  rejects({ ...minimal(), val: { steps: 500 } }, /"val\.steps": must be ≤ sde\.T/);
  rejects({ ...minimal(), steps: 10, schedule: { type: 'cosine', warmup: 10 } }, /"schedule\.warmup"/);
});

test('--set overrides: JSON values or bare strings, nested paths, null resets to the default', () => {
  assert.equal(parseValue('12'), 12);
  assert.equal(parseValue('lion'), 'lion');
  assert.deepEqual(parseValue('[1,2]'), [1, 2]);
  const c = resolveConfig(minimal(), {
    sets: ['optim.type=lion', 'optim.lr=3e-5', 'network.encBlkNums=[1,1,1]', 'network.decBlkNums=[1,1,1]', 'data.patch=96', 'schedule.type=cosine', 'schedule.etaMin=1e-7', 'val.data=null'],
    steps: 123, batch: 8, seed: 9, outDir: 'x/y', lr: 4e-5,
  });
  assert.equal(c.optim.type, 'lion');
  assert.equal(c.optim.lr, 4e-5, 'the --lr shorthand applies after --set');
  assert.deepEqual(c.network.type === 'nafnet' && c.network.encBlkNums, [1, 1, 1]);
  assert.equal(c.data.patch, 96);
  assert.equal(c.data.batch, 8);
  assert.equal(c.steps, 123);
  assert.equal(c.seed, 9);
  assert.equal(c.outDir, 'x/y');
  assert.deepEqual(c.schedule, { type: 'cosine', etaMin: 1e-7, warmup: 0 });
  assert.equal(c.val.data, null);
  const reset = resolveConfig({ ...minimal(), steps: 50 }, { sets: ['steps=null'] });
  assert.equal(reset.steps, 1000);
  assert.throws(() => applyOverrides({}, ['steps']), /key\.path=value/);
  assert.throws(() => resolveConfig(minimal(), { sets: ['data.patch=big'] }), /"data\.patch": must be a number, got "big"/);
  assert.throws(() => resolveConfig(minimal(), { sets: ['network.width.x=3'] }), /not an object/);
  // switching a tagged object's type leaves the old type's keys: say whose they are
  assert.throws(() => resolveConfig({ ...minimal(), schedule: { type: 'cosine', etaMin: 1e-7 } }, { sets: ['schedule.type=constant'] }),
    /"schedule\.etaMin": belongs to type "cosine", not "constant"/);
  assert.throws(() => resolveConfig(minimal(), { sets: ['data.patch=1e400'] }), /must be a number, got Infinity/);
  // the time embedding needs width/2 ≥ 2 sin-cos pairs (width 2 gave NaN everywhere)
  assert.throws(() => resolveConfig(minimal(), { sets: ['network.width=2'] }), /"network\.width"/);
});

test('relative data paths become absolute; $data paths stay symbolic', () => {
  const c = resolveConfig({ ...minimal(), data: { ...minimal().data, train: { kind: 'clean', dirs: ['imgs', '$data/BSDS400/train'] } } }, { cwd: '/base' });
  assert.deepEqual(c.data.train.kind === 'clean' && c.data.train.dirs, ['/base/imgs', '$data/BSDS400/train']);
});

test('every task config in configs/ loads, and the paper configs carry IRSDE.md §9', () => {
  const dir = fileURLToPath(new URL('../../configs/', import.meta.url));
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  assert.ok(files.includes('denoise-small.json'));
  const cfg = Object.fromEntries(files.map((f) => [f.replace(/\.json$/, ''), loadConfigFile(join(dir, f))]));
  for (const [name, c] of Object.entries(cfg)) {
    assert.equal(c.name, name, `${name}: name matches the file`);
    assert.match(c.task, /^(denoising|deraining|deblurring|super-resolution|jpeg-artifact-removal)$/, name);
    // The short CPU runs of the jpeg/sr4/derain models update the EMA every step (every 10 lags ~2 k steps behind).
    // The x0 runs (5–8 k steps) and the 4 k-step fine-tune average over ~1 000 steps instead: decay 0.999 every step (the reference: ~2 000).
    const everyStep = ['jpeg-small', 'sr4-small', 'derain-synth-small', 'sr4-x0', 'jpeg-x0', 'derain-x0', 'denoise-color-ft'].includes(name);
    const decay = name.endsWith('-x0') || name.endsWith('-ft') ? 0.999 : 0.995;
    assert.deepEqual(c.ema, { decay, every: everyStep ? 1 : 10, updateAfterStep: 100, power: 2 / 3 }, `${name}: EMA`);
    assert.equal(c.loss.type, 'l1', name);
    assert.ok(c.data.flips && c.data.rot90, name);
    assert.deepEqual(c.optim.betas, [0.9, 0.99], name);
    assert.equal(c.optim.weightDecay, 0, name);
  }
  const small = cfg['denoise-small']!;
  assert.ok(small.network.type === 'nafnet' && countNAFNetParams(small.network) < 2e6);
  assert.equal(small.sde.T, 100);

  const derain = cfg['derain-irsde']!;
  assert.ok(derain.network.type === 'unet' && countUNetParams(derain.network) === 137_147_523);
  assert.deepEqual(derain.sde, { kind: 'irsde', maxSigma: 10, T: 100, schedule: 'cosine', eps: 0.005, prediction: 'noise' });
  assert.deepEqual([derain.data.batch, derain.data.patch, derain.steps], [4, 128, 700_000]);
  assert.deepEqual(derain.schedule, { type: 'multistep', milestones: [200_000, 400_000, 600_000], gamma: 0.5 });
  assert.equal(derain.optim.lr, 1e-4);
  assert.equal(derain.val.sampler, 'posterior');

  const refusion = cfg['derain-refusion']!;
  assert.ok(refusion.network.type === 'nafnet' && countNAFNetParams(refusion.network) === 76_608_387);
  assert.deepEqual([refusion.optim.type, refusion.optim.lr], ['lion', 4e-5]);
  assert.deepEqual(refusion.schedule, { type: 'cosine', etaMin: 1e-7, warmup: 0 });
  assert.equal(refusion.sde.maxSigma, 50);

  const sr = cfg['sr4-irsde']!;
  assert.ok(sr.network.type === 'unet' && countUNetParams(sr.network) === 137_147_523);
  assert.deepEqual([sr.sde.maxSigma, sr.data.batch, sr.data.patch, sr.steps, sr.optim.type, sr.val.sampler], [30, 4, 128, 700_000, 'adam', 'sde']);
  assert.deepEqual(sr.data.degradation, { kind: 'bicubic-sr', scale: 4 });
  const srr = cfg['sr4-refusion']!;
  assert.ok(srr.network.type === 'nafnet' && countNAFNetParams(srr.network) === 76_608_387);
  assert.deepEqual([srr.sde.maxSigma, srr.optim.type, srr.optim.lr, srr.schedule.type], [50, 'lion', 4e-5, 'cosine']);

  const den = cfg['denoise-refusion']!;
  assert.deepEqual(den.sde, { kind: 'denoising', maxSigma: 70, T: 1000, schedule: 'cosine', eps: 0.04, prediction: 'noise' });
  assert.equal(den.network.conditional, false);
  assert.deepEqual([den.data.batch, den.optim.type, den.optim.lr], [8, 'lion', 3e-5]);
  assert.equal(den.val.sampler, 'ode');
});
