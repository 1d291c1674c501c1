/** The model registry and config.json validation; the tile plan. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listModels, loadModelWeights, modelsRoot, packageRoot, renderModelCard, resolveModel, validateModelConfig } from '../../src/restore/registry.js';
import { planTiles, tileLength, tilePositions } from '../../src/restore/tiles.js';
import { tinyConfig, writeModel } from './helpers.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'irsde-reg-'));

test('models folder: $IRSDE_MODELS_DIR, an explicit folder, else <package>/models', () => {
  const saved = process.env.IRSDE_MODELS_DIR;
  try {
    delete process.env.IRSDE_MODELS_DIR;
    assert.equal(modelsRoot(), join(packageRoot(), 'models'));
    process.env.IRSDE_MODELS_DIR = '/x/y';
    assert.equal(modelsRoot(), '/x/y');
    assert.equal(modelsRoot({ modelsDir: '/a' }), '/a');
  } finally {
    if (saved === undefined) delete process.env.IRSDE_MODELS_DIR; else process.env.IRSDE_MODELS_DIR = saved;
  }
});

test('missing folder, empty folder, missing weights: errors that say where to put the models', () => {
  const missing = join(tmp(), 'nope');
  assert.throws(() => resolveModel({ modelsDir: missing }), (e: Error & { hint?: string }) =>
    /models folder .*nope does not exist/.test(e.message) && /<name>.*config\.json \+ model\.safetensors/.test(e.hint ?? ''));
  const empty = tmp();
  assert.throws(() => resolveModel({ modelsDir: empty }), (e: Error & { hint?: string }) => /no usable models in/.test(e.message) && /IRSDE_MODELS_DIR/.test(e.hint ?? ''));
  writeModel(empty, tinyConfig('noweights'), 1, { weights: false });
  assert.throws(() => resolveModel({ modelsDir: empty, model: 'noweights' }), /noweights.*model\.safetensors: missing/);
  assert.match(listModels({ modelsDir: empty })[0]!.error!, /model\.safetensors: missing/);
});

test('default model per task; unknown task or model; a model folder by path', () => {
  const root = tmp();
  writeModel(root, tinyConfig('b-denoise'));
  writeModel(root, tinyConfig('a-denoise'));
  writeModel(root, tinyConfig('rain', { task: 'deraining' }));
  assert.equal(resolveModel({ modelsDir: root, task: 'denoising' }).name, 'a-denoise', 'first by name without a flag');
  assert.equal(resolveModel({ modelsDir: root }).name, 'a-denoise', 'no task: denoising when several tasks');
  assert.equal(resolveModel({ modelsDir: root, task: 'deraining' }).name, 'rain');
  writeModel(root, tinyConfig('b-denoise', { default: true }));
  assert.equal(resolveModel({ modelsDir: root, task: 'denoising' }).name, 'b-denoise', 'the flagged one');
  assert.throws(() => resolveModel({ modelsDir: root, task: 'sr' }), /unknown task "sr"/);
  assert.throws(() => resolveModel({ modelsDir: root, model: 'zzz' }), (e: Error & { hint?: string }) => /unknown model "zzz"/.test(e.message) && /a-denoise, b-denoise, rain/.test(e.hint ?? ''));
  assert.throws(() => resolveModel({ modelsDir: root, model: 'rain', task: 'denoising' }), /is for task "deraining", not "denoising"/);
  assert.equal(resolveModel({ model: join(root, 'rain') }).name, 'rain', 'a folder path');
  assert.equal(resolveModel({ model: join(root, 'rain', 'model.safetensors') }).name, 'rain', 'its weights file names the folder');
  assert.throws(() => resolveModel({ model: join(root, 'rain', 'config.json') }), /rain\/config\.json is a file, not a model folder/);
  writeModel(root, tinyConfig('a-denoise', { default: true }));
  assert.throws(() => resolveModel({ modelsDir: root, task: 'denoising' }), /several models are marked "default": true/);
  // only one task installed: it is the default
  const one = tmp();
  writeModel(one, tinyConfig('only', { task: 'deblurring' }));
  assert.equal(resolveModel({ modelsDir: one }).name, 'only');
  // a model whose own task is written short ("denoise", as a training config may say) is found by either name
  const short = tmp();
  writeModel(short, tinyConfig('mine', { task: 'denoise' }));
  writeModel(short, tinyConfig('rain', { task: 'deraining' }));
  assert.equal(resolveModel({ modelsDir: short, task: 'denoise' }).name, 'mine');
  assert.equal(resolveModel({ modelsDir: short, task: 'denoising' }).name, 'mine');
  assert.equal(resolveModel({ modelsDir: short, model: 'mine', task: 'denoise' }).name, 'mine');
});

test('config.json validation names the file and the field', () => {
  const file = 'models/x/config.json';
  const good = tinyConfig('x');
  assert.deepEqual(validateModelConfig(JSON.parse(JSON.stringify(good)), file), good);
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ sde: { ...good.sde, T: '100' } }, /"sde\.T" must be an integer from 1 to 100000, got "100"/],
    [{ network: { kind: 'resnet', config: {} } }, /"network\.kind" must be one of "nafnet", "unet", got "resnet"/],
    [{ network: { kind: 'nafnet', config: { ...good.network.config, decBlkNums: [1] } } }, /"network\.config\.decBlkNums" must be a list of 2 integers/],
    [{ network: { kind: 'nafnet', config: { ...good.network.config, imgChannel: 4 } } }, /"network\.config\.imgChannel" must be an integer from 3 to 3/],
    [{ sampler: { mode: 'euler', steps: 4 } }, /"sampler\.mode" must be one of "posterior", "sde", "ode"/],
    [{ sampler: { mode: 'posterior', steps: 50 } }, /"sampler\.steps" must be an integer from 1 to 20/],
    [{ valueRange: [1, 0] }, /"valueRange" must be a pair \[lo, hi\]/],
    [{ tile: { size: 64, overlap: 40 } }, /"tile\.overlap" must be an integer from 0 to 32/],
    [{ name: '../evil' }, /"name" must be letters, digits/],
    [{ task: undefined }, /"task" must be a non-empty string, got nothing/],
    [{ metrics: [{ dataset: 'x', psnr: 30 }] }, /"metrics\[0\]\.ssim" must be a number in \[-1, 1\]/],
    [{ version: 2 }, /"version" must be 1/],
    [{ network: { kind: 'nafnet', config: { ...good.network.config, width: 2 } } }, /"network\.config\.width" must be an integer from 4 to 4096, got 2/],
    [{ network: { kind: 'unet', config: { inNc: 3, outNc: 3, nf: 7, depth: 2 } } }, /"network\.config\.nf" must be an even integer/],
    [{ sde: { ...good.sde, prediction: 'v' } }, /"sde\.prediction" must be one of "noise", "x0", got "v"/],
    [{ sde: { ...good.sde, kind: 'denoising', prediction: 'x0' }, sampler: { mode: 'ode', steps: 4 } }, /"sde\.prediction" must be "noise" for a denoising SDE/],
  ];
  for (const [patch, re] of bad) {
    assert.throws(() => validateModelConfig({ ...JSON.parse(JSON.stringify(good)), ...patch }, file), (e: Error) => e.message.startsWith(`${file}: `) && re.test(e.message), re.source);
  }
  assert.throws(() => validateModelConfig([], file), /"\(top level\)" must be an object/);
  const x0 = { ...JSON.parse(JSON.stringify(good)), sde: { ...good.sde, prediction: 'x0' } };
  assert.equal(validateModelConfig(x0, file).sde.prediction, 'x0', 'x0 prediction is read');
});

test('broken folders: bad JSON, wrong name, weights for another network', async () => {
  const root = tmp();
  mkdirSync(join(root, 'broken'));
  writeFileSync(join(root, 'broken', 'config.json'), '{ "name": ');
  writeModel(root, tinyConfig('renamed'));
  writeFileSync(join(root, 'renamed', 'config.json'), JSON.stringify(tinyConfig('other')));
  const dir = writeModel(root, tinyConfig('mismatch'));
  writeModel(root, tinyConfig('wide', { network: { kind: 'nafnet', config: { ...tinyConfig('x').network.config, width: 12 } as never } }));
  rmSync(join(dir, 'model.safetensors'));
  writeFileSync(join(dir, 'model.safetensors'), (await import('node:fs')).readFileSync(join(root, 'wide', 'model.safetensors')));
  const entries = listModels({ modelsDir: root });
  const by = (n: string) => entries.find((e) => e.name === n)!;
  assert.match(by('broken').error!, /broken\/config\.json: not valid JSON/);
  assert.match(by('renamed').error!, /"name" is "other" but the folder is "renamed"/);
  assert.equal(by('mismatch').error, undefined);
  await assert.rejects(loadModelWeights(resolveModel({ modelsDir: root, model: 'mismatch' })),
    /model\.safetensors does not match the network in config\.json: "time_mlp\.1\.weight" is \[96, 12\], the network wants \[64, 8\]; .*; 100 more tensors differ/);
  const w = await loadModelWeights(resolveModel({ modelsDir: root, model: 'wide' }));
  assert.equal(w.size, 104, "every tensor of the wide network");
});

test('model card draft lists the network, SDE, sampler and metrics', () => {
  const card = renderModelCard(tinyConfig('x', { metrics: [{ dataset: 'CBSD68 σ25', psnr: 30.123, ssim: 0.85 }] }));
  assert.match(card, /^# x\n/);
  assert.match(card, /\| network \| nafnet w8 enc\[1,1\] mid1 dec\[1,1\], 27k parameters \|/);
  assert.match(card, /\| CBSD68 σ25 \| 30\.12 \| 0\.8500 \| posterior \| 5 \|/);
  assert.match(renderModelCard(tinyConfig('y')), /Not measured yet\./);
});

test('tile plan: equal tiles inside the image, full coverage, weights sum to one', () => {
  // 2000 px in tiles of at most 512 with 32 overlap: 5 tiles, shrunk from 512 to 432 (a multiple of 16)
  assert.equal(tileLength(2000, 512, 32, 16), 432);
  assert.equal(tileLength(2000, 512, 32), 426);
  assert.equal(tileLength(300, 512, 32, 16), 300);
  assert.deepEqual(tilePositions(100, 128, 16), [0]);
  assert.deepEqual(tilePositions(128, 128, 16), [0]);
  assert.deepEqual(tilePositions(129, 128, 16), [0, 1]);
  assert.deepEqual(tilePositions(300, 128, 32), [0, 86, 172]);
  assert.deepEqual(tilePositions(17, 10, 4), [0, 4, 7]);
  assert.deepEqual(tilePositions(4000, 512, 32), [0, 436, 872, 1308, 1744, 2180, 2616, 3052, 3488]);
  for (const [W, H, T, O] of [[300, 200, 128, 32], [17, 45, 10, 4], [1000, 37, 64, 0], [513, 1025, 256, 64]]) {
    const p = planTiles(W, H, T, O);
    for (const [axis, size] of [[p.cols, W], [p.rows, H]] as const) {
      // the fewest tiles of at most T, each as short as still covers the axis
      assert.ok(axis.length <= Math.min(T, size));
      assert.equal(axis.positions.length, size <= T ? 1 : Math.ceil((size - O) / (T - O)));
      if (size > T) assert.ok(axis.positions.length * (axis.length - 1) - (axis.positions.length - 1) * O < size, 'one pixel shorter would not cover');
      assert.ok(axis.positions.every((x) => x >= 0 && x + axis.length <= size), 'inside');
      assert.equal(axis.positions.at(-1)! + axis.length, size, 'last tile ends at the border');
      for (let i = 0; i < size; i++) assert.ok(axis.total[i]! > 0, `pixel ${i} covered`);
      // overlaps at least O everywhere
      for (let k = 1; k < axis.positions.length; k++) assert.ok(axis.positions[k - 1]! + axis.length - axis.positions[k]! >= O, 'overlap');
      // continuity: the normalised weight of each tile changes by at most a few / overlap per pixel (no seam)
      if (O > 0) {
        axis.positions.forEach((x0, k) => {
          for (let i = 1; i < axis.length; i++) {
            const a = axis.weights[k]![i - 1]! / axis.total[x0 + i - 1]!, b = axis.weights[k]![i]! / axis.total[x0 + i]!;
            assert.ok(Math.abs(a - b) <= 2 / O + 1e-6, `tile ${k} jumps at ${i}: ${a} → ${b}`);
          }
        });
      }
    }
  }
});
