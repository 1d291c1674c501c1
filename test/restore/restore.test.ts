/**
 * restore(): determinism, tiling (one tile = untiled exactly; several tiles deterministic and seamless),
 * grey / RGBA / 16-bit / float inputs, progress events, abort, file paths with EXIF orientation.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { restore, restoreImage, releaseModels, cachedSessions, dihedral, type PixelImage, type RestoreProgressEvent, type RestoreOptions } from '../../src/restore/restore.js';
import { IrsdeError } from '../../src/common/errors.js';
import { encodePng } from '../../src/image/png.js';
import { fromUint8 } from '../../src/image/convert.js';
import { tinyConfig, tinyModelsDir, testPixels, writeModel } from './helpers.js';

const models = tinyModelsDir();
// "flat": zero weights (ε̂ = 0) and a tiny λ, so restoration returns the input up to rounding: any blending
// error (seams, wrong normalisation) shows up as a large difference.
writeModel(models, tinyConfig('flat', { sde: { maxSigma: 1e-6, T: 20, schedule: 'cosine', eps: 0.005 } }), 1, { zero: true });
after(() => releaseModels());

const rgb = (w: number, h: number, c = 3): PixelImage<Uint8Array> => ({ data: testPixels(w, h, c), width: w, height: h, channels: c });
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!)); return m; };
const equal = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => a.length === b.length && maxDiff(a, b) === 0;

test('same seed → identical output; another seed → a different one; sizes and type kept', async () => {
  const img = rgb(40, 28);
  const a = await restore(img, { modelsDir: models, seed: 3 });
  const b = await restore(img, { modelsDir: models, seed: 3 });
  const c = await restore(img, { modelsDir: models, seed: 4 });
  assert.ok(a.data instanceof Uint8Array, 'Uint8Array in, Uint8Array out');
  assert.deepEqual([a.width, a.height, a.channels, a.data.length], [40, 28, 3, 40 * 28 * 3]);
  assert.ok(equal(a.data, b.data), 'same seed, same bytes');
  assert.ok(!equal(a.data, c.data), 'different seed, different bytes');
});

test('tiled restoration of an image that fits in one tile equals the untiled one exactly', async () => {
  for (const [w, h] of [[40, 28], [64, 64], [37, 61]]) {
    const img = rgb(w, h);
    const untiled = await restoreImage(img, { modelsDir: models, tile: 0, seed: 9 });
    assert.equal(untiled.info.tiles, 1);
    for (const tile of [64, 128, Math.max(w, h)]) {
      const tiled = await restoreImage(img, { modelsDir: models, tile, overlap: 8, seed: 9 });
      assert.equal(tiled.info.tiles, 1, `tile ${tile} on ${w}×${h}`);
      assert.ok(equal(untiled.image.data, tiled.image.data), `tile ${tile} on ${w}×${h} equals untiled`);
    }
  }
});

test('several tiles: deterministic, right size, every pixel restored; seamless on the flat model', async () => {
  const img = rgb(90, 70);
  const events: RestoreProgressEvent[] = [];
  const a = await restoreImage(img, { modelsDir: models, tile: 32, overlap: 8, seed: 1, onProgress: (e) => events.push(e) });
  const b = await restoreImage(img, { modelsDir: models, tile: 32, overlap: 8, seed: 1 });
  assert.equal(a.info.tiles, 4 * 3, 'columns at 0, 19, 39, 58; rows at 0, 19, 38');
  assert.deepEqual([a.image.width, a.image.height, a.image.channels], [90, 70, 3]);
  assert.ok(equal(a.image.data, b.image.data), 'tiled output is deterministic');
  assert.ok(!equal(a.image.data, img.data), 'the random model changes the image');
  // progress: a start event and one per step for every tile
  assert.equal(events.length, 12 * 6);
  assert.deepEqual(events[0], { type: 'progress', stage: 'restore', tile: 1, tiles: 12, step: 0, steps: 5 });
  assert.deepEqual(events.at(-1), { type: 'progress', stage: 'restore', tile: 12, tiles: 12, step: 5, steps: 5 });
  // flat model: output = input up to rounding, across all tile borders
  for (const [tile, overlap] of [[32, 8], [32, 0], [48, 16]] as const) {
    const f = await restoreImage(img, { model: 'flat', modelsDir: models, tile, overlap, seed: 2 });
    assert.ok(f.info.tiles > 1, 'several tiles');
    const d = maxDiff(f.image.data, img.data);
    assert.ok(d <= 1, `tile ${tile}/${overlap}: flat model output differs from the input by ${d} levels`);
  }
});

test('grey images stay grey, alpha is passed through, 16-bit and float samples keep their type', async () => {
  const grey = rgb(30, 20, 1);
  const g = await restore(grey, { modelsDir: models });
  assert.deepEqual([g.width, g.height, g.channels, g.data.length], [30, 20, 1, 600]);
  const ga = rgb(30, 20, 2);
  const gaOut = await restore(ga, { modelsDir: models });
  for (let i = 0; i < 600; i++) assert.equal(gaOut.data[2 * i + 1], ga.data[2 * i + 1], 'grey+alpha: alpha untouched');
  const rgba = rgb(30, 20, 4);
  const o = await restore(rgba, { modelsDir: models, seed: 5 });
  assert.equal(o.channels, 4);
  for (let i = 0; i < 600; i++) assert.equal(o.data[4 * i + 3], rgba.data[4 * i + 3], 'RGBA: alpha untouched');
  // RGB part of RGBA = the RGB restoration
  const rgbOnly = rgb(30, 20, 3);
  for (let i = 0; i < 600; i++) for (let c = 0; c < 3; c++) rgbOnly.data[3 * i + c] = rgba.data[4 * i + c]!;
  const r = await restore(rgbOnly, { modelsDir: models, seed: 5 });
  for (let i = 0; i < 600; i++) for (let c = 0; c < 3; c++) assert.equal(o.data[4 * i + c], r.data[3 * i + c], 'RGBA colour = RGB result');
  // flat model on grey: the grey value survives the RGB round trip
  const gf = await restore(grey, { model: 'flat', modelsDir: models });
  assert.ok(maxDiff(gf.data, grey.data) <= 1, 'grey round trip');
  // 16-bit and float
  const u16 = { data: Uint16Array.from(rgbOnly.data, (v) => v * 257), width: 30, height: 20, channels: 3 };
  const o16 = await restore(u16, { model: 'flat', modelsDir: models });
  assert.ok(o16.data instanceof Uint16Array, 'Uint16Array out');
  assert.ok(maxDiff(o16.data, u16.data) <= 257, '16-bit flat round trip');
  const f32 = { data: Float32Array.from(rgbOnly.data, (v) => v / 255), width: 30, height: 20, channels: 3 };
  const of = await restore(f32, { modelsDir: models, seed: 5 });
  assert.ok(of.data instanceof Float32Array && of.data.every((v) => v >= 0 && v <= 1), 'float out, clamped to [0, 1]');
  assert.ok(maxDiff(Array.from(of.data, (v) => Math.round(v * 255)), r.data) <= 1, 'float input restores like the bytes');
});

test('samplers: posterior, sde, ode; steps; seeds are per tile', async () => {
  const img = rgb(24, 24);
  for (const sampler of ['posterior', 'sde', 'ode'] as const) {
    for (const steps of [3, 20]) {
      const events: RestoreProgressEvent[] = [];
      const r = await restoreImage(img, { modelsDir: models, sampler, steps, onProgress: (e) => events.push(e) });
      assert.equal(r.info.sampler, sampler);
      assert.equal(events.at(-1)!.step, steps, `${sampler} ${steps}: ${steps} steps`);
      assert.equal(r.image.data.length, 24 * 24 * 3);
    }
  }
  await assert.rejects(restore(img, { modelsDir: models, steps: 21 }), /steps must be an integer from 1 to 20/);
  await assert.rejects(restore(img, { modelsDir: models, sampler: 'euler' as 'ode' }), /unknown sampler "euler"/);
  await assert.rejects(restore(img, { modelsDir: models, tile: 64, overlap: 40 }), /overlap must be an integer from 0 to 32/);
  // Node has no WebGPU: onnxruntime-web would run "webgpu" on the CPU without a word
  await assert.rejects(restore(img, { modelsDir: models, device: 'webgpu' }), /device "webgpu": this runtime has no WebGPU/);
  // options of the wrong kind say so, before any work
  await assert.rejects(restore(img, { modelsDir: models, steps: '4' as unknown as number }), /steps must be an integer from 1 to 20, got the string '4'/);
  await assert.rejects(restore(img, { modelsDir: models, threads: -1 }), /threads must be an integer from 1 to 1024, got -1/);
  await assert.rejects(restore(img, { modelsDir: models, threads: NaN }), /threads must be an integer/);
  await assert.rejects(restore(img, { modelsDir: models, signal: {} as AbortSignal }), /signal must be an AbortSignal/);
  await assert.rejects(restore(img, { modelsDir: models, seed: 1e20 }), /seed must be an integer of magnitude at most 9007199254740991, or a string; got 100000000000000000000/);
  await assert.rejects(restore(img, { modelsDir: models, stpes: 4 } as RestoreOptions), (e: unknown) => e instanceof IrsdeError && /unknown restore option "stpes"/.test(e.message) && /steps/.test(e.hint ?? ''));
  const nan = { ...img, data: Float32Array.from(img.data, (v, i) => (i === 5 ? NaN : v / 255)) };
  await assert.rejects(restore(nan, { modelsDir: models }), /image\.data\[5\] is NaN: float pixels must be finite numbers/);
});

test('a grey picture stored as RGB comes back grey', async () => {
  const src = rgb(40, 40, 1);
  const grey3 = { ...src, channels: 3, data: Uint8Array.from({ length: src.data.length * 3 }, (_, i) => src.data[Math.floor(i / 3)]!) };
  const out = await restore(grey3, { modelsDir: models, tile: 32, overlap: 8 });
  const d = out.data as Uint8Array;
  for (let i = 0; i < d.length; i += 3) assert.ok(d[i] === d[i + 1] && d[i] === d[i + 2], `pixel ${i / 3} is not grey`);
  // a colour picture is not forced grey
  const colour = await restore(rgb(40, 40), { modelsDir: models, tile: 32, overlap: 8 });
  const c = colour.data as Uint8Array;
  assert.ok(c.some((v, i) => i % 3 === 0 && (v !== c[i + 1] || v !== c[i + 2])));
});

test('abort: an aborted signal stops between steps with an "aborted" IrsdeError', async () => {
  const img = rgb(40, 40);
  const ac = new AbortController();
  let seen = 0;
  await assert.rejects(
    restore(img, { modelsDir: models, tile: 32, overlap: 8, signal: ac.signal, onProgress: (e) => { if (e.step === 2) { seen++; ac.abort(); } } }),
    (e: { code?: string }) => e.code === 'aborted',
  );
  assert.equal(seen, 1, 'nothing ran after the abort');
  const pre = new AbortController();
  pre.abort();
  await assert.rejects(restore(img, { modelsDir: models, signal: pre.signal }), /aborted/);
  // an abort during the last network call (one tile, abort at its last step) is not lost
  const last = new AbortController();
  await assert.rejects(
    restore(img, { modelsDir: models, tile: 0, signal: last.signal, onProgress: (e) => { if (e.steps && e.step === e.steps) last.abort(); } }),
    (e: { code?: string }) => e.code === 'aborted',
  );
  // a noise level means nothing to an IR-SDE model: refused rather than ignored
  await assert.rejects(restore(img, { modelsDir: models, noiseLevel: 25 }), /a noise level applies to Denoising-SDE models/);
  await assert.rejects(restore(img, { modelsDir: models, onProgress: 5 as unknown as () => void }), /onProgress must be a function, got 5/);
});

test('bad images are refused with one clear message', async () => {
  const cases: [unknown, RegExp][] = [
    [{ data: [1, 2, 3], width: 1, height: 1, channels: 3 }, /image\.data must be a Uint8Array/],
    [{ data: new Uint8Array(5), width: 1, height: 1, channels: 3 }, /5 values, expected 1×1×3 = 3/],
    [{ data: new Uint8Array(0), width: 0, height: 0, channels: 3 }, /positive integers/],
    [{ data: new Uint8Array(5), width: 1, height: 1, channels: 5 }, /channels must be 1 to 4/],
    [{ data: new Uint8Array(3), width: 100000, height: 100000, channels: 3 }, /too large/],
  ];
  for (const [img, re] of cases) await assert.rejects(restore(img as PixelImage, { modelsDir: models }), re);
});

test('a file path: PNG in, float image with the file\'s channels out; the same as restoring the pixels', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'irsde-restore-'));
  const img = rgb(33, 21, 4);
  writeFileSync(join(dir, 'a.png'), encodePng(fromUint8(img.data, 33, 21, 4)));
  const fromFile = await restore(join(dir, 'a.png'), { modelsDir: models, seed: 7 });
  assert.ok(fromFile.data instanceof Float32Array);
  assert.deepEqual([fromFile.width, fromFile.height, fromFile.channels], [33, 21, 4]);
  const direct = await restore(img, { modelsDir: models, seed: 7 });
  assert.ok(maxDiff(Array.from(fromFile.data, (v) => Math.round(v * 255)), direct.data) <= 1, 'path and pixels agree');
  await assert.rejects(restore(join(dir, 'missing.png'), { modelsDir: models }), /missing\.png: cannot read \(no such file\)/);
});

test('U-Net models, Denoising-SDE models, a [-1, 1] value range; images smaller than the network multiple', async () => {
  writeModel(models, tinyConfig('unet', { network: { kind: 'unet', config: { inNc: 3, outNc: 3, nf: 4, depth: 2 } } }));
  writeModel(models, tinyConfig('dsde', {
    network: { kind: 'nafnet', conditional: false, config: { imgChannel: 3, width: 8, middleBlkNum: 1, encBlkNums: [1, 1], decBlkNums: [1, 1] } },
    sde: { kind: 'denoising', maxSigma: 50, T: 20, schedule: 'cosine', eps: 0.04 }, sampler: { mode: 'ode', steps: 5 },
  }));
  writeModel(models, tinyConfig('flat-pm1', { valueRange: [-1, 1], sde: { maxSigma: 1e-6, T: 20, schedule: 'cosine', eps: 0.005 } }), 1, { zero: true });
  const img = rgb(37, 29);
  const u0 = await restoreImage(img, { model: 'unet', modelsDir: models, tile: 0, seed: 4 });
  const u1 = await restoreImage(img, { model: 'unet', modelsDir: models, tile: 64, seed: 4 });
  assert.ok(equal(u0.image.data, u1.image.data), 'U-Net: one tile = untiled');
  const ut = await restoreImage(img, { model: 'unet', modelsDir: models, tile: 32, overlap: 8, seed: 4 });
  assert.equal(ut.info.tiles, 2, 'two columns, one row of 29 (padded to 32)');
  const events: RestoreProgressEvent[] = [];
  const d = await restoreImage(img, { model: 'dsde', modelsDir: models, noiseLevel: 40, onProgress: (e) => events.push(e) });
  assert.deepEqual([d.info.sampler, d.info.steps, events.at(-1)!.step], ['ode', 5, 5], 'Denoising-SDE: steps caps the reverse steps');
  assert.ok(d.info.startStep! > 5, `σ 40 starts above 5 steps (t* = ${d.info.startStep})`);
  assert.deepEqual([d.info.noiseLevel, d.info.noiseEstimated], [40, false]);
  const one = await restoreImage(img, { model: 'dsde', modelsDir: models, noiseLevel: 1 });
  assert.equal(one.info.noiseLevel, 1, 'σ 1 is 1/255, not the whole range');
  const low = await restoreImage(img, { model: 'dsde', modelsDir: models, noiseLevel: 2 });
  assert.equal(low.info.steps, low.info.startStep, `σ 2: t* (${low.info.startStep}) below the cap, single reference steps`);
  const est = await restoreImage(img, { model: 'dsde', modelsDir: models });
  assert.equal(est.info.noiseEstimated, true, 'no level given: estimated from the image');
  assert.ok(Number.isFinite(est.info.noiseLevel) && est.info.noiseLevel! >= 0, `estimated σ ${est.info.noiseLevel}`);
  await assert.rejects(restore(img, { model: 'dsde', modelsDir: models, noiseLevel: -3 }), /noise level must be a number in \[0, 255\], got -3/);
  const dn = await restoreImage(img, { model: 'dsde', modelsDir: models, noiseLevel: 0 });
  assert.equal(dn.info.steps, 0, 'noise level 0: nothing to do');
  assert.ok(maxDiff(dn.image.data, img.data) === 0, 'zero steps return the input');
  await assert.rejects(restore(img, { model: 'dsde', modelsDir: models, sampler: 'posterior' }), /the posterior sampler does not apply to this model \(a Denoising-SDE model/);
  const pm = await restore(img, { model: 'flat-pm1', modelsDir: models, tile: 32, overlap: 8 });
  assert.ok(maxDiff(pm.data, img.data) <= 1, '[-1, 1] models map values in and out');
  for (const [w, h] of [[1, 1], [3, 2], [5, 1]]) {
    for (const model of ['tiny', 'unet']) {
      const r = await restore(rgb(w, h), { model, modelsDir: models });
      assert.deepEqual([r.width, r.height, r.data.length], [w, h, w * h * 3], `${model} ${w}×${h}`);
    }
  }
});

test('fixed-shape and shape-generic sessions restore the same pixels (NAFNet, U-Net, tiled, ensemble)', async () => {
  writeModel(models, tinyConfig('unet2', { network: { kind: 'unet', config: { inNc: 3, outNc: 3, nf: 4, depth: 2 } } }));
  const img: PixelImage<Float32Array> = { data: Float32Array.from(testPixels(45, 30, 3), (v) => v / 255), width: 45, height: 30, channels: 3 };
  for (const o of [{ model: 'tiny' }, { model: 'unet2' }, { model: 'tiny', tile: 32, overlap: 8 }, { model: 'tiny', ensemble: true }]) {
    const fixed = await restoreImage(img, { ...o, modelsDir: models, seed: 5, fixedShape: true });
    const generic = await restoreImage(img, { ...o, modelsDir: models, seed: 5, fixedShape: false });
    // onnxruntime may order a few float sums differently in the two (the U-Net: 2e-6 here); far below 1/255
    const d = maxDiff(fixed.image.data, generic.image.data);
    assert.ok(d <= 1e-5, `${JSON.stringify(o)}: fixed vs generic differ by ${d}`);
  }
  await assert.rejects(restore(img, { modelsDir: models, fixedShape: 'yes' as unknown as boolean }), /fixedShape must be true or false, got yes/);
});

test('sessions: the first restore compiles for its tile shape, other sizes share one shape-generic session, one idle session per model', async () => {
  const dir = writeModel(models, tinyConfig('cache'));
  const mine = () => cachedSessions().filter((s) => s.key.startsWith(dir + '|')).map((s) => `${s.key.slice(s.key.lastIndexOf('|') + 1)}:${s.users}`);
  const opts = { model: 'cache', modelsDir: models, tile: 0, seed: 1 };
  const a1 = await restoreImage(rgb(40, 28), opts);
  assert.deepEqual(mine(), ['28x40:0'], 'first restore: a session for its 28×40 tile, idle afterwards');
  await restoreImage(rgb(64, 64), opts);
  assert.deepEqual(mine(), ['any:0'], 'another size, little work: the shape-generic session replaces the idle fixed one');
  const a2 = await restoreImage(rgb(40, 28), opts);
  assert.deepEqual(mine(), ['any:0'], 'the first size again: the generic session, no new compile');
  assert.ok(equal(a1.image.data, a2.image.data), 'same pixels from the fixed-shape and the generic session');
  await restoreImage(rgb(40, 28), { ...opts, fixedShape: true });
  assert.deepEqual(mine(), ['28x40:0'], 'fixedShape: true compiles for the shape and releases the idle generic one');
});

test('SR models ("scale": 4): the input is upsampled ×4 with MATLAB bicubic (μ), output 4× larger, also tiled', async () => {
  const { matlabImresize } = await import('../../src/degrade/resize.js');
  const { validateModelConfig } = await import('../../src/restore/config.js');
  writeModel(models, tinyConfig('flat-sr4', { task: 'sr', scale: 4, sde: { maxSigma: 1e-6, T: 20, schedule: 'cosine', eps: 0.005 } }), 1, { zero: true });
  for (const [w, h, tile] of [[10, 7, 0], [21, 18, 32]] as const) {
    const img = rgb(w, h);
    const { image: out, info } = await restoreImage(img, { modelsDir: models, model: 'flat-sr4', tile });
    assert.deepEqual([out.width, out.height, out.channels], [4 * w, 4 * h, 3], `${w}×${h}: output is 4× larger`);
    assert.ok(out.data instanceof Uint8Array, 'sample type kept');
    assert.equal(info.scale, 4, 'info.scale');
    if (tile) assert.ok(info.tiles > 1, 'several tiles on the upsampled image');
    const up = matlabImresize(fromUint8(img.data, w, h, 3), 4);
    const want = Array.from(up.data, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255));
    assert.ok(maxDiff(out.data, want) <= 1, `${w}×${h}: flat SR model returns the bicubic upscale (max diff ${maxDiff(out.data, want)})`);
  }
  const rgba = await restore(rgb(6, 5, 4), { modelsDir: models, model: 'flat-sr4' });
  assert.deepEqual([rgba.width, rgba.height, rgba.channels], [24, 20, 4], 'RGBA upsampled with its alpha');
  assert.throws(() => validateModelConfig({ ...tinyConfig('x'), scale: 0 }, 'c.json'), /"scale" must be an integer from 1 to 16/, 'bad scale refused');
  assert.equal(validateModelConfig({ ...tinyConfig('x'), scale: 1 }).scale, undefined, 'scale 1 = no SR');
});

test('x0-predicting models ("sde.prediction": "x0"): a zero network returns x̂₀ = μ, in one step or many', async () => {
  // λ = 50: the noisy start x_T = μ + λz is far from μ, so only the x0 interpretation of the zero output gives μ back
  writeModel(models, tinyConfig('flat-x0', { sde: { maxSigma: 50, T: 20, schedule: 'cosine', eps: 0.005, prediction: 'x0' } }), 1, { zero: true });
  writeModel(models, tinyConfig('flat-eps', { sde: { maxSigma: 50, T: 20, schedule: 'cosine', eps: 0.005 } }), 1, { zero: true });
  const img = rgb(12, 9);
  for (const steps of [1, 4]) {
    const { image: out } = await restoreImage(img, { modelsDir: models, model: 'flat-x0', steps });
    // the last posterior step lands on x̂₀ itself, so any number of steps returns μ (to uint8 rounding)
    assert.ok(maxDiff(out.data, img.data) <= 1, `x0, ${steps} steps: max diff ${maxDiff(out.data, img.data)}`);
  }
  const { image: eps } = await restoreImage(img, { modelsDir: models, model: 'flat-eps', steps: 1 });
  assert.ok(maxDiff(eps.data, img.data) > 50, `a zero noise network does not return μ in one step (max diff ${maxDiff(eps.data, img.data)})`);
});

test('ensemble: the mean of the 8 flipped/rotated restorations mapped back (non-square, transposed views included)', async () => {
  writeModel(models, tinyConfig('dsde-ens', {
    network: { kind: 'nafnet', conditional: false, config: { imgChannel: 3, width: 8, middleBlkNum: 1, encBlkNums: [1, 1], decBlkNums: [1, 1] } },
    sde: { kind: 'denoising', maxSigma: 50, T: 20, schedule: 'cosine', eps: 0.04 }, sampler: { mode: 'ode', steps: 3 },
  }), 5);
  const W = 23, H = 14;
  const img: PixelImage<Float32Array> = { data: Float32Array.from(testPixels(W, H, 3), (v) => v / 255), width: W, height: H, channels: 3 };
  const o = { model: 'dsde-ens', modelsDir: models, noiseLevel: 30 };
  const events: RestoreProgressEvent[] = [];
  const ens = await restoreImage(img, { ...o, ensemble: true, onProgress: (e) => events.push(e) });
  assert.equal(ens.info.ensemble, 8);
  assert.deepEqual([events.at(-1)!.step, events.at(-1)!.steps], [24, 24], '3 steps × 8 views');
  const want = new Float64Array(W * H * 3);
  for (let k = 0; k < 8; k++) {
    const d = dihedral(k, H, W);
    const view = new Float32Array(W * H * 3);
    for (let i = 0; i < W * H; i++) for (let c = 0; c < 3; c++) view[i * 3 + c] = img.data[d.source[i]! * 3 + c]!;
    const r = await restore({ data: view, width: d.width, height: d.height, channels: 3 }, o);
    assert.deepEqual([r.width, r.height], [d.width, d.height]);
    for (let i = 0; i < W * H; i++) for (let c = 0; c < 3; c++) want[d.source[i]! * 3 + c] += r.data[i * 3 + c]! / 8;
  }
  const plain = await restore(img, o);
  assert.ok(maxDiff(ens.image.data, want) < 2e-6, `ensemble = mean of the views mapped back (max diff ${maxDiff(ens.image.data, want)})`);
  assert.ok(maxDiff(plain.data, want) > 1e-3, 'and differs from the single restoration (the random network is not flip-invariant)');
  await assert.rejects(restore(img, { ...o, ensemble: 'yes' as unknown as boolean }), /ensemble must be true or false/);
});

test('dihedral views: 8 distinct bijections; k = 4 transposes', () => {
  const seen = new Set<string>();
  for (let k = 0; k < 8; k++) {
    const d = dihedral(k, 2, 3);
    assert.deepEqual([...d.source].sort(), [0, 1, 2, 3, 4, 5], `k = ${k} is a permutation`);
    assert.deepEqual([d.height, d.width], k & 4 ? [3, 2] : [2, 3]);
    seen.add([...d.source].join());
  }
  assert.equal(seen.size, 8);
  assert.deepEqual([...dihedral(0, 2, 3).source], [0, 1, 2, 3, 4, 5]);
  assert.deepEqual([...dihedral(4, 2, 3).source], [0, 3, 1, 4, 2, 5]);
  assert.deepEqual([...dihedral(1, 2, 3).source], [2, 1, 0, 5, 4, 3]);
});

test('padding to the network multiple: reflect-101 where the axis is long enough, else zeros (never wrapping)', async () => {
  const { padSourceIndex } = await import('../../src/restore/restore.js');
  assert.deepEqual(Array.from(padSourceIndex(5, 8, 'reflect')), [0, 1, 2, 3, 4, 3, 2, 1]);
  assert.deepEqual(Array.from(padSourceIndex(3, 4, 'reflect')), [0, 1, 2, 1]);
  assert.deepEqual(Array.from(padSourceIndex(2, 4, 'reflect')), [0, 1, -1, -1], 'a pad of 2 on 2 pixels: zeros');
  assert.deepEqual(Array.from(padSourceIndex(5, 16, 'reflect')).slice(5), Array(11).fill(-1), 'no periodic wrap-around');
  assert.deepEqual(Array.from(padSourceIndex(5, 8, 'zeros')), [0, 1, 2, 3, 4, -1, -1, -1]);
});
