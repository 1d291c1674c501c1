/**
 * `irsde restore` and `irsde models`: outputs and names, --force, --json events, folders, alpha / grey /
 * 16-bit files, one-line errors with non-zero exit codes, and Ctrl-C (the real command line, once).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { run } from '../../src/cli/commands/restore.js';
import { run as runModels } from '../../src/cli/commands/models.js';
import { isIrsdeError } from '../../src/common/errors.js';
import { decodePng, encodePng } from '../../src/image/png.js';
import { fromUint8 } from '../../src/image/convert.js';
import { releaseModels } from '../../src/restore/restore.js';
import { testPixels, tinyConfig, tinyModelsDir, writeModel } from '../restore/helpers.js';

const models = tinyModelsDir();
writeModel(models, tinyConfig('rain', { task: 'deraining' }));
process.env.IRSDE_MODELS_DIR = models;
after(() => releaseModels());

type Result = { code: number; out: string; err: string };

/** Runs a command in-process; user errors are rendered as main() does (one line, exit 2). */
async function cli(args: string[]): Promise<Result> {
  let out = '', err = '';
  const io = { out: (s: string) => { out += s; }, err: (s: string) => { err += s; } };
  const [cmd, ...rest] = args;
  try {
    return { code: await (cmd === 'models' ? runModels(rest, io) : run(rest, io)), out, err };
  } catch (e) {
    if (!isIrsdeError(e)) throw e;
    err += `irsde: ${e.message}${e.hint ? ` (${e.hint})` : ''}\n`;
    return { code: 2, out, err };
  }
}

function setup(): { dir: string; a: string; b: string } {
  const dir = mkdtempSync(join(tmpdir(), 'irsde-cli-rst-'));
  mkdirSync(join(dir, 'in'));
  const a = join(dir, 'in', 'a.png'), b = join(dir, 'in', 'b.png');
  writeFileSync(a, encodePng(fromUint8(testPixels(48, 40, 3), 48, 40, 3)));
  writeFileSync(b, encodePng(fromUint8(testPixels(30, 20, 4), 30, 20, 4)));
  return { dir, a, b };
}

const lines = (s: string): string[] => s.split('\n').filter(Boolean);

test('restore writes <name>.restored.png next to the input; never overwrites without --force', async () => {
  const { dir, a } = setup();
  const r = await cli(['restore', a, '--seed', '1']);
  assert.equal(r.code, 0, r.err);
  const out = join(dir, 'in', 'a.restored.png');
  assert.match(r.out, /a\.png -> .*a\.restored\.png \(48×40, 1\.\d?s|a\.png -> .*a\.restored\.png \(48×40, /);
  const first = readFileSync(out);
  const png = decodePng(first);
  assert.deepEqual([png.image.width, png.image.height, png.image.channels], [48, 40, 3]);
  writeFileSync(out, 'keep me');
  const again = await cli(['restore', a, '--seed', '2']);
  assert.equal(again.code, 1);
  assert.deepEqual(lines(again.err), [`irsde: ${a}: output ${out} already exists (use --force to overwrite)`]);
  assert.equal(readFileSync(out, 'utf8'), 'keep me');
  const forced = await cli(['restore', a, '--seed', '1', '--force']);
  assert.equal(forced.code, 0, forced.err);
  assert.ok(readFileSync(out).equals(first), 'same seed, same file');
  assert.deepEqual(readdirSync(join(dir, 'in')).filter((n) => n.endsWith('.tmp')), [], 'no temp files left');
});

test('folders, -o folder, --json events; alpha kept, grey stays grey, 16-bit stays 16-bit', async () => {
  const { dir } = setup();
  writeFileSync(join(dir, 'in', 'g16.png'), encodePng({ data: Float32Array.from({ length: 20 * 12 }, (_, i) => (i % 97) / 97), width: 20, height: 12, channels: 1 }, { bitDepth: 16 }));
  writeFileSync(join(dir, 'in', 'old.restored.png'), encodePng(fromUint8(testPixels(8, 8, 3), 8, 8, 3)));
  const r = await cli(['restore', join(dir, 'in'), '-o', join(dir, 'out'), '--json', '--tile', '32', '--overlap', '8']);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, '');
  const events = lines(r.out).map((l) => JSON.parse(l));
  const results = events.filter((e) => e.type === 'result');
  assert.deepEqual(results.map((e) => e.output), ['a', 'b', 'g16'].map((n) => join(dir, 'out', `${n}.png`)), 'old.restored.png is not an input');
  assert.deepEqual(results.map((e) => e.tiles), [4, 1, 1]);
  const prog = events.filter((e) => e.type === 'progress' && e.file === join(dir, 'in', 'a.png'));
  assert.equal(prog.length, 4 * 6, 'a start event and 5 steps per tile');
  assert.deepEqual(Object.keys(prog[0]).sort(), ['file', 'stage', 'step', 'steps', 'tile', 'tiles', 'type']);
  assert.deepEqual(events.at(-1), { type: 'info', message: '3 image(s) written', written: 3, failed: 0 });
  const b = decodePng(readFileSync(join(dir, 'out', 'b.png')));
  const bIn = decodePng(readFileSync(join(dir, 'in', 'b.png')));
  assert.equal(b.image.channels, 4);
  for (let i = 3; i < b.image.data.length; i += 4) assert.equal(b.image.data[i], bIn.image.data[i], 'alpha kept');
  const g = decodePng(readFileSync(join(dir, 'out', 'g16.png')));
  assert.deepEqual([g.bitDepth, g.image.channels], [16, 1]);
  // -o file for one input
  const one = await cli(['restore', join(dir, 'in', 'a.png'), '-o', join(dir, 'single.png'), '--tile', '32', '--overlap', '8']);
  assert.equal(one.code, 0, one.err);
  assert.ok(readFileSync(join(dir, 'single.png')).equals(readFileSync(join(dir, 'out', 'a.png'))), 'same result alone and in a batch');
});

test('every bad input: one line naming it, the others still restored, exit code 1', async () => {
  const { dir, a } = setup();
  writeFileSync(join(dir, 'in', 'text.png'), 'not an image');
  writeFileSync(join(dir, 'in', 'cut.png'), readFileSync(a).subarray(0, 120));
  writeFileSync(join(dir, 'in', 'empty.jpg'), new Uint8Array(0));
  const r = await cli(['restore', join(dir, 'in'), join(dir, 'missing.png'), '-o', join(dir, 'o')]);
  assert.equal(r.code, 1);
  assert.ok(existsSync(join(dir, 'o', 'a.png')) && existsSync(join(dir, 'o', 'b.png')));
  assert.ok(!existsSync(join(dir, 'o', 'cut.png')) && !existsSync(join(dir, 'o', 'text.png')));
  const err = lines(r.err);
  assert.equal(err.length, 5, r.err);
  assert.match(err[0]!, /missing\.png: no such file or folder$/);
  assert.ok(err.some((l) => /cut\.png: corrupt or truncated PNG/.test(l)), 'truncated');
  assert.ok(err.some((l) => /text\.png: not a PNG or JPEG file/.test(l)), 'not an image');
  assert.ok(err.some((l) => /empty\.jpg: empty file \(0 bytes\)/.test(l)), 'empty');
  assert.equal(err[4], 'irsde: 2 image(s) written, 4 failed');
  assert.ok(!r.err.includes('    at '), 'no stack trace');
  // one bad file alone: exactly one line
  const single = await cli(['restore', join(dir, 'in', 'cut.png')]);
  assert.equal(single.code, 1);
  assert.equal(lines(single.err).length, 1);
});

test('bad options and unknown models: one line, exit code 2, nothing written', async () => {
  const { dir, a } = setup();
  const cases: Array<[string[], RegExp]> = [
    [['--task', 'sr'], /^irsde: unknown task "sr" \(tasks with installed models: denoising, deraining\)$/],
    [['--model', 'nope'], /^irsde: unknown model "nope" \(installed in .*: rain, tiny/],
    [['--model', 'rain', '--task', 'denoising'], /is for task "deraining", not "denoising"/],
    [['--tile', '100000'], /^irsde: --tile must be an integer from 0 to 8192, got "100000"$/],
    [['--tile', '3'], /--tile must be 0 \(no tiling\) or from 32 to 8192/],
    [['--tile', '64', '--overlap', '40'], /--overlap must be at most half the tile \(32\), got 40/],
    [['--steps=-1'], /--steps must be an integer/],
    [['--steps', '500'], /steps must be an integer from 1 to 20, got 500/],
    [['--sampler', 'euler'], /--sampler must be posterior, sde or ode/],
    [['--noise-level', 'loud'], /^irsde: --noise-level must be a number from 0 to 255, got "loud"$/],
    [['--noise-level', '0x10'], /^irsde: --noise-level must be a number from 0 to 255, got "0x10"$/],
    [['-o', 'out.txt'], /^irsde: -o out\.txt: "\.txt" is not an image extension \(write a \.png or \.jpg file, or give a folder/],
    [['--steps', '0'], /--steps must be an integer from 1/],
    [['--seed', 'x'], /--seed must be an integer/],
    [['--bogus'], /^irsde: Unknown option '--bogus'/],
  ];
  for (const [extra, re] of cases) {
    const r = await cli(['restore', a, ...extra]);
    assert.equal(r.code, 2, extra.join(' '));
    assert.equal(lines(r.err).length, 1, r.err);
    assert.match(r.err.trim(), re);
  }
  // the short task names of `irsde eval` work too; output formats irsde cannot write are refused
  const short = await cli(['restore', a, '--task', 'derain', '-o', join(dir, 'derained.png'), '--steps', '1']);
  assert.equal(short.code, 0, short.err);
  // (1 step is below the tiny noise-predicting model's 4: said once)
  assert.match(short.err, /^irsde: 1 step is too few for rain, a noise-predicting IR-SDE model/);
  assert.ok(existsSync(join(dir, 'derained.png')));
  const tiff = await cli(['restore', a, '-o', join(dir, 'a.tiff')]);
  assert.equal(tiff.code, 2);
  assert.match(tiff.err, /^irsde: -o \S+a\.tiff: irsde writes PNG or JPEG images, not TIFF/);
  // a file in the way of the output's folder: one line naming it, exit 1
  const blocked = await cli(['restore', a, '-o', join(a, 'x.png'), '--task', 'derain', '--steps', '5']);
  assert.equal(blocked.code, 1);
  assert.equal(lines(blocked.err).length, 1, blocked.err);
  assert.match(blocked.err, /cannot write \S+x\.png: a file stands where a folder of the path should be/);
  const none = await cli(['restore']);
  assert.equal(none.code, 2);
  assert.match(none.err, /no input images given/);
  assert.ok(!existsSync(join(dir, 'in', 'a.restored.png')));
  // no models installed: where to put them
  const saved = process.env.IRSDE_MODELS_DIR;
  process.env.IRSDE_MODELS_DIR = join(dir, 'no-models');
  try {
    const r = await cli(['restore', a]);
    assert.equal(r.code, 2);
    assert.match(r.err, /^irsde: models folder .*no-models does not exist \(put each model in .*<name>\/ as config\.json \+ model\.safetensors/);
  } finally {
    process.env.IRSDE_MODELS_DIR = saved;
  }
});

test('irsde models: table with the default marked, --json lines, unusable folders reported', async () => {
  const r = await cli(['models']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^models in /);
  assert.match(r.out, /\ntiny \*\s+denoising\s+nafnet w8 enc\[1,1\] mid1 dec\[1,1\] 27k\s+posterior\/5/);
  assert.match(r.out, /\nrain \*\s+deraining/);
  const j = await cli(['models', '--json']);
  const rows = lines(j.out).map((l) => JSON.parse(l));
  assert.deepEqual(rows.map((m) => [m.name, m.task, m.usable, m.params]), [['rain', 'deraining', true, 27027], ['tiny', 'denoising', true, 27027]]);
  const dir = mkdtempSync(join(tmpdir(), 'irsde-cli-models-'));
  writeModel(dir, tinyConfig('ok'));
  writeModel(dir, tinyConfig('noweights'), 1, { weights: false });
  const b = await cli(['models', '--models-dir', dir]);
  assert.equal(b.code, 1);
  assert.match(b.out, /noweights\s+\?.*unusable: .*model\.safetensors: missing/);
  // metrics: RGB for restoration models; for SR models the Y value (how SR results are reported), marked (Y)
  const m = mkdtempSync(join(tmpdir(), 'irsde-cli-models-'));
  const metric = { dataset: 'Set5 x4', psnr: 28.54, ssim: 0.8313, psnrY: 30.5, ssimY: 0.8677 };
  writeModel(m, tinyConfig('sr', { task: 'super-resolution', scale: 4, metrics: [metric] }));
  writeModel(m, tinyConfig('dn', { metrics: [{ ...metric, dataset: 'CBSD68' }] }));
  const mt = await cli(['models', '--models-dir', m]);
  assert.equal(mt.code, 0, mt.err);
  assert.match(mt.out, /\nsr \*.*30\.50 \/ 0\.8677 \(Y\)\s+Set5 x4/);
  assert.match(mt.out, /\ndn \*.*28\.54 \/ 0\.8313\s+CBSD68/);
  const empty = mkdtempSync(join(tmpdir(), 'irsde-cli-models-'));
  const e = await cli(['models', '--models-dir', empty]);
  assert.equal(e.code, 1);
  assert.match(e.err, /^irsde: no models in .* \(put each model in .*<name>\/ as config\.json \+ model\.safetensors/);
});

test('the real command line: Ctrl-C stops cleanly with exit code 130 and writes nothing', async () => {
  const { dir } = setup();
  const big = join(dir, 'big.png');
  writeFileSync(big, encodePng(fromUint8(testPixels(160, 160, 3), 160, 160, 3)));
  const child = spawn(process.execPath, ['bin/irsde.js', 'restore', big, '--tile', '32', '--overlap', '8', '--steps', '20', '--json'], {
    env: { ...process.env, IRSDE_MODELS_DIR: models }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '', err = '', sent = false;
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (!sent && out.includes('"type":"progress"')) { sent = true; child.kill('SIGINT'); }
  });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const code = await new Promise<number | null>((res) => child.on('close', (c) => res(c)));
  assert.ok(sent, `the command made progress (stderr: ${err})`);
  assert.equal(code, 130, err);
  const last = JSON.parse(lines(out).at(-1)!);
  assert.equal(last.interrupted, true);
  assert.deepEqual(readdirSync(dir).sort(), ['big.png', 'in'], 'no output and no temp file');
  assert.ok(statSync(big).size > 0);
});

test('a damaged model.safetensors is one error for the run (exit 2), not one per image', async () => {
  const { dir, a, b } = setup();
  const mdir = writeModel(join(dir, 'models'), tinyConfig('trunc'));
  const file = join(mdir, 'model.safetensors');
  writeFileSync(file, readFileSync(file).subarray(0, 300));
  const r = await cli(['restore', a, b, '--model', mdir, '-o', join(dir, 'out')]);
  assert.equal(r.code, 2, r.err);
  assert.equal(lines(r.err).length, 1, r.err);
  assert.match(r.err, /model\.safetensors/);
  assert.equal(existsSync(join(dir, 'out', 'a.png')), false);
});
