/** Trainer variants beyond the default path: the Denoising-SDE, a U-Net with Lion/multistep/L2, whole-image validation. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { train, restoreValImages } from '../../src/train/trainer.js';
import { loadValImages } from '../../src/train/data.js';
import { MeanRevertingSDE } from '../../src/sde/sde.js';
import { DenoisingSDE } from '../../src/sde/denoising.js';
import { Rng } from '../../src/runtime/rng.js';
import { clippedStateNoise, coefficientTables, stepFeeds } from '../../src/train/graph.js';
import { decodeSafetensors } from '../../src/runtime/safetensors.js';
import { validateModelConfig } from '../../src/restore/config.js';
import { tempDir, tinyConfig, writeImages } from './tiny.js';

const root = tempDir();
after(() => rmSync(root, { recursive: true, force: true }));
const trainDir = await writeImages(join(root, 'train'), 4, 12, 12);
const valDir = await writeImages(join(root, 'val'), 2, 11, 9, { offset: 20 });

test('Denoising-SDE: unconditional NAFNet, x_t = x₀ + σ̄ε, ODE validation from t*', async () => {
  const out = join(root, 'den');
  const c = tinyConfig(trainDir, valDir, out, [
    'sde={"kind":"denoising","maxSigma":70,"T":50,"schedule":"cosine","eps":0.04}', 'network.conditional=false',
    'val.sampler=ode', 'val.crop=0', 'steps=3', 'valEvery=3',
  ]);
  const r = await train(c);
  assert.equal(r.completed, true);
  assert.ok(r.losses.every((l) => Number.isFinite(l) && l > 0));
  assert.equal(r.val.length, 1);
  assert.ok(Number.isFinite(r.val[0]!.psnr) && Number.isFinite(r.val[0]!.psnrInput));
  const m = decodeSafetensors(new Uint8Array(readFileSync(join(out, 'model.safetensors'))));
  assert.equal(m.tensors['intro.weight']!.shape[1], 3, 'the unconditional intro takes x_t only');
  const card = validateModelConfig(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')), 'config.json');
  assert.equal(card.sde.kind, 'denoising');
  assert.equal(card.network.conditional, false);
  assert.equal(card.sampler.mode, 'ode');
  assert.equal(card.sampler.noiseLevel, undefined, 'σ is estimated per image at restore time');
  assert.equal(card.sampler.steps, c.val.steps, 'steps: the cap on reverse steps used in validation');
});

test('ConditionalUNet with Lion, multistep lr, L2 loss, reduced-step SDE validation on whole (padded) images', async () => {
  const out = join(root, 'unet');
  const events: string[] = [];
  const c = tinyConfig(trainDir, valDir, out, [
    'network={"type":"unet","nf":4,"depth":2}', 'optim.type=lion', 'optim.lr=1e-4',
    'schedule={"type":"multistep","milestones":[2],"gamma":0.1}', 'loss.type=l2',
    'val.sampler=sde', 'val.steps=4', 'val.crop=0', 'steps=3', 'valEvery=3', 'data.worker=false',
  ]);
  const lrs: number[] = [];
  const r = await train(c, { onEvent: (e) => { events.push(e.type); if (e.type === 'progress') lrs.push(e.lr as number); } });
  assert.equal(r.completed, true);
  assert.deepEqual(lrs, [1e-4, 1e-4, 1e-5]);
  assert.equal(r.val[0]!.images.length, 2);
  assert.ok(existsSync(join(out, 'model.safetensors')));
  assert.ok(events.includes('result') && events.includes('info'));
});

test('validation scoring: an oracle noise network restores the held-out images exactly, a zero network does not', async () => {
  const c = tinyConfig(trainDir, valDir, join(root, 'unused'), ['val.count=2', 'val.crop=8', 'val.steps=5']);
  const sde = new MeanRevertingSDE({ maxSigma: c.sde.maxSigma, T: c.sde.T, schedule: c.sde.schedule, eps: c.sde.eps });
  const { images } = await loadValImages(c.val.data!, { count: 2, crop: 8, sigma: 25, seed: 0 });
  const gt = new Float32Array(images.length * images[0]!.gt.length);
  images.forEach((im, i) => gt.set(im.gt, i * im.gt.length));
  const oracle = await restoreValImages(c, sde, async (x, mu, t) => sde.trueNoise(x, gt, mu, t) as Float32Array, images);
  assert.equal(oracle.length, 2);
  for (const s of oracle) {
    assert.ok(s.psnr > 60, `oracle PSNR ${s.psnr}`);
    assert.ok(s.psnrInput > 15 && s.psnrInput < 30, `input PSNR ${s.psnrInput} (σ = 25)`);
  }
  const zero = await restoreValImages(c, sde, async (x) => new Float32Array(x.length), images);
  for (const s of zero) assert.ok(s.psnr < s.psnrInput, `zero network PSNR ${s.psnr}`);
});

test('init: a run starts from given weights (lr 0 keeps them), and weights of another network are refused in one line', async () => {
  const first = join(root, 'init-a');
  const dsde = ['sde={"kind":"denoising","maxSigma":70,"T":50,"schedule":"cosine","eps":0.04}', 'network.conditional=false', 'val.sampler=ode', 'valEvery=0'];
  await train(tinyConfig(trainDir, valDir, first, [...dsde, 'steps=2']));
  const start = decodeSafetensors(new Uint8Array(readFileSync(join(first, 'model.safetensors'))));
  // A different seed would initialise differently; with init and lr 0 the weights must stay the given ones.
  const second = join(root, 'init-b');
  const r = await train(tinyConfig(trainDir, valDir, second, [...dsde, 'steps=2', 'seed=7', 'optim.lr=0', 'schedule={"type":"constant"}', 'data.clipStates=true', `init=${JSON.stringify(first)}`]));
  assert.equal(r.completed, true);
  const end = decodeSafetensors(new Uint8Array(readFileSync(join(second, 'model.safetensors'))));
  for (const [name, t] of Object.entries(start.tensors)) {
    assert.deepEqual([...(end.tensors[name]!.data as Float32Array)], [...(t.data as Float32Array)], `${name} kept from init`);
  }
  const fresh = join(root, 'init-fresh');
  await train(tinyConfig(trainDir, valDir, fresh, [...dsde, 'steps=1', 'seed=7', 'optim.lr=0', 'schedule={"type":"constant"}']));
  const other = decodeSafetensors(new Uint8Array(readFileSync(join(fresh, 'model.safetensors'))));
  assert.notDeepEqual([...(other.tensors['intro.weight']!.data as Float32Array)], [...(start.tensors['intro.weight']!.data as Float32Array)], 'without init, seed 7 starts elsewhere');

  await assert.rejects(train(tinyConfig(trainDir, valDir, join(root, 'init-c'), [...dsde, 'network.width=8', 'steps=1', `init=${JSON.stringify(first)}`])),
    (e: Error) => /init: .*model\.safetensors does not fit this network/.test(e.message) && !e.message.includes('\n'));
  await assert.rejects(train(tinyConfig(trainDir, valDir, join(root, 'init-d'), [...dsde, 'steps=1', `init=${JSON.stringify(join(root, 'nowhere'))}`])),
    /init: .*nowhere does not exist/);
});

test('clipped Denoising-SDE states: x₀ + σ̄_t·noise is clip(x₀ + σ̄_t ε) and unclipped elements keep ε', () => {
  const sde = new DenoisingSDE({ maxSigma: 55, T: 100, schedule: 'cosine', eps: 0.04 });
  const tab = coefficientTables(sde);
  const B = 3, per = 50;
  const rng = new Rng(3);
  const x0 = new Float32Array(B * per).map(() => rng.uniform());
  const noise = new Float32Array(B * per);
  rng.fillNormal(noise);
  const t = new Float32Array([100, 40, 1]);
  const eff = clippedStateNoise(tab, { x0, noise, t });
  let clipped = 0;
  for (let i = 0; i < B * per; i++) {
    const sb = tab.k_sbar[t[Math.floor(i / per)]!]!;
    const v = x0[i]! + sb * noise[i]!;
    const want = Math.min(1, Math.max(0, v));
    assert.ok(Math.abs(x0[i]! + sb * eff[i]! - want) < 1e-6, `element ${i}: state ${x0[i]! + sb * eff[i]!} vs ${want}`);
    if (v === want) assert.ok(Math.abs(eff[i]! - noise[i]!) < 1e-4 * (1 + Math.abs(noise[i]!)), `element ${i} unclipped keeps its noise`);
    else clipped++;
  }
  assert.ok(clipped > 10, `σ̄ = 55/255 clips some of the uniform x₀ (${clipped})`);
  assert.throws(() => stepFeeds(coefficientTables(new MeanRevertingSDE({ maxSigma: 50, T: 100, schedule: 'cosine', eps: 0.005 })), { x0, mu: x0, noise, t }, [B, 2, 5, 5], { clipStates: true }), /Denoising-SDE only/);
  assert.throws(() => tinyConfig(trainDir, valDir, join(root, 'x'), ['data.clipStates=true']), /"data\.clipStates": applies to the Denoising-SDE only/);
});

test('a run stopped before its first step leaves no folder behind; --out must be a usable model name', async () => {
  const out = join(root, 'early');
  const ac = new AbortController();
  ac.abort();
  const events: string[] = [];
  const r = await train(tinyConfig(trainDir, valDir, out, ['steps=3']), { signal: ac.signal, onEvent: (e) => { if (e.type === 'info') events.push(String(e.message)); } });
  assert.equal(r.interrupted, true);
  assert.equal(existsSync(out), false, 'the run folder is removed');
  assert.ok(events.some((m) => /nothing to resume, .*early removed/.test(m)), events.join('\n'));
  await assert.rejects(train(tinyConfig(trainDir, valDir, join(root, 'my model'), ['steps=1'])), /the folder name "my model" becomes the model's name/);
});
