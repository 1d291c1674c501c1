import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { run } from '../../src/cli/commands/degrade.js';
import { isIrsdeError } from '../../src/common/errors.js';
import { encodePng } from '../../src/image/png.js';
import { fromUint8 } from '../../src/image/convert.js';

/** Runs the command in-process with its own output sink; user errors are rendered as main() does (one line, exit 2). */
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const io = { out: (s: string) => { out += s; }, err: (s: string) => { err += s; } };
  const [cmd, ...rest] = args;
  assert.equal(cmd, 'degrade');
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

function setup(): { dir: string; a: string; b: string } {
  const dir = mkdtempSync(join(tmpdir(), 'irsde-cli-deg-'));
  mkdirSync(join(dir, 'in'));
  const mk = (seed: number) => encodePng(fromUint8(Array.from({ length: 48 * 40 * 3 }, (_, i) => (i * seed + (i >> 7)) % 256), 48, 40, 3));
  const a = join(dir, 'in', 'a.png'), b = join(dir, 'in', 'b.png');
  writeFileSync(a, mk(7)); writeFileSync(b, mk(13));
  return { dir, a, b };
}

test('degrade --ops writes images and sidecars with every sampled parameter; seeds reproduce', async () => {
  const { dir, a } = setup();
  const ops = 'blur:aniso,resize:0.5,noise:15,jpeg:40';
  const r = await cli(['degrade', join(dir, 'in'), '-o', join(dir, 'out1'), '--ops', ops, '--seed', '7']);
  assert.equal(r.code, 0, r.err);
  const side = JSON.parse(readFileSync(join(dir, 'out1', 'a.json'), 'utf8'));
  assert.equal(side.seed, 7); assert.equal(side.ops, ops); assert.equal(side.input, a);
  assert.deepEqual(side.outputSize, [24, 20]);
  assert.deepEqual(side.steps.map((s: { op: string }) => s.op), ['blur', 'resize', 'gaussian_noise', 'jpeg']);
  const k = side.steps[0].kernel;
  assert.equal(k.type, 'aniso'); assert.ok(k.sigmaX > 0 && k.sigmaY > 0 && typeof k.theta === 'number' && k.size % 2 === 1);
  assert.equal(side.steps[2].sigma255, 15); assert.equal(side.steps[3].quality, 40);
  await cli(['degrade', join(dir, 'in'), '-o', join(dir, 'out2'), '--ops', ops, '--seed', '7']);
  await cli(['degrade', join(dir, 'in'), '-o', join(dir, 'out3'), '--ops', ops, '--seed', '8']);
  const f = (d: string) => readFileSync(join(dir, d, 'a.png'));
  assert.ok(f('out1').equals(f('out2')), 'same seed -> identical bytes');
  assert.ok(!f('out1').equals(f('out3')), 'different seed -> different bytes');
  // a file degrades the same alone as in a batch
  await cli(['degrade', a, '-o', join(dir, 'single.png'), '--ops', ops, '--seed', '7']);
  assert.ok(readFileSync(join(dir, 'single.png')).equals(f('out1')));
  assert.ok(existsSync(join(dir, 'single.json')));
});

test('degrade --wild --json: events and a sidecar with orders, words and steps', async () => {
  const { dir } = setup();
  const r = await cli(['degrade', join(dir, 'in'), '-o', join(dir, 'w'), '--wild', '--seed', '3', '--json', '--save-gt']);
  assert.equal(r.code, 0, r.err);
  const events = r.out.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(events.filter((e) => e.type === 'result' && e.stage === 'degrade').length, 2);
  const side = JSON.parse(readFileSync(join(dir, 'w', 'b.json'), 'utf8'));
  assert.equal(side.mode, 'wild');
  assert.equal(side.orders.length, 3);
  assert.ok(Array.isArray(side.steps) && Array.isArray(side.words));
  assert.deepEqual(side.outputSize, [48, 40]);
  assert.ok(existsSync(join(dir, 'w', 'b.gt.png')));
});

test('a batch continues past bad files and reports each one, exit code 1', async () => {
  const { dir } = setup();
  writeFileSync(join(dir, 'in', 'zero.png'), new Uint8Array(0));
  const good = readFileSync(join(dir, 'in', 'a.png'));
  writeFileSync(join(dir, 'in', 'cut.png'), good.subarray(0, 100));
  writeFileSync(join(dir, 'in', 'fake.jpg'), 'not a jpeg');
  const r = await cli(['degrade', join(dir, 'in'), join(dir, 'missing.png'), '-o', join(dir, 'o'), '--ops', 'noise:5']);
  assert.equal(r.code, 1);
  assert.ok(existsSync(join(dir, 'o', 'a.png')) && existsSync(join(dir, 'o', 'b.png')));
  assert.match(r.err, /missing\.png: no such file or folder/);
  assert.match(r.err, /zero\.png: empty file \(0 bytes\)/);
  assert.match(r.err, /cut\.png: corrupt or truncated PNG/);
  assert.match(r.err, /fake\.jpg: not a PNG or JPEG file/);
  assert.match(r.err, /2 image\(s\) written, 4 failed/);
});

test('an operator that fails on one image fails that file only; outputs are never overwritten without --force', async () => {
  const { dir, a } = setup();
  writeFileSync(join(dir, 'in', 'tiny.png'), encodePng(fromUint8([1, 2, 3], 1, 1, 3)));
  const r = await cli(['degrade', join(dir, 'in'), '-o', join(dir, 'o'), '--ops', 'resize:0.5']);
  assert.equal(r.code, 1, r.err);
  assert.match(r.err, /tiny\.png: --ops "resize:0\.5": 1x1 scaled by 0\.5 is empty/);
  assert.match(r.err, /2 image\(s\) written, 1 failed/);
  assert.ok(existsSync(join(dir, 'o', 'a.png')) && existsSync(join(dir, 'o', 'b.png')) && !existsSync(join(dir, 'o', 'tiny.png')));
  const before = readFileSync(join(dir, 'o', 'a.png'));
  const again = await cli(['degrade', a, '-o', join(dir, 'o', 'a.png'), '--ops', 'noise:30', '--seed', '5']);
  assert.equal(again.code, 1);
  assert.match(again.err, /a\.png already exists \(use --force to overwrite\)/);
  assert.ok(readFileSync(join(dir, 'o', 'a.png')).equals(before), 'untouched');
  const forced = await cli(['degrade', a, '-o', join(dir, 'o', 'a.png'), '--ops', 'noise:30', '--seed', '5', '--force']);
  assert.equal(forced.code, 0, forced.err);
  assert.ok(!readFileSync(join(dir, 'o', 'a.png')).equals(before), 'replaced');
  const self = await cli(['degrade', a, '-o', a, '--ops', 'noise:30', '--force']);
  assert.equal(self.code, 1);
  assert.match(self.err, /is the input itself/);
});

test('bad arguments: one line, exit code 2, nothing written', async () => {
  const { dir } = setup();
  const cases: Array<[string[], RegExp]> = [
    [['--ops', 'blur:wobble'], /^irsde: --ops "blur:wobble": unknown blur type "wobble"/],
    [['--ops', 'noise:999'], /^irsde: --ops "noise:999": sigma must be in \[0, 255\], got 999/],
    [['--ops', 'jpeg:40,sharpen'], /^irsde: --ops "sharpen": unknown operator "sharpen"/],
    [[], /^irsde: give --ops "<chain>" or --wild/],
    [['--wild', '--ops', 'noise:1'], /cannot be combined/],
    [['--wild', '--seed=-1'], /--seed must be an integer/],
    [['--wild', '--bogus'], /^irsde: Unknown option '--bogus'/],
    [['--ops', 'jpeg:50.5'], /^irsde: --ops "jpeg:50\.5": quality must be an integer/],
    [['--ops', 'resize:20000x20000'], /^irsde: --ops "resize:20000x20000": 20000x20000 is 381 Mpixel; at most 64 Mpixel/],
  ];
  for (const [extra, re] of cases) {
    const r = await cli(['degrade', join(dir, 'in'), '-o', join(dir, 'x'), ...extra]);
    assert.equal(r.code, 2, extra.join(' '));
    assert.match(r.err, re);
    assert.equal(r.err.trim().split('\n').length, 1);
  }
  assert.ok(!existsSync(join(dir, 'x')));
  const two = await cli(['degrade', join(dir, 'in'), '-o', join(dir, 'one.png'), '--ops', 'noise:5']);
  assert.equal(two.code, 2);
  assert.match(two.err, /^irsde: -o \S+one\.png looks like a file, but 2 inputs were given/);
  const tiff = await cli(['degrade', join(dir, 'in', 'a.png'), '-o', join(dir, 'a.tiff'), '--ops', 'noise:5']);
  assert.equal(tiff.code, 2);
  assert.match(tiff.err, /irsde writes PNG or JPEG images, not TIFF/);
  assert.ok(!existsSync(join(dir, 'one.png')) && !existsSync(join(dir, 'a.tiff')));
});

test('the installed command line: exit codes and one-line errors', () => {
  const { dir } = setup();
  const ok = spawnCli(['degrade', join(dir, 'in', 'a.png'), '-o', join(dir, 'cli.png'), '--ops', 'jpeg:30']);
  assert.equal(ok.code, 0, ok.err);
  assert.ok(existsSync(join(dir, 'cli.png')) && existsSync(join(dir, 'cli.json')));
  const bad = spawnCli(['degrade', join(dir, 'in', 'a.png'), '-o', join(dir, 'x.png'), '--ops', 'jpeg:101']);
  assert.equal(bad.code, 2);
  assert.equal(bad.err, 'irsde: --ops "jpeg:101": quality must be in [1, 100], got 101 (see `irsde degrade --help` for the operator list)\n');
  // help asked for is success; a bare `irsde bench` is a usage error (one line; one JSON event with --json)
  assert.equal(spawnCli(['bench', '--help']).code, 0);
  const bare = spawnCli(['bench']);
  assert.equal(bare.code, 2);
  assert.match(bare.err, /^irsde: which benchmark\? give one of: engine, sde, optim, degrade/);
  const bareJson = spawnCli(['bench', '--json']);
  assert.equal(JSON.parse(bareJson.out.trim()).type, 'error');
  assert.match(spawnCli(['bench', 'optim', '--torch']).err, /--torch does not apply to `bench optim`/);
  assert.match(spawnCli(['bench', 'engine', '--cases', 'naf23']).err, /--cases: unknown workload "naf23" \(workloads: conv2, naf32, naf64\)/);
  assert.match(spawnCli(['bench', 'degrade', '--rounds', '2']).err, /--rounds does not apply to `bench degrade`/);
  assert.match(spawnCli(['bench', 'sde', '--rounds', '0']).err, /--rounds must be an integer from 1 to 100, got "0"/);
});

test('operator parameters: A= is used as given, random blur k is the largest size, parameters a kernel type lacks and non-decimal numbers are refused, negative ranges parse', async () => {
  const { dir, a } = setup();
  const r = await cli(['degrade', a, '-o', join(dir, 'hz'), '--ops', 'haze:A=0.9:beta=1.2:depth=homogeneous']);
  assert.equal(r.code, 0, r.err);
  const haze = JSON.parse(readFileSync(join(dir, 'hz', 'a.json'), 'utf8')).steps[0];
  assert.deepEqual(haze.airlight, [0.9, 0.9, 0.9]);
  for (let seed = 0; seed < 12; seed++) {
    const k = await cli(['degrade', a, '-o', join(dir, `rb${seed}`), '--ops', 'blur:random:k=9', '--seed', String(seed)]);
    assert.equal(k.code, 0, k.err);
    const step = JSON.parse(readFileSync(join(dir, `rb${seed}`, 'a.json'), 'utf8')).steps[0];
    assert.ok(step.kernel.size >= 5 && step.kernel.size <= 9, `seed ${seed}: size ${step.kernel.size}`);
  }
  const refused: [string, RegExp][] = [
    ['blur:iso:sigmaY=2', /unknown parameter "sigmaY" \(allowed: k, sigma\)/],
    ['blur:plateau_iso:noise', /noise flag .* applies to iso, aniso, gen_iso and gen_aniso kernels only/],
    ['noise:0x10', /sigma must be a number or a range lo-hi, got "0x10"/],
    ['blur:random:k=3', /k must be in \[5, 99\]/],
    ['haze:jitter=0.01-0.05', /jitter takes one number, not a range/],
  ];
  for (const [ops, re] of refused) {
    const e = await cli(['degrade', a, '-o', join(dir, 'no'), '--ops', ops]);
    assert.equal(e.code, 2, ops);
    assert.match(e.err, re, ops);
  }
  const neg = await cli(['degrade', a, '-o', join(dir, 'neg'), '--ops', 'blur:aniso:theta=-1-1:sigma=1:sigmaY=2']);
  assert.equal(neg.code, 0, neg.err);
  const th = JSON.parse(readFileSync(join(dir, 'neg', 'a.json'), 'utf8')).steps[0].kernel.theta;
  assert.ok(th >= -1 && th <= 1, String(th));
});

test('files: a stale IRSDE_DATA does not matter without masks, a failed file leaves its output name free, --masks takes any family folder, dropped alpha is reported', async () => {
  const { dir, a } = setup();
  const old = process.env.IRSDE_DATA;
  process.env.IRSDE_DATA = join(dir, 'nonexistent');
  try {
    const r = await cli(['degrade', a, '-o', join(dir, 'o1'), '--ops', 'noise:5']);
    assert.equal(r.code, 0, r.err);
  } finally {
    if (old === undefined) delete process.env.IRSDE_DATA; else process.env.IRSDE_DATA = old;
  }
  mkdirSync(join(dir, 'mixed'));
  writeFileSync(join(dir, 'mixed', 'x.jpg'), Buffer.from([0xff, 0xd8, 0xff]));
  writeFileSync(join(dir, 'mixed', 'x.png'), readFileSync(a));
  const m = await cli(['degrade', join(dir, 'mixed'), '-o', join(dir, 'o2'), '--ops', 'noise:5']);
  assert.equal(m.code, 1);
  assert.match(m.err, /x\.jpg: /);
  assert.doesNotMatch(m.err, /would overwrite/);
  assert.ok(existsSync(join(dir, 'o2', 'x.png')));
  mkdirSync(join(dir, 'masks', 'custom'), { recursive: true });
  writeFileSync(join(dir, 'masks', 'custom', 'm.png'), encodePng(fromUint8(Array.from({ length: 16 * 16 }, (_, i) => (i % 5 ? 255 : 0)), 16, 16, 1)));
  const c = await cli(['degrade', a, '-o', join(dir, 'o3'), '--ops', 'mask:set=custom', '--masks', join(dir, 'masks')]);
  assert.equal(c.code, 0, c.err);
  const u = await cli(['degrade', a, '-o', join(dir, 'o4'), '--ops', 'mask:set=other', '--masks', join(dir, 'masks')]);
  assert.match(u.err, /no mask images \(mask family "other"; families in .*masks: custom\)/);
  const rgba = join(dir, 'rgba.png');
  writeFileSync(rgba, encodePng(fromUint8(Array.from({ length: 20 * 10 * 4 }, (_, i) => (i * 7) % 256), 20, 10, 4)));
  const w = await cli(['degrade', rgba, '-o', join(dir, 'o5'), '--ops', 'noise:5']);
  assert.equal(w.code, 0);
  assert.match(w.err, /warning: .*rgba\.png: its alpha channel was dropped/);
});
