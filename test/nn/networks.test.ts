/**
 * The denoisers and the latent U-Net (NETWORKS.md): exact parameter counts (§5), state-dict names and order,
 * the deterministic parameter rule and the forward goldens (§7) through the host padding contract, and
 * batch independence (§6).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Graph, type Dim, type Tensor } from '../../src/graph/tensor.js';
import * as G from '../../src/graph/ops.js';
import { Program } from '../../src/runtime/program.js';
import { grad } from '../../src/autodiff/grad.js';
import { getBackend } from '../../src/runtime/backend.js';
import type { HostTensor } from '../../src/runtime/backend.js';
import type { ParamStore } from '../../src/runtime/params.js';
import { Scope } from '../../src/nn/scope.js';
import { simpleGate } from '../../src/nn/layers.js';
import { residualAttention } from '../../src/nn/blocks.js';
import {
  conditionalNAFNet, conditionalUNet, latentUNetDecode, latentUNetEncode, denoisingUNet, denoisingNAFNet,
  countNAFNetParams, countUNetParams, countLatentUNetParams, nafnetParamSpecs, unetParamSpecs, latentUNetParamSpecs,
  stateDictOrder, goldenParams, nafnetPadding, unetPadding, latentUNetPadding,
  NAFNET_STATE_DICT_ORDER, NAFNET_GOLDEN, UNET_GOLDEN, LATENT_UNET_GOLDEN, NAFNET_DEFAULTS, UNET_DEFAULTS, LATENT_UNET_DEHAZING,
  type NAFNetConfig, type NetworkKind, type Taps,
} from '../../src/nn/networks.js';
import { cropTo, padAmount, padRightBottom, padToMultiple, runPadded } from '../../src/nn/padding.js';

// ---------------------------------------------------------------------------------------------------------
// §5 parameter counts

const naf = (imgChannel: number, width: number, encBlkNums: number[], middleBlkNum: number, decBlkNums: number[]): NAFNetConfig =>
  ({ imgChannel, width, encBlkNums, middleBlkNum, decBlkNums });

test('§5 parameter counts: ConditionalNAFNet (every row)', () => {
  const rows: [NAFNetConfig, number][] = [
    [NAFNET_DEFAULTS, 76_608_387],
    [naf(3, 32, [1, 1, 1, 28], 1, [1, 1, 1, 1]), 19_300_803],
    [naf(3, 32, [1, 1, 1, 4], 1, [1, 1, 1, 1]), 6_502_851],
    [NAFNET_GOLDEN, 100_899],
    [naf(3, 64, [1, 1, 1, 1, 28], 1, [1, 1, 1, 1, 1]), 287_965_571],
    [{ ...naf(8, 64, [1, 1, 1, 28], 1, [1, 1, 1, 1]), globalSkip: true }, 76_617_032],
    [naf(4, 64, [2, 2, 4, 8], 12, [2, 2, 2, 2]), 126_217_412],
  ];
  for (const [cfg, n] of rows) assert.equal(countNAFNetParams(cfg), n, JSON.stringify(cfg));
  // per-block formula 7c² + 8wc + 35c and the whole-net formula of §3
  const w = 16;
  const block = (c: number) => 7 * c * c + 8 * w * c + 35 * c;
  const formula = 24 * w * w + 12 * w + (18 * 3 * w + w) + (9 * w * 3 + 3) + (8 * 16 * 16 + 2 * 16) + (8 * 32 * 32 + 2 * 32)
    + 2 * 64 * 64 + 2 * 32 * 32 + 2 * block(16) + 2 * block(32) + block(64);
  assert.equal(formula, 100_899);
});

test('§5 parameter counts: ConditionalUNet, DenoisingSDE U-Net, DA-CLIP levels (every row without context modules)', () => {
  const u = (nf: number, depth: number) => ({ inNc: 3, outNc: 3, nf, depth });
  assert.equal(countUNetParams(UNET_DEFAULTS), 137_147_523);
  assert.equal(countUNetParams(u(32, 4)), 34_799_171);
  assert.equal(countUNetParams(u(32, 5)), 135_346_755);
  assert.equal(countUNetParams(UNET_GOLDEN), 195_859);
  assert.equal(countUNetParams(UNET_DEFAULTS, { conditional: false }), 137_137_091);
  assert.equal(countUNetParams({ ...u(64, 4), chMult: [1, 2, 4, 8] }), 36_236_419);
});

test('§5 parameter counts: latent U-Net (every row)', () => {
  const l = (ch: number, chMult: number[], embedDim: number) => ({ inCh: 3, outCh: 3, ch, chMult, embedDim });
  assert.equal(countLatentUNetParams(LATENT_UNET_DEHAZING), 2_007_859);
  assert.equal(countLatentUNetParams(l(64, [1, 2, 4], 4)), 6_155_139);
  assert.equal(countLatentUNetParams(LATENT_UNET_GOLDEN), 12_567);
});

test('state-dict names, shapes and order: NAFNet w32 enc [1,1,1,4] equals the reference list (236 tensors)', () => {
  const text = readFileSync(new URL('../fixtures/networks/naf32-small-params.txt', import.meta.url), 'utf8');
  const ref = text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split('\t').slice(0, 2).join('\t'));
  const ours = stateDictOrder(nafnetParamSpecs(naf(3, 32, [1, 1, 1, 4], 1, [1, 1, 1, 1])), 'nafnet').map((s) => `${s.name}\t${s.shape.join('x')}`);
  assert.equal(ref.length, 236);
  assert.deepEqual(ours, ref);
});

test('state-dict order: U-Net and latent U-Net module order and names', () => {
  const names = stateDictOrder(unetParamSpecs(UNET_GOLDEN), 'unet').map((s) => s.name);
  const tops = [...new Set(names.map((n) => n.split('.')[0]))];
  assert.deepEqual(tops, ['init_conv', 'time_mlp', 'downs', 'ups', 'mid_block1', 'mid_attn', 'mid_block2', 'final_res_block', 'final_conv']);
  assert.deepEqual(names.filter((n) => n.startsWith('downs.0.0.')), ['downs.0.0.mlp.1.weight', 'downs.0.0.mlp.1.bias', 'downs.0.0.block1.proj.weight', 'downs.0.0.block2.proj.weight']);
  assert.deepEqual(names.filter((n) => n.startsWith('downs.1.2.')), ['downs.1.2.fn.fn.to_qkv.weight', 'downs.1.2.fn.fn.to_out.0.weight', 'downs.1.2.fn.fn.to_out.0.bias', 'downs.1.2.fn.fn.to_out.1.g', 'downs.1.2.fn.norm.g']);
  assert.ok(names.includes('ups.0.3.1.weight') && names.includes('ups.0.3.1.bias') && names.includes('ups.1.3.weight') && !names.includes('ups.1.3.bias'), 'up-sample names');
  assert.ok(names.includes('downs.0.3.bias') && names.includes('downs.1.3.weight') && !names.includes('downs.1.3.bias'), 'down-sample names');
  assert.ok(names.includes('ups.0.0.res_conv.weight'), 'res_conv name');
  const dn = unetParamSpecs(UNET_DEFAULTS, { conditional: false }).map((s) => s.name).filter((n) => n.startsWith('mid_attn.'));
  assert.deepEqual(dn.sort(), ['mid_attn.fn.fn.to_out.bias', 'mid_attn.fn.fn.to_out.weight', 'mid_attn.fn.fn.to_qkv.weight', 'mid_attn.fn.norm.g']);
  const lat = stateDictOrder(latentUNetParamSpecs(LATENT_UNET_GOLDEN), 'latent-unet').map((s) => s.name);
  assert.deepEqual([...new Set(lat.map((n) => n.split('.')[0]))], ['init_conv', 'encoder', 'decoder', 'latent_conv', 'post_latent_conv', 'final_conv']);
  assert.ok(lat.includes('encoder.1.2.fn.norm.g') && !lat.some((n) => n.startsWith('encoder.0.2.')), 'latent encoder attention only at the deepest level');
  assert.ok(lat.includes('decoder.0.2.fn.norm.g') && lat.includes('decoder.0.3.1.weight') && lat.includes('decoder.1.3.weight'), 'latent decoder names');
  assert.throws(() => stateDictOrder([{ name: 'mystery.weight', shape: [1], init: { kind: 'zeros' } }], 'unet'), /not in the module order/);
});

// ---------------------------------------------------------------------------------------------------------
// §7 goldens

test('§7 parameter rule: check values (w16 NAFNet)', () => {
  const p = goldenParams(stateDictOrder(nafnetParamSpecs(NAFNET_GOLDEN), 'nafnet'));
  const near = (name: string, want: number[]) => want.forEach((v, i) => assert.ok(Math.abs(p.get(name)[i]! - v) < 1e-6, `${name}[${i}] = ${p.get(name)[i]} ≠ ${v}`));
  near('time_mlp.1.weight', [0, 0.3155516, 0.3409865]);
  near('time_mlp.1.bias', [-0.1565285, 0.3150142, 0.4969343]);
  near('encoders.0.0.beta', [-0.4698733, -0.3977112]);
  near('encoders.0.0.norm1.g', [0.6652659, 1.1316818]);
  near('intro.bias', [-0.2529228, 0.2262817]);
});

const XT = Float32Array.from({ length: 180 }, (_, i) => 0.5 + 0.5 * Math.sin(0.1 * i));
const MU = Float32Array.from({ length: 180 }, (_, i) => 0.5 + 0.5 * Math.cos(0.07 * i));
const DIMS = [1, 3, 6, 10];
const img = (data: Float32Array, dims = DIMS): HostTensor => ({ data, dims, dtype: 'float32' });
const time = (...t: number[]): HostTensor => ({ data: Float32Array.from(t), dims: [t.length], dtype: 'float32' });

/** [mean, mean |·|, [0], [⌊n/2⌋], [n−1]]. */
type Stats = [number, number, number, number, number];
function stats(a: Float32Array): Stats {
  let s = 0, sa = 0;
  for (const v of a) { s += v; sa += Math.abs(v); }
  return [s / a.length, sa / a.length, a[0]!, a[a.length >> 1]!, a[a.length - 1]!];
}
/** Largest |ours − reference| seen by assertStats/assertAt since the last reset (reported as a test diagnostic). */
let worst = 0;
function assertStats(name: string, t: HostTensor | undefined, dims: number[], want: Stats, tol = 1e-4): void {
  assert.ok(t, `no output ${name}`);
  assert.deepEqual([...t.dims], dims, `${name} dims`);
  const got = stats(t.data as Float32Array);
  got.forEach((g, i) => { worst = Math.max(worst, Math.abs(g - want[i]!)); });
  got.forEach((g, i) => assert.ok(Math.abs(g - want[i]!) <= tol, `${name} ${['mean', 'mean|·|', '[0]', '[n/2]', '[n−1]'][i]}: ${g} vs ${want[i]} (diff ${Math.abs(g - want[i]!).toExponential(2)})`));
}
function assertAt(name: string, a: Float32Array, idx: number[], want: number[]): void {
  idx.forEach((k, i) => { worst = Math.max(worst, Math.abs(a[k]! - want[i]!)); });
  idx.forEach((k, i) => assert.ok(Math.abs(a[k]! - want[i]!) <= 1e-4, `${name}[${k}] = ${a[k]} vs ${want[i]}`));
}

function paramFeeds(store: ParamStore): Record<string, Float32Array> {
  const f: Record<string, Float32Array> = {};
  for (const p of store) f[p.name] = p.data;
  return f;
}

interface Built { outputs: Record<string, Tensor>; kind: NetworkKind | readonly string[] }
/** Build on a fresh graph with the given input shape, golden parameters baked in, and compile. */
async function compileGolden(build: (s: Scope, g: Graph) => Built): Promise<{ prog: Program; params: ParamStore }> {
  const g = new Graph();
  const s = new Scope(g);
  const { outputs, kind } = build(s, g);
  const params = goldenParams(stateDictOrder(s.specs, kind));
  assert.equal(params.size, s.specs.length);
  const bake = new Map(Object.entries(paramFeeds(params)));
  const prog = await Program.compile(await getBackend('node'), g, outputs, { bake });
  return { prog, params };
}

function nafGraph(shape: Dim[], taps = true) {
  return (s: Scope, g: Graph): Built => {
    const t: Taps = {};
    const tt = g.input('t', [shape[0]!]);
    const out = conditionalNAFNet(s, g.input('xt', shape), g.input('mu', shape), tt, NAFNET_GOLDEN, taps ? t : undefined);
    if (taps) {
      // middle_blks.0.mlp: the FiLM vector Linear(SG(tt)) of the middle block, from the same parameters
      const w = g.params.find((p) => p.name === 'middle_blks.0.mlp.1.weight')!, b = g.params.find((p) => p.name === 'middle_blks.0.mlp.1.bias')!;
      t['middle_blks.0.mlp'] = G.add(G.matmul(simpleGate(t.time_mlp!), G.transpose(w, [1, 0])), b);
    }
    return { outputs: { out, ...t }, kind: 'nafnet' };
  };
}

test('§7 golden: ConditionalNAFNet w16 (symbolic H, W; zero padding on the host) — module stats and output', async (t) => {
  worst = 0;
  const pad = nafnetPadding(NAFNET_GOLDEN);
  assert.deepEqual(pad, { multiple: 4, mode: 'zeros' });
  const { prog } = await compileGolden(nafGraph(['B', 3, 'H', 'W']));
  const r = await runPadded(prog, { xt: img(XT), mu: img(MU), t: time(37) }, { ...pad, images: ['xt', 'mu'], crop: ['out'] });
  const rows: [string, number[], Stats][] = [
    ['time_mlp', [1, 64], [0.008973297, 0.3230113, 0.4520897, 0.4325775, 0.533567]],
    ['intro', [1, 16, 8, 12], [0.04504371, 0.3494616, -0.1539859, 0.929229, 0.4726194]],
    ['encoders.0', [1, 16, 8, 12], [0.1256727, 0.9596885, -0.1713635, 0.8932778, 1.914765]],
    ['downs.0', [1, 32, 4, 6], [-0.009879321, 1.647851, 2.400136, 2.511785, 0.7968811]],
    ['encoders.1', [1, 32, 4, 6], [-0.2130622, 1.681939, 2.072385, 2.026443, 0.6153574]],
    ['downs.1', [1, 64, 2, 3], [0.002222803, 0.3762712, -0.05596504, -0.05987454, 0.4827329]],
    ['middle_blks.0.mlp', [1, 256], [-0.002778377, 0.3175705, 0.3430659, -0.4827259, -0.08227164]],
    ['middle_blks', [1, 64, 2, 3], [0.0521205, 0.5337249, -0.7191495, -0.5888002, 0.9166006]],
    ['ups.0', [1, 32, 4, 6], [-0.004726712, 1.8842, -2.50733, -1.121868, 2.925519]],
    ['decoders.0', [1, 32, 4, 6], [-0.4314687, 2.419819, -0.7397015, 0.4634514, 3.419462]],
    ['ups.1', [1, 16, 8, 12], [-0.02860688, 2.202616, 3.312643, 3.248933, 2.314552]],
    ['decoders.1', [1, 16, 8, 12], [0.08173187, 2.597026, 3.136488, 4.283319, 4.063668]],
    ['ending', [1, 3, 8, 12], [-0.4748183, 0.6346552, -0.7617606, -1.362834, 0.06751534]],
    ['out', [1, 3, 6, 10], [-0.5557406, 0.6996803, -0.7617606, -0.6988684, 0.1432245]],
  ];
  for (const [name, dims, want] of rows) assertStats(name, r[name], dims, want);
  const out = r.out!.data as Float32Array;
  const sum = out.reduce((a, v) => a + v, 0);
  assert.ok(Math.abs(sum - -100.0333) < 1e-2, `output sum ${sum}`);
  assertAt('out', out, [0, 7, 29, 59, 100, 179], [-0.7617606, -0.1674018, -1.07298, 0.615675, -1.362834, 0.1432245]);
  // time dependence
  for (const [tv, mean, v0] of [[1, -0.5550508, -0.7612404], [100, -0.5511267, -0.7427956]] as const) {
    const o = (await runPadded(prog, { xt: img(XT), mu: img(MU), t: time(tv) }, { ...pad, images: ['xt', 'mu'], outputs: ['out'] })).out!;
    const st = stats(o.data as Float32Array);
    assert.ok(Math.abs(st[0] - mean) < 1e-4 && Math.abs(st[2] - v0) < 1e-4, `t = ${tv}: mean ${st[0]}, [0] ${st[2]}`);
  }
  await prog.release();
  t.diagnostic(`largest deviation from the reference: ${worst.toExponential(2)}`);
});

test('§7 golden: ConditionalUNet nf8 depth 2 (symbolic H, W; reflect padding on the host) — module stats and output', async (t) => {
  worst = 0;
  const pad = unetPadding(UNET_GOLDEN);
  assert.deepEqual(pad, { multiple: 4, mode: 'reflect' });
  const { prog } = await compileGolden((s, g) => {
    const t: Taps = {};
    const shape = ['B', 3, 'H', 'W'];
    const out = conditionalUNet(s, g.input('xt', shape), g.input('mu', shape), g.input('t', ['B']), UNET_GOLDEN, t);
    return { outputs: { out, ...t }, kind: 'unet' };
  });
  const r = await runPadded(prog, { xt: img(XT), mu: img(MU), t: time(37) }, { ...pad, images: ['xt', 'mu'], crop: ['out'] });
  const rows: [string, number[], Stats][] = [
    ['init_conv', [1, 8, 8, 12], [0.007668478, 0.2965062, -0.2961543, -0.6370312, 0.3135613]],
    ['time_mlp', [1, 32], [-0.001465741, 0.6275621, 1.131387, -1.240467, 1.108946]],
    ['downs.0.0', [1, 8, 8, 12], [0.00622685, 0.2988546, -0.2935018, -0.6185534, 0.2889964]],
    ['downs.0.1', [1, 8, 8, 12], [0.01028092, 0.3067697, -0.2727234, -0.6227409, 0.3047003]],
    ['downs.0.2', [1, 8, 8, 12], [-0.06028392, 0.9640811, -1.47347, -0.7390004, 0.5767222]],
    ['downs.0.3', [1, 16, 4, 6], [-0.05033447, 0.3310427, -0.1615162, 0.1099133, 0.4771752]],
    ['downs.1.0', [1, 16, 4, 6], [-0.04451201, 0.3372587, -0.1557387, 0.09497006, 0.4842283]],
    ['downs.1.2', [1, 16, 4, 6], [-0.3749375, 0.9448155, -1.076767, 0.6881205, 1.214937]],
    ['downs.1.3', [1, 32, 4, 6], [-0.0137322, 0.1679861, 0.04246872, -0.06651737, -0.02324474]],
    ['mid_block1', [1, 32, 4, 6], [-0.01385252, 0.1682657, 0.04362592, -0.07185521, -0.0207864]],
    ['mid_attn', [1, 32, 4, 6], [0.2857589, 0.8907144, -0.6107637, 1.986567, -0.5162146]],
    ['mid_block2', [1, 32, 4, 6], [0.2858081, 0.88912, -0.6081922, 1.982813, -0.5160706]],
    ['ups.0.0', [1, 32, 4, 6], [0.07813795, 4.630631, -1.783023, -7.135141, 5.575278]],
    ['ups.0.2', [1, 32, 4, 6], [0.3205351, 0.9415503, -0.1232268, 0.9884071, 0.2809466]],
    ['ups.0.3', [1, 16, 8, 12], [0.02651309, 0.3542441, 0.522236, -0.09882796, -0.3905574]],
    ['ups.1.1', [1, 16, 8, 12], [0.2064868, 3.448645, -3.085726, 4.41679, -3.06164]],
    ['ups.1.3', [1, 8, 8, 12], [-0.09971558, 0.1495442, -0.03922406, 0.02538527, -0.0121321]],
    ['final_res_block', [1, 8, 8, 12], [-0.002443617, 0.3431414, 0.5265852, 0.6535379, -0.6622339]],
    ['final_conv', [1, 3, 8, 12], [-0.22092, 0.4398604, -0.6114531, 0.5948534, 0.08427766]],
    ['out', [1, 3, 6, 10], [-0.267158, 0.3894212, -0.6114531, 0.5087303, -0.2861863]],
  ];
  for (const [name, dims, want] of rows) assertStats(name, r[name], dims, want);
  const out = r.out!.data as Float32Array;
  const sum = out.reduce((a, v) => a + v, 0);
  assert.ok(Math.abs(sum - -48.08844) < 1e-2, `output sum ${sum}`);
  assertAt('out', out, [0, 7, 29, 59, 100, 179], [-0.6114531, 0.1611065, -0.06108838, 0.1851486, 0.5948534, -0.2861863]);
  await prog.release();
  t.diagnostic(`largest deviation from the reference: ${worst.toExponential(2)}`);
});

test('§7 golden: latent U-Net ch 4 [1,2] embed 2 — encode (z, h) and decode, cropped on the host', async (t) => {
  worst = 0;
  const pad = latentUNetPadding(LATENT_UNET_GOLDEN);
  assert.deepEqual(pad, { multiple: 4, mode: 'reflect' });
  const { prog } = await compileGolden((s, g) => {
    const { z, h } = latentUNetEncode(s, g.input('x', ['B', 3, 'H', 'W']), LATENT_UNET_GOLDEN);
    const out = latentUNetDecode(s, z, h, LATENT_UNET_GOLDEN);
    const hs: Record<string, Tensor> = {};
    h.forEach((t, i) => { hs[`h${i}`] = t; });
    return { outputs: { z, out, ...hs }, kind: 'latent-unet' };
  });
  const p = padToMultiple(XT, DIMS, pad.multiple, pad.mode);
  assert.deepEqual(p.dims, [1, 3, 8, 12]);
  const r = await prog.run({ x: img(p.data, p.dims) });
  assertStats('z', r.z, [1, 2, 4, 6], [0.09676807, 0.1089795, 0.003746863, 0.001576949, 0.01511308]);
  assert.deepEqual([0, 1, 2, 3, 4].map((i) => [...r[`h${i}`]!.dims]), [[1, 4, 8, 12], [1, 4, 8, 12], [1, 4, 8, 12], [1, 4, 4, 6], [1, 4, 4, 6]]);
  const out = cropTo(r.out!.data as Float32Array, r.out!.dims, 6, 10);
  assertStats('decode', img(out.data, out.dims), [1, 3, 6, 10], [-0.3490957, 0.3866348, -0.6048411, -0.588351, -0.0958797]);
  await prog.release();
  t.diagnostic(`largest deviation from the reference: ${worst.toExponential(2)}`);
});

// ---------------------------------------------------------------------------------------------------------
// padding contract

test('padding helpers: torch reflect / zeros at right-bottom, crop, tiny images refused', () => {
  const row = Float32Array.of(1, 2, 3, 4);
  assert.deepEqual([...padRightBottom(row, [1, 4], 0, 2, 'reflect').data], [1, 2, 3, 4, 3, 2]);
  assert.deepEqual([...padRightBottom(row, [1, 4], 0, 2, 'zeros').data], [1, 2, 3, 4, 0, 0]);
  assert.equal(padAmount(6, 4), 2);
  assert.equal(padAmount(8, 4), 0);
  // 2 planes of 2×3 → multiple 4: rows reflect too ([r0 r1] + 2 needs pad < 2: refused)
  const x = Float32Array.from({ length: 12 }, (_, i) => i);
  assert.throws(() => padToMultiple(x, [2, 2, 3], 4, 'reflect'), (e: any) => e.code === 'image-too-small');
  const z = padToMultiple(x, [2, 2, 3], 4, 'zeros');
  assert.deepEqual(z.dims, [2, 4, 4]);
  assert.deepEqual([...z.data.subarray(0, 16)], [0, 1, 2, 0, 3, 4, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  const r = padToMultiple(Float32Array.from({ length: 9 }, (_, i) => i), [3, 3], 4, 'reflect');
  assert.deepEqual([...r.data], [0, 1, 2, 1, 3, 4, 5, 4, 6, 7, 8, 7, 3, 4, 5, 4]);
  assert.deepEqual([...cropTo(r.data, r.dims, 3, 3).data], [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  const two = Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8);
  assert.equal(padToMultiple(two, [2, 4], 2, 'reflect').data, two); // already a multiple: no copy
});

test('padding contract: static non-multiple sizes are refused; a static padded graph equals the symbolic one', async () => {
  const g = new Graph();
  assert.throws(() => conditionalNAFNet(new Scope(g), g.input('xt', DIMS), g.input('mu', DIMS), g.input('t', [1]), NAFNET_GOLDEN),
    (e: any) => e.code === 'bad-input' && /multiple of 4/.test(e.message) && /padToMultiple/.test(e.hint));
  const g2 = new Graph();
  assert.throws(() => conditionalUNet(new Scope(g2), g2.input('xt', [1, 3, 8, 10]), g2.input('mu', [1, 3, 8, 10]), g2.input('t', [1]), UNET_GOLDEN), /W = 10/);
  const feeds = { xt: img(XT), mu: img(MU), t: time(37) };
  const pad = { ...nafnetPadding(NAFNET_GOLDEN), images: ['xt', 'mu'] };
  const stat = await compileGolden(nafGraph([1, 3, 8, 12], false));
  const sym = await compileGolden(nafGraph(['B', 3, 'H', 'W'], false));
  const a = (await runPadded(stat.prog, feeds, pad)).out!, b = (await runPadded(sym.prog, feeds, pad)).out!;
  assert.deepEqual([...a.dims], [1, 3, 6, 10]);
  const d = maxDiff(a.data as Float32Array, b.data as Float32Array);
  assert.ok(d < 1e-5, `static and symbolic graphs differ by ${d}`);
  await stat.prog.release();
  await sym.prog.release();
});

function maxDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

// ---------------------------------------------------------------------------------------------------------
// §6 batch independence

const twice = (a: Float32Array): Float32Array => { const o = new Float32Array(2 * a.length); o.set(a); o.set(a, a.length); return o; };

test('§6 batch independence: a batch of two identical samples reproduces the single-sample output (NAFNet, U-Net, DenoisingSDE U-Net)', async (t) => {
  const sym = ['B', 3, 'H', 'W'];
  const nets: [string, (s: Scope, g: Graph) => Built, boolean][] = [
    ['nafnet', nafGraph(sym, false), true],
    ['unet', (s, g) => ({ outputs: { out: conditionalUNet(s, g.input('xt', sym), g.input('mu', sym), g.input('t', ['B']), UNET_GOLDEN) }, kind: 'unet' }), true],
    ['denoising unet', (s, g) => ({ outputs: { out: denoisingUNet(s, g.input('xt', sym), g.input('t', ['B']), UNET_GOLDEN) }, kind: 'unet' }), false],
  ];
  for (const [name, build, conditional] of nets) {
    const { prog } = await compileGolden(build);
    const pad = { ...(name === 'nafnet' ? nafnetPadding(NAFNET_GOLDEN) : unetPadding(UNET_GOLDEN)), images: conditional ? ['xt', 'mu'] : ['xt'] };
    const one = (await runPadded(prog, { xt: img(XT), ...(conditional ? { mu: img(MU) } : {}), t: time(37) }, pad)).out!;
    const two = (await runPadded(prog, { xt: img(twice(XT), [2, 3, 6, 10]), ...(conditional ? { mu: img(twice(MU), [2, 3, 6, 10]) } : {}), t: time(37, 37) }, pad)).out!;
    assert.deepEqual([...two.dims], [2, 3, 6, 10]);
    const a = one.data as Float32Array, b = two.data as Float32Array;
    const d = Math.max(maxDiff(a, b.subarray(0, 180)), maxDiff(a, b.subarray(180)));
    assert.ok(d <= 1e-5, `${name}: batch of two differs from one sample by ${d}`);
    t.diagnostic(`${name}: max |batch of 2 − single| = ${d.toExponential(2)}`);
    await prog.release();
  }
});

// ---------------------------------------------------------------------------------------------------------
// full attention (DenoisingSDE mid block): no PyTorch golden, so check against a direct host computation

test('DenoisingSDE U-Net mid block: Residual(PreNorm(Attention)) equals a direct computation of §1', async () => {
  const c = 6, H = 3, W = 4, N = H * W;
  const g = new Graph();
  const s = new Scope(g);
  const out = residualAttention(s, g.input('x', [1, c, 'H', 'W']), c);
  const params = goldenParams(stateDictOrder(s.specs, 'unet'));
  const x = Float32Array.from({ length: c * N }, (_, i) => Math.sin(0.37 * i) + 0.1 * Math.cos(1.3 * i));
  const prog = await Program.compile(await getBackend('node'), g, { out });
  const got = (await prog.run({ x: img(x, [1, c, H, W]), ...paramFeeds(params) })).out!.data as Float32Array;
  await prog.release();
  // host reference in float64
  const ng = params.get('fn.norm.g'), wqkv = params.get('fn.fn.to_qkv.weight'), wo = params.get('fn.fn.to_out.weight'), bo = params.get('fn.fn.to_out.bias');
  const xn = new Float64Array(c * N);
  for (let n = 0; n < N; n++) {
    let m = 0, v = 0;
    for (let k = 0; k < c; k++) m += x[k * N + n]! / c;
    for (let k = 0; k < c; k++) v += (x[k * N + n]! - m) ** 2 / c;
    for (let k = 0; k < c; k++) xn[k * N + n] = ((x[k * N + n]! - m) / Math.sqrt(v + 1e-5)) * ng[k]!;
  }
  const qkv = new Float64Array(384 * N);
  for (let o = 0; o < 384; o++) for (let n = 0; n < N; n++) { let a = 0; for (let k = 0; k < c; k++) a += wqkv[o * c + k]! * xn[k * N + n]!; qkv[o * N + n] = a; }
  const merged = new Float64Array(128 * N);
  for (let h = 0; h < 4; h++) {
    for (let i = 0; i < N; i++) {
      const sim = new Float64Array(N);
      for (let j = 0; j < N; j++) { let a = 0; for (let d = 0; d < 32; d++) a += qkv[(h * 32 + d) * N + i]! * 32 ** -0.5 * qkv[(128 + h * 32 + d) * N + j]!; sim[j] = a; }
      const mx = Math.max(...sim);
      let z = 0;
      for (let j = 0; j < N; j++) { sim[j] = Math.exp(sim[j]! - mx); z += sim[j]!; }
      for (let e = 0; e < 32; e++) { let a = 0; for (let j = 0; j < N; j++) a += (sim[j]! / z) * qkv[(256 + h * 32 + e) * N + j]!; merged[(h * 32 + e) * N + i] = a; }
    }
  }
  let worst = 0;
  for (let o = 0; o < c; o++) for (let n = 0; n < N; n++) {
    let a = bo[o]!;
    for (let k = 0; k < 128; k++) a += wo[o * 128 + k]! * merged[k * N + n]!;
    worst = Math.max(worst, Math.abs(got[o * N + n]! - (x[o * N + n]! + a)));
  }
  assert.ok(worst < 1e-5, `attention differs from the direct computation by ${worst}`);
});

test('unconditional and global-skip variants build and run (DenoisingSDE NAFNet, latent-dehazing NAFNet)', async () => {
  const sym = ['B', 3, 'H', 'W'];
  assert.equal(countNAFNetParams(NAFNET_GOLDEN, { conditional: false }), 100_899 - 9 * 3 * 16);
  const { prog } = await compileGolden((s, g) => {
    const t = g.input('t', ['B']);
    const a = denoisingNAFNet(s.sub('a'), g.input('xt', sym), t, NAFNET_GOLDEN);
    const b = conditionalNAFNet(s.sub('b'), g.input('x2', sym), g.input('mu', sym), t, { ...NAFNET_GOLDEN, globalSkip: true });
    return { outputs: { a, b }, kind: ['a', 'b', ...NAFNET_STATE_DICT_ORDER] };
  });
  const r = await runPadded(prog, { xt: img(XT), x2: img(XT), mu: img(MU), t: time(5) }, { ...nafnetPadding(NAFNET_GOLDEN), images: ['xt', 'x2', 'mu'] });
  assert.deepEqual([...r.a!.dims], [1, 3, 6, 10]);
  assert.ok([...r.a!.data as Float32Array, ...r.b!.data as Float32Array].every(Number.isFinite), 'finite outputs');
  await prog.release();
});

test('full attention gradient matches central differences (input x)', async () => {
  const c = 4, H = 2, W = 3, n = c * H * W;
  const g = new Graph();
  const s = new Scope(g);
  const x = g.input('x', [1, c, H, W]);
  const out = residualAttention(s, x, c);
  const r = g.constant(Float32Array.from({ length: n }, (_, i) => Math.cos(0.9 * i)), [1, c, H, W], 'float32');
  const loss = G.sum(G.mul(out, r));
  const [gx] = grad(loss, [x]);
  const params = paramFeeds(goldenParams(stateDictOrder(s.specs, 'unet')));
  const prog = await Program.compile(await getBackend('node'), g, { loss, gx: gx! }, { training: true });
  const x0 = Float32Array.from({ length: n }, (_, i) => Math.sin(0.7 * i));
  const run = async (v: Float32Array) => prog.run({ x: img(v, [1, c, H, W]), ...params });
  const ga = (await run(x0)).gx!.data as Float32Array;
  const eps = 1e-2;
  for (const i of [0, 5, 11, 17, 23]) {
    const p = Float32Array.from(x0), m = Float32Array.from(x0);
    p[i]! += eps; m[i]! -= eps;
    const fd = (((await run(p)).loss!.data[0] as number) - ((await run(m)).loss!.data[0] as number)) / (2 * eps);
    assert.ok(Math.abs(fd - ga[i]!) < 5e-3 * Math.max(1, Math.abs(fd)), `d loss / d x[${i}]: autodiff ${ga[i]} vs differences ${fd}`);
  }
  await prog.release();
});

test('gradients build and run for the whole networks (symbolic B, H, W; batch 2 at 8×12)', async () => {
  const sym = ['B', 3, 'H', 'W'];
  const nets: [NetworkKind, (s: Scope, xt: Tensor, mu: Tensor, t: Tensor) => Tensor][] = [
    ['nafnet', (s, xt, mu, t) => conditionalNAFNet(s, xt, mu, t, NAFNET_GOLDEN)],
    ['unet', (s, xt, mu, t) => conditionalUNet(s, xt, mu, t, UNET_GOLDEN)],
  ];
  for (const [kind, build] of nets) {
    const g = new Graph();
    const s = new Scope(g);
    const xt = g.input('xt', sym), mu = g.input('mu', sym), t = g.input('t', ['B']);
    const loss = G.mean(G.abs(build(s, xt, mu, t)));
    const grads = grad(loss, g.params);
    const outputs: Record<string, Tensor> = { loss };
    g.params.forEach((p, i) => { outputs[`g.${p.name}`] = grads[i]!; });
    const prog = await Program.compile(await getBackend('node'), g, outputs, { training: true });
    const d = [2, 3, 8, 12];
    const r = await prog.run({
      xt: img(Float32Array.from({ length: 576 }, (_, i) => Math.sin(i)), d), mu: img(Float32Array.from({ length: 576 }, (_, i) => Math.cos(i)), d),
      t: time(3, 50), ...paramFeeds(goldenParams(stateDictOrder(s.specs, kind))),
    });
    assert.equal(Object.keys(r).length, 1 + g.params.length);
    for (const [k, v] of Object.entries(r)) assert.ok((v.data as Float32Array).every(Number.isFinite), `${kind}: ${k} is not finite`);
    await prog.release();
  }
});
