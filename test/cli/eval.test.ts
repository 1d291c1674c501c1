import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { run } from '../../src/cli/commands/eval.js';
import { isIrsdeError } from '../../src/common/errors.js';
import { encodePng } from '../../src/image/png.js';
import { fromUint8 } from '../../src/image/convert.js';
import { psnr } from '../../src/metrics/metrics.js';

/** Runs the command in-process with its own output sink; user errors are rendered as main() does (one line, exit 2). */
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const io = { out: (s: string) => { out += s; }, err: (s: string) => { err += s; } };
  const [cmd, ...rest] = args;
  assert.equal(cmd, 'eval');
  try {
    return { code: await run(rest, io), out, err };
  } catch (e) {
    if (!isIrsdeError(e)) throw e;
    err += `irsde: ${e.message}${e.hint ? ` (${e.hint})` : ''}\n`;
    return { code: 2, out, err };
  }
}

/** The real command line, once: `node bin/irsde.js ...`. */
function spawnCli(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, ['bin/irsde.js', ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const img = (w: number, h: number, k: number) => fromUint8(Array.from({ length: w * h * 3 }, (_, i) => (i * k + (i >> 5)) % 256), w, h, 3);

test('eval --pred --gt: Markdown table per image and the mean; mismatched pairs reported, exit 1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'irsde-cli-eval-'));
  for (const d of ['pred', 'gt']) mkdirSync(join(dir, d));
  const gt1 = img(32, 24, 3), gt2 = img(32, 24, 5);
  const p1 = fromUint8(Array.from(gt1.data, (v, i) => Math.min(255, Math.round(v * 255) + (i % 3))), 32, 24, 3);
  writeFileSync(join(dir, 'gt', 'one.png'), encodePng(gt1)); writeFileSync(join(dir, 'pred', 'one.png'), encodePng(p1));
  writeFileSync(join(dir, 'gt', 'two.png'), encodePng(gt2)); writeFileSync(join(dir, 'pred', 'two.png'), encodePng(gt2));
  writeFileSync(join(dir, 'gt', 'three.png'), encodePng(gt2)); writeFileSync(join(dir, 'pred', 'three.png'), encodePng(img(30, 24, 5)));
  writeFileSync(join(dir, 'pred', 'orphan.png'), encodePng(gt2));
  const r = await cli(['eval', '--pred', join(dir, 'pred'), '--gt', join(dir, 'gt')]);
  assert.equal(r.code, 1);
  const expected = psnr(p1, gt1).toFixed(2);
  assert.match(r.out, new RegExp(`\\| one \\| pred \\| ${expected} \\| 0\\.\\d{4} \\|`));
  assert.match(r.out, /\| two \| pred \| inf \| 1\.0000 \| inf \| 1\.0000 \|/);
  assert.match(r.out, /\| \*\*mean\*\* \| pred \|/);
  assert.match(r.err, /three\.png: size 30x24 differs from its ground truth/);
  assert.match(r.err, /orphan\.png: no ground truth for "orphan"/);
  const j = await cli(['eval', '--pred', join(dir, 'pred', 'one.png'), '--gt', join(dir, 'gt', 'one.png'), '--json', '--crop', '2']);
  assert.equal(j.code, 0, j.err);
  const ev = j.out.trim().split('\n').map((l) => JSON.parse(l));
  const row = ev.find((e) => e.stage === 'eval');
  assert.equal(row.image, 'one');
  assert.ok(Math.abs(row.psnr - psnr(p1, gt1, { crop: 2 })) < 1e-9);
  assert.ok(ev.some((e) => e.stage === 'eval-mean'));
});

test('eval --task sr --data Set5: bicubic baseline table; an unknown --model is one line, exit 2', { skip: !existsSync('../shared/data/Set5') }, async () => {
  const r = await cli(['eval', '--task', 'sr', '--data', 'Set5', '--scale', '4', '--data-root', '../shared/data', '--json']);
  assert.equal(r.code, 0, r.err);
  const mean = r.out.trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.stage === 'eval-mean');
  assert.equal(mean.method, 'bicubic'); assert.equal(mean.crop, 4);
  assert.ok(Math.abs(mean.psnrY - 28.42) < 0.03);
  const m = spawnCli(['eval', '--task', 'sr', '--data', 'Set5', '--model', 'irsde-sr']);
  assert.equal(m.code, 2);
  assert.match(m.err, /^irsde: (unknown model "irsde-sr"|models folder .* does not exist)/);
  assert.equal(m.err.trim().split('\n').length, 1);
});

test('eval argument errors', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--task', 'denoise'], /give --pred <dir> --gt <dir>, or --task <task> --data <set>/],
    [['--task', 'paint', '--data', 'x'], /unknown task "paint"/],
    [['--pred', '/nonexistent-dir-xyz', '--gt', '/tmp'], /--pred \/nonexistent-dir-xyz: no such file or folder/],
    [['--pred', 'a'], /--pred and --gt go together/],
    [['--task', 'denoise', '--data', 'NoSuchSet', '--data-root', '/tmp'], /dataset "NoSuchSet" not found/],
    [['--task', 'denoise', '--data', 'CBSD68', '--model', 'denoise-color', '--noise-level', 'x'], /--noise-level must be a number from 0 to 255, got "x"/],
    [['--pred', '/tmp', '--gt', '/tmp', '--save', '/tmp/x'], /--save applies to --task\/--data, not to --pred\/--gt/],
    [['--task', 'denoise', '--data', 'NoSuchSet', '--mask-family', 'thin'], /--mask-family applies to --task inpaint, not denoise|dataset "NoSuchSet" not found/],
  ];
  for (const [args, re] of cases) {
    const r = await cli(['eval', ...args]);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.err, re);
  }
  // options that would fail every image fail before any is scored
  const dir = mkdtempSync(join(tmpdir(), 'irsde-cli-eval-bad-'));
  mkdirSync(join(dir, 'clean'));
  writeFileSync(join(dir, 'clean', 'a.png'), encodePng(img(32, 24, 3)));
  const family = await cli(['eval', '--task', 'inpaint', '--data', join(dir, 'clean'), '--data-root', '../shared/data', '--mask-family', 'nope']);
  if (existsSync('../shared/data/inpaint_masks')) {
    assert.equal(family.code, 2);
    assert.match(family.err, /^irsde: unknown --mask-family "nope" \(families in \S+: .*thin/);
  }
  const onlyInpaint = await cli(['eval', '--task', 'denoise', '--data', join(dir, 'clean'), '--mask-family', 'thin']);
  assert.equal(onlyInpaint.code, 2);
  assert.match(onlyInpaint.err, /--mask-family applies to --task inpaint, not denoise/);
});

test('eval --pred --gt pairs restore\'s <name>.restored.png outputs with <name>', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'irsde-cli-eval-restored-'));
  for (const d of ['pred', 'gt']) mkdirSync(join(dir, d));
  writeFileSync(join(dir, 'gt', 'one.png'), encodePng(img(32, 24, 3)));
  writeFileSync(join(dir, 'pred', 'one.restored.png'), encodePng(img(32, 24, 3)));
  const r = await cli(['eval', '--pred', join(dir, 'pred'), '--gt', join(dir, 'gt')]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /\| one \| pred \| inf \|/);
});

test('eval --task sr --model: an SR model ("scale": 4) gets the LR and upsamples once; a scale-1 model gets the bicubic upscale', async () => {
  const { writeModel, tinyConfig } = await import('../restore/helpers.js');
  const { matlabImresize } = await import('../../src/degrade/resize.js');
  const { releaseModels } = await import('../../src/restore/restore.js');
  const dir = mkdtempSync(join(tmpdir(), 'irsde-cli-eval-sr-'));
  const flat = { maxSigma: 1e-6, T: 20, schedule: 'cosine' as const, eps: 0.005 };
  const sr = writeModel(join(dir, 'models'), tinyConfig('flat-sr4', { task: 'super-resolution', scale: 4, sde: flat }), 1, { zero: true });
  // an SR model without "scale" works on the bicubic upscale (as the reference IR-SDE SR models do)
  const plain = writeModel(join(dir, 'models'), tinyConfig('flat', { task: 'super-resolution', sde: flat }), 1, { zero: true });
  const denoiser = writeModel(join(dir, 'models'), tinyConfig('dn', { sde: flat }), 1, { zero: true });
  for (const d of ['LQ', 'GT']) mkdirSync(join(dir, 'set', d), { recursive: true });
  const gt = img(32, 24, 7);
  writeFileSync(join(dir, 'set', 'GT', 'a.png'), encodePng(gt));
  writeFileSync(join(dir, 'set', 'LQ', 'a.png'), encodePng(matlabImresize(gt, 0.25, { uint8: true })));
  try {
    // a x4 model on a x3 task, or on another task, fails before anything is scored
    const x3 = await cli(['eval', '--task', 'sr', '--data', join(dir, 'set'), '--scale', '3', '--model', sr]);
    assert.equal(x3.code, 2);
    assert.match(x3.err, /is a x4 SR model, the task is sr x3 \(use --scale 4/);
    const other = await cli(['eval', '--task', 'sr', '--data', join(dir, 'set'), '--model', denoiser]);
    assert.equal(other.code, 2);
    assert.match(other.err, /model ".*dn" is for task "denoising", not sr/);
    const sigma = await cli(['eval', '--task', 'denoise', '--data', join(dir, 'set'), '--sigma', '50']);
    assert.match(sigma.err, /--sigma applies to clean sets; .* is paired and brings its own degraded inputs/);
    for (const model of [sr, plain]) {
      const r = await cli(['eval', '--task', 'sr', '--data', join(dir, 'set'), '--model', model, '--json']);
      assert.equal(r.code, 0, `${model}: ${r.err}`);
      const means = r.out.trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.stage === 'eval-mean');
      const bic = means.find((e) => e.method === 'bicubic'), mod = means.find((e) => e.method !== 'bicubic');
      assert.ok(bic && mod, `${model}: bicubic and model rows`);
      assert.ok(Math.abs(mod.psnr - bic.psnr) < 0.5, `${model}: the flat model reproduces the bicubic upscale (${mod.psnr} vs ${bic.psnr} dB)`);
    }
  } finally {
    await releaseModels();
  }
});

test('eval --save: a non-empty folder needs --force; files carry safe names and each image\'s degradation record; --json has the records and a summary', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'irsde-cli-eval-save-'));
  mkdirSync(join(dir, 'clean'));
  writeFileSync(join(dir, 'clean', 'p.png'), encodePng(img(32, 24, 3)));
  writeFileSync(join(dir, 'clean', 'q.png'), encodePng(img(32, 24, 3)));
  const save = join(dir, 'save');
  const first = await cli(['eval', '--task', 'denoise', '--data', join(dir, 'clean'), '--save', save, '--json', '--sigma', '10']);
  assert.equal(first.code, 0, first.err);
  const ev = first.out.trim().split('\n').map((l) => JSON.parse(l));
  const rec = ev.find((e) => e.stage === 'eval-degradation' && e.image === 'p');
  assert.deepEqual({ op: rec.degradation.op, sigma255: rec.degradation.sigma255 }, { op: 'gaussian_noise', sigma255: 10 });
  assert.deepEqual(JSON.parse((await import('node:fs')).readFileSync(join(save, 'p.json'), 'utf8')).sigma255, 10);
  const summary = ev.at(-1);
  assert.deepEqual([summary.type, summary.scored, summary.failed], ['info', 2, 0]);
  const again = await cli(['eval', '--task', 'denoise', '--data', join(dir, 'clean'), '--save', save]);
  assert.equal(again.code, 2);
  assert.match(again.err, /--save .*: the folder is not empty \(choose a new folder, or add --force/);
  assert.equal((await cli(['eval', '--task', 'denoise', '--data', join(dir, 'clean'), '--save', save, '--force'])).code, 0);
  const wrong = await cli(['eval', '--task', 'denoise', '--data', join(dir, 'clean'), '--quality', '30']);
  assert.match(wrong.err, /--quality applies to --task jpeg, not denoise/);
  const { fileNamePart } = await import('../../src/metrics/evaluate.js');
  assert.equal(fileNamePart('./models/sr4'), 'sr4');
  assert.equal(fileNamePart('denoise-color σ 25 given ×8 ensemble'), 'denoise-color_25_given_8_ensemble');
  assert.equal(fileNamePart('/abs/runs/denoise-s25 ode 4 steps'), 'denoise-s25_ode_4_steps');
});

test('eval --json: a mean row with an identical image says infinitePsnr, not identical', async () => {
  const { jsonScores } = await import('../../src/metrics/evaluate.js');
  const mean = jsonScores({ image: '(mean)', method: 'pred', psnr: Infinity, ssim: 0.7, psnrY: Infinity, ssimY: 0.8 });
  assert.equal(mean.identical, undefined);
  assert.equal(mean.infinitePsnr, true);
  assert.equal(jsonScores({ image: 'a', method: 'pred', psnr: Infinity, ssim: 1, psnrY: Infinity, ssimY: 1 }).identical, true);
});
