/**
 * Checkpoints and resume: K steps uninterrupted vs K/2 steps, an interruption (abort → checkpoint), and a
 * resume for the other K/2 must give bit-identical losses, weights, EMA and optimiser state. The uninterrupted
 * run builds its batches in the worker thread and the interrupted one on the main thread, so this also checks
 * that the two data paths agree. A second test drives the CLI: SIGINT → checkpoint → exit 130 → --resume.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { train } from '../../src/train/trainer.js';
import { validateModelConfig } from '../../src/restore/config.js';
import { tempDir, tinyConfig, writeImages } from './tiny.js';

const root = tempDir();
after(() => rmSync(root, { recursive: true, force: true }));
const trainDir = await writeImages(join(root, 'train'), 5, 14, 12);
const valDir = await writeImages(join(root, 'val'), 2, 10, 10, { offset: 50 });
const K = 8;

const bytes = (p: string) => readFileSync(p);
const ckptFile = (out: string, kind: string, step: number) => join(out, 'ckpt', `${kind}-${String(step).padStart(8, '0')}.safetensors`);

test(`resume is bit-for-bit: ${K} steps = ${K / 2} + interrupt + resume + ${K / 2}`, async () => {
  const outA = join(root, 'a'), outB = join(root, 'b');
  const a = await train(tinyConfig(trainDir, valDir, outA, [`steps=${K}`, 'data.worker=true']));
  assert.equal(a.completed, true);
  assert.equal(a.losses.length, K);
  assert.ok(a.losses.every(Number.isFinite));
  assert.equal(a.dataMode, 'worker');
  assert.deepEqual(a.val.map((v) => v.step), [4, 8]);

  const cfgB = tinyConfig(trainDir, valDir, outB, [`steps=${K}`, 'data.worker=false']);
  const ac = new AbortController();
  const b1 = await train(cfgB, { signal: ac.signal, onEvent: (e) => { if (e.type === 'progress' && e.step === K / 2) ac.abort(); } });
  assert.equal(b1.interrupted, true);
  assert.equal(b1.endStep, K / 2);
  assert.equal(b1.model, null);
  const latest = JSON.parse(readFileSync(join(outB, 'ckpt', 'latest.json'), 'utf8')) as { step: number };
  assert.equal(latest.step, K / 2);
  // keepCheckpoints 2: the step-3 checkpoint and the interruption's step-4 checkpoint remain.
  assert.deepEqual(readdirSync(join(outB, 'ckpt')).filter((n) => n.startsWith('model-')).sort(), ['model-00000003.safetensors', 'model-00000004.safetensors']);

  const b2 = await train(cfgB, { resume: true });
  assert.equal(b2.startStep, K / 2);
  assert.equal(b2.completed, true);
  assert.deepEqual([...b1.losses, ...b2.losses], a.losses, 'losses differ after resume');
  for (const kind of ['model', 'ema', 'optim']) assert.ok(bytes(ckptFile(outA, kind, K)).equals(bytes(ckptFile(outB, kind, K))), `${kind} differs`);
  assert.ok(bytes(join(outA, 'model.safetensors')).equals(bytes(join(outB, 'model.safetensors'))), 'final EMA weights differ');
  assert.deepEqual(b2.val.map((v) => v.psnr), [a.val[1]!.psnr]);

  // The model-registry files and the log.
  const card = validateModelConfig(JSON.parse(readFileSync(join(outB, 'config.json'), 'utf8')), 'config.json');
  assert.equal(card.format, 'irsde-model');
  assert.deepEqual(card.valueRange, [0, 1]);
  assert.deepEqual(card.sde, { kind: 'irsde', maxSigma: 50, T: 20, schedule: 'cosine', eps: 0.005 });
  assert.deepEqual(card.sampler, { mode: 'posterior', steps: 3 });
  assert.deepEqual(card.network, { kind: 'nafnet', conditional: true, config: { imgChannel: 3, width: 4, middleBlkNum: 1, encBlkNums: [1], decBlkNums: [1] } });
  const log = readFileSync(join(outB, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; step: number });
  const trainSteps = log.filter((l) => l.type === 'train').map((l) => l.step);
  assert.deepEqual(trainSteps, [2, 4, 6, 8], 'each log step once, in order');
  assert.deepEqual(log.filter((l) => l.type === 'val').map((l) => l.step), [4, 8]);

  // A fresh run refuses to overwrite a run; resuming a finished run (or to fewer steps) is refused and leaves
  // every file as it was.
  await assert.rejects(train(cfgB), /already holds a training run/);
  const files = ['config.json', 'log.jsonl', 'model.safetensors', 'train-config.json'].map((f) => readFileSync(join(outB, f)));
  await assert.rejects(train(cfgB, { resume: true }), /is a finished run \(step 8 of 8\): nothing to resume/);
  await assert.rejects(train({ ...cfgB, steps: 4 }, { resume: true }), /is at step 8, past the requested 4 steps/);
  ['config.json', 'log.jsonl', 'model.safetensors', 'train-config.json'].forEach((f, i) => assert.ok(readFileSync(join(outB, f)).equals(files[i]!), `${f} unchanged`));
});

test('CLI: Ctrl-C saves a checkpoint and exits 130; --resume finishes the run', async () => {
  const out = join(root, 'cli');
  const cfgPath = join(root, 'cli.json');
  const cfg = tinyConfig(trainDir, valDir, out, ['steps=100000', 'valEvery=0', 'checkpointEvery=100000']);
  (await import('node:fs')).writeFileSync(cfgPath, JSON.stringify(cfg));
  const bin = fileURLToPath(new URL('../../bin/irsde.js', import.meta.url));
  const run = (args: string[], onLine?: (e: Record<string, unknown>, kill: () => void) => void) => new Promise<{ code: number | null; events: Record<string, unknown>[]; stderr: string }>((res) => {
    const p = spawn(process.execPath, [bin, 'train', ...args, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const events: Record<string, unknown>[] = [];
    let buf = '', stderr = '';
    p.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i); buf = buf.slice(i + 1);
        const e = JSON.parse(line) as Record<string, unknown>;
        events.push(e);
        onLine?.(e, () => p.kill('SIGINT'));
      }
    });
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    p.on('close', (code) => res({ code, events, stderr }));
  });
  let sent = false;
  const first = await run(['--config', cfgPath], (e, kill) => { if (!sent && e.type === 'progress' && (e.step as number) >= 3) { sent = true; kill(); } });
  assert.equal(first.code, 130, first.stderr);
  const last = first.events.filter((e) => e.type === 'progress').at(-1)!.step as number;
  const latest = JSON.parse(readFileSync(join(out, 'ckpt', 'latest.json'), 'utf8')) as { step: number };
  assert.equal(latest.step, last, 'the checkpoint is at the last finished step');
  const done = first.events.find((e) => e.type === 'result' && e.stage === 'train')!;
  assert.equal(done.interrupted, true);

  const second = await run(['--resume', out, '--steps', String(last + 2)]);
  assert.equal(second.code, 0, second.stderr);
  const steps = second.events.filter((e) => e.type === 'progress').map((e) => e.step);
  assert.deepEqual(steps, [last + 1, last + 2]);
  assert.ok(existsSync(join(out, 'model.safetensors')));

  // Bad overrides are one clear line and exit code 2.
  const bad = await run(['--config', cfgPath, '--set', 'data.pach=3']);
  assert.equal(bad.code, 2);
  const err = bad.events.find((e) => e.type === 'error')!;
  assert.match(err.message as string, /"data\.pach": unknown key/);
});

test('resume keeps log averages across an interruption, refuses settings that change the run, and finishes a run whose model was not written', async () => {
  const outA = join(root, 'logA'), outB = join(root, 'logB');
  const cfgA = tinyConfig(trainDir, valDir, outA, ['steps=6', 'logEvery=4', 'valEvery=6', 'data.worker=false']);
  await train(cfgA);
  const cfgB = tinyConfig(trainDir, valDir, outB, ['steps=6', 'logEvery=4', 'valEvery=6', 'data.worker=false']);
  const ac = new AbortController();
  await train(cfgB, { signal: ac.signal, onEvent: (e) => { if (e.type === 'progress' && e.step === 3) ac.abort(); } });
  // a setting that changes the run is named; one that does not (lr, logging) is fine
  await assert.rejects(train({ ...cfgB, loss: { ...cfgB.loss, type: 'l2' } }, { resume: true }), /"loss\.type" differs from the checkpoint's config/);
  await assert.rejects(train({ ...cfgB, data: { ...cfgB.data, flips: false } }, { resume: true }), /"data\.flips" differs/);
  await train(cfgB, { resume: true });
  const trainLines = (out: string) => readFileSync(join(out, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; step: number; loss: number }).filter((l) => l.type === 'train');
  assert.deepEqual(trainLines(outB).map((l) => [l.step, l.loss]), trainLines(outA).map((l) => [l.step, l.loss]), 'log averages as uninterrupted');
  assert.ok(existsSync(join(outB, 'MODEL_CARD.md')), 'a model card is written');
  assert.match(readFileSync(join(outB, 'MODEL_CARD.md'), 'utf8'), /^# logB\n/);

  // The final model's write failed (here: deleted): --resume writes it from the last checkpoint.
  const model = readFileSync(join(outB, 'model.safetensors'));
  rmSync(join(outB, 'model.safetensors'));
  const again = await train(cfgB, { resume: true });
  assert.equal(again.completed, true);
  assert.deepEqual(again.losses, []);
  assert.ok(readFileSync(join(outB, 'model.safetensors')).equals(model));
  // ... and the card keeps the run's last validation (read back from the log)
  const card = JSON.parse(readFileSync(join(outB, 'config.json'), 'utf8')) as { training: { validation: { step: number } | null } };
  assert.equal(card.training.validation?.step, 6);
  assert.match(readFileSync(join(outB, 'MODEL_CARD.md'), 'utf8'), /Validation at step 6: /);
});

test('a new run refuses a folder with other files (unless forced) and unusable training images, before writing anything', async () => {
  const out = join(root, 'full');
  (await import('node:fs')).mkdirSync(out, { recursive: true });
  (await import('node:fs')).writeFileSync(join(out, 'model.safetensors'), 'not ours');
  await assert.rejects(train(tinyConfig(trainDir, valDir, out)), /is not empty \(model\.safetensors\): a new run would overwrite its files/);
  assert.equal(readFileSync(join(out, 'model.safetensors'), 'utf8'), 'not ours');

  const mixed = await writeImages(join(root, 'mixed'), 2, 14, 12);
  await writeImages(mixed, 1, 6, 20, { prefix: 'small' });
  (await import('node:fs')).writeFileSync(join(mixed, 'broken.png'), 'hello');
  // a pair whose LQ is stored turned (EXIF orientation 6) is the right size once read upright: accepted
  const pairs = join(root, 'pairs');
  await writeImages(join(pairs, 'GT'), 1, 20, 12);
  const { encodeJpegSync } = await import('../../src/image/jpeg.js');
  const { withJpegOrientation } = await import('../restore/helpers.js');
  const { pattern } = await import('./tiny.js');
  const p = pattern(0, 20, 12);
  const turned = { ...p, width: 12, height: 20, data: new Float32Array(p.data.length) };
  for (let y = 0; y < 12; y++) for (let x = 0; x < 20; x++) for (let c = 0; c < 3; c++) turned.data[(x * 12 + (11 - y)) * 3 + c] = p.data[(y * 20 + x) * 3 + c]!; // stored 90° counter-clockwise
  (await import('node:fs')).mkdirSync(join(pairs, 'LQ'), { recursive: true });
  (await import('node:fs')).writeFileSync(join(pairs, 'LQ', 'img0.jpg'), withJpegOrientation(encodeJpegSync(turned, { quality: 95 }), 6, false));
  const { batchSpecFor } = await import('../../src/train/data.js');
  const { resolveConfig } = await import('../../src/train/config.js');
  const pairCfg = resolveConfig({ ...tinyConfig(trainDir, valDir, join(root, 'pairs-out')), data: { ...tinyConfig(trainDir, valDir, join(root, 'pairs-out')).data, train: { kind: 'paired', lq: join(pairs, 'LQ'), gt: join(pairs, 'GT') }, degradation: { kind: 'none' } } } as unknown as Record<string, unknown>);
  assert.equal((await batchSpecFor(pairCfg)).spec.items.length, 1);

  const out2 = join(root, 'mixed-out');
  await assert.rejects(train(tinyConfig(mixed, valDir, out2)), /2 training images cannot be used: .*broken\.png \(not a PNG or JPEG file\); .*small0\.png \(6×20 is smaller than the 8×8 patch\)/);
  assert.equal(existsSync(out2), false);
});
