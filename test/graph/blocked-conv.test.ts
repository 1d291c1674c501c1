/**
 * Convolutions with fed weights on onnxruntime's blocked-channel kernels (graph/ops.ts `emitBlockedConv`,
 * runtime/nchwc.ts): the same loss and gradients as the plain ONNX Conv, for every kind of conv the lowering
 * takes (dense 1×1 and 3×3, depthwise 3×3 and 5×5, dilated, strided, uneven padding, with and without bias, a blocked
 * conv feeding another, depthwise weight gradients), and only where it applies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph, type Tensor } from '../../src/graph/tensor.js';
import * as G from '../../src/graph/ops.js';
import { grad } from '../../src/autodiff/grad.js';
import { NCHWC_DOMAIN, emitModel } from '../../src/graph/emitter.js';
import { Program } from '../../src/runtime/program.js';
import { getBackend, type HostTensor } from '../../src/runtime/backend.js';
import { nchwcBlockSize, probeNchwcBlock } from '../../src/runtime/nchwc.js';
import { createRng } from '../../src/runtime/rng.js';

const C = 32, X = [2, C, 48, 48];

function build(): { g: Graph; outputs: Record<string, Tensor>; feeds: Record<string, HostTensor> } {
  const g = new Graph();
  const rng = createRng(5);
  const feeds: Record<string, HostTensor> = {};
  const input = (name: string, dims: number[], scale: number, param = true): Tensor => {
    const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
    rng.fillNormal(data, 0, scale);
    feeds[name] = { data, dims, dtype: 'float32' };
    return param ? g.param(name, dims) : g.input(name, dims);
  };
  const x = input('x', X, 1, false);
  const w1 = input('w1', [C, C, 1, 1], 0.2), b1 = input('b1', [C], 0.1);
  const wd = input('wd', [C, 1, 3, 3], 0.3), bd = input('bd', [C], 0.1);
  const w3 = input('w3', [C, C, 3, 3], 0.06);
  const wdown = input('wdown', [2 * C, C, 2, 2], 0.1), bdown = input('bdown', [2 * C], 0.1);
  const wp = input('wp', [C, C, 3, 3], 0.06), bp = input('bp', [C], 0.1);
  const w6 = input('w6', [C, C, 1, 1], 0.2);
  const wd5 = input('wd5', [C, 1, 5, 5], 0.2);
  const c1 = G.conv2d(x, w1, b1); // dense 1×1
  const c2 = G.conv2d(c1, wd, bd, { groups: C }); // depthwise, fed by a blocked conv
  const c3 = G.conv2d(G.relu(c2), w3, null, { dilation: 2 }); // dilated, no bias
  const c4 = G.conv2d(c3, wdown, bdown, { stride: 2, padding: 0 }); // 2×2 stride 2, C → 2C
  const c5 = G.conv2d(c2, wp, bp, { padding: [2, 0, 0, 2] }); // uneven padding
  const c6 = G.conv2d(c2, w6, null); // 1×1 fed by a blocked conv
  const c7 = G.conv2d(c1, wd5, null, { groups: C, padding: [2, 1, 0, 3] }); // depthwise 5×5, uneven padding: [2, C, 45, 48]
  const loss = G.add(G.add(G.add(G.add(G.mean(G.mul(c4, c4)), G.mean(G.mul(c5, c1))), G.mean(G.mul(c3, c3))), G.mean(G.mul(c6, c6))), G.mean(G.mul(c7, c7)));
  const params = g.params;
  const grads = grad(loss, [...params, x]);
  const outputs: Record<string, Tensor> = { loss, c4 };
  params.forEach((p, i) => { outputs[`g_${p.name}`] = grads[i]!; });
  outputs.gx = grads[params.length]!;
  return { g, outputs, feeds };
}

test('blocked convs give the loss and every gradient of plain convs', async (t) => {
  const backend = await getBackend('node');
  const bs = await nchwcBlockSize(backend);
  if (!bs) { t.skip('onnxruntime has no blocked conv kernels on this CPU'); return; }
  const { g, outputs, feeds } = build();
  const blocked = await Program.compile(backend, g, outputs, { training: true });
  const plain = await Program.compile(backend, g, outputs, { training: true, blockedConvs: false });
  const a = await blocked.run(feeds), b = await plain.run(feeds);
  await blocked.release(); await plain.release();
  for (const name of Object.keys(outputs)) {
    const u = a[name]!.data as Float32Array, v = b[name]!.data as Float32Array;
    let scale = 0, diff = 0;
    for (let i = 0; i < v.length; i++) { scale = Math.max(scale, Math.abs(v[i]!)); diff = Math.max(diff, Math.abs(u[i]! - v[i]!)); }
    assert.ok(scale > 0, `${name} is all zeros: the check would be vacuous`);
    assert.ok(diff <= 1e-5 * scale, `${name}: max |blocked − plain| ${diff} vs max |plain| ${scale}`);
  }
});

test('the lowering applies to fed weights only, and not to small outputs (deep levels)', async () => {
  const { g, outputs } = build();
  const count = (nchwcBlock: number, bake?: Map<string, Float32Array>): Record<string, number> => {
    const { model } = emitModel(g, { outputs, nchwcBlock, bakedParams: bake });
    const c: Record<string, number> = {};
    for (const n of model.graph!.node!) if (n.domain === NCHWC_DOMAIN) c[n.opType!] = (c[n.opType!] ?? 0) + 1;
    return c;
  };
  const blocked = count(16);
  // Forward: all but c1 (a 1×1 on a small NCHW input: the GEMM beats blocking + reorders); backward: the input
  // gradients of c2, c3, c5 and c7 (c4's is a ConvTranspose; c6's and c1's are 1×1 convs on NCHW gradients), and the
  // depthwise convs' weight gradients (c2, c7: a conv of x with dY as the kernel).
  assert.equal(blocked.Conv, 12, JSON.stringify(blocked));
  const { model } = emitModel(g, { outputs, nchwcBlock: 16 });
  const wgrad = model.graph!.node!.filter((n) => n.domain === NCHWC_DOMAIN && n.opType === 'Conv' && n.attribute!.some((a) => a.name === 'kernel_shape' && a.ints!.join() === '48,48'));
  assert.equal(wgrad.length, 1, 'the depthwise weight gradient runs as one blocked conv');
  // …and its portable formulation (the 9-tap unfold, a plain grouped Conv with a one-hot constant) is pruned.
  const d = new Graph();
  const dx = d.input('x', [2, C, 48, 48]), dwt = d.param('w', [C, 1, 3, 3]);
  const [gw] = grad(G.mean(G.mul(G.conv2d(dx, dwt, null, { groups: C }), dx)), [dwt]);
  const plainConvs = (nchwcBlock: number): number => emitModel(d, { outputs: { gw: gw! }, nchwcBlock }).model.graph!.node!.filter((n) => n.opType === 'Conv' && !n.domain).length;
  assert.equal(plainConvs(16), 0);
  assert.equal(plainConvs(0), 2, 'the forward conv and the unfold');
  const blocked1x1 = model.graph!.node!.filter((n) => n.domain === NCHWC_DOMAIN && n.opType === 'Conv' && n.attribute!.some((a) => a.name === 'kernel_shape' && a.ints!.join() === '1,1'));
  assert.equal(blocked1x1.length, 1, 'c6 reads the depthwise conv\'s blocked output');
  // c2 reads c1's blocked output directly: fewer ReorderInputs than blocked convs.
  assert.ok(blocked.ReorderInput! < blocked.Conv!, JSON.stringify(blocked));
  assert.deepEqual(count(0), {});
  // Baked (constant) weights are left to onnxruntime, which re-lays them once at load.
  const bake = new Map(g.params.map((p) => [p.name, new Float32Array(p.shape.reduce((a: number, b) => a * (b as number), 1))]));
  const frozen = emitModel(g, { outputs: { c4: outputs.c4! }, nchwcBlock: 16, bakedParams: bake }).model;
  assert.equal(frozen.graph!.node!.filter((n) => n.domain === NCHWC_DOMAIN).length, 0);
  // 64 output pixels (a deep level): the per-run weight re-layout would cost what the kernel saves; not lowered.
  const h = new Graph();
  const y = G.conv2d(h.input('x', [1, 256, 8, 8]), h.param('w', [256, 256, 1, 1]), null);
  assert.equal(emitModel(h, { outputs: { y }, nchwcBlock: 16 }).model.graph!.node!.filter((n) => n.domain === NCHWC_DOMAIN).length, 0);
});

test('blocked convs in a shape-generic graph: any batch and odd sizes, same values as plain convs', async (t) => {
  const backend = await getBackend('node');
  if (!(await nchwcBlockSize(backend))) { t.skip('onnxruntime has no blocked conv kernels on this CPU'); return; }
  const g = new Graph();
  const x = g.input('x', ['B', C, 'H', 'W']);
  const wd = g.param('wd', [C, 1, 3, 3]), w1 = g.param('w1', [C, C, 1, 1]), w3 = g.param('w3', [C, C, 3, 3]);
  const y = G.conv2d(G.conv2d(G.conv2d(x, wd, null, { groups: C }), w1, null), w3, null);
  const loss = G.mean(G.mul(y, y));
  const [gwd, gw1, gw3, gx] = grad(loss, [wd, w1, w3, x]);
  const outputs = { loss, gwd: gwd!, gw1: gw1!, gw3: gw3!, gx: gx! };
  assert.ok(emitModel(g, { outputs, nchwcBlock: 16 }).model.graph!.node!.some((n) => n.domain === NCHWC_DOMAIN));
  const blocked = await Program.compile(backend, g, outputs, { training: true });
  const plain = await Program.compile(backend, g, outputs, { training: true, blockedConvs: false });
  for (const [b, h, w] of [[2, 20, 24], [1, 33, 17]] as const) {
    const n = b * C * h * w;
    const feeds: Record<string, HostTensor | Float32Array> = {
      x: { data: Float32Array.from({ length: n }, (_, i) => Math.sin(i)), dims: [b, C, h, w], dtype: 'float32' },
      wd: Float32Array.from({ length: C * 9 }, (_, i) => Math.cos(i)),
      w1: Float32Array.from({ length: C * C }, (_, i) => Math.sin(i * 3) / 8),
      w3: Float32Array.from({ length: C * C * 9 }, (_, i) => Math.cos(i * 7) / 20),
    };
    const a = await blocked.run(feeds), r = await plain.run(feeds);
    for (const name of Object.keys(outputs)) {
      const u = a[name]!.data as Float32Array, v = r[name]!.data as Float32Array;
      for (let i = 0; i < v.length; i++) assert.ok(Math.abs(u[i]! - v[i]!) <= 1e-5 * (1 + Math.abs(v[i]!)), `${name}[${i}] at ${b}×${h}×${w}: ${u[i]} vs ${v[i]}`);
    }
  }
  await blocked.release(); await plain.release();
});

test('the block-size probe keeps the size whose blocked convs agree with plain ones, and rejects the others', async (t) => {
  const backend = await getBackend('node');
  const found = await nchwcBlockSize(backend);
  let flags = '';
  try { flags = (await import('node:fs')).readFileSync('/proc/cpuinfo', 'utf8'); } catch { /* not Linux */ }
  if (process.arch === 'x64' && flags) {
    // MLAS uses 16-channel blocks with AVX-512F, 8 with AVX2 (or plain SSE): the probe must find that size.
    assert.equal(found, /\bavx512f\b/.test(flags) ? 16 : 8);
  }
  if (!found) { t.skip('onnxruntime has no blocked conv kernels on this CPU'); return; }
  assert.equal(await probeNchwcBlock(backend, [found === 16 ? 8 : 16]), 0, 'a wrong block size must be rejected');
  assert.equal(await probeNchwcBlock(backend, [found === 16 ? 8 : 16, found]), found);
  // The lighter forward-only probe (inference graphs) agrees, and also rejects the wrong size.
  assert.equal(await probeNchwcBlock(backend, [found === 16 ? 8 : 16, found], { gradient: false }), found);
  assert.equal(await probeNchwcBlock(backend, [found === 16 ? 8 : 16], { gradient: false }), 0);
  assert.equal(await nchwcBlockSize(backend, { forwardOnly: true }), found);
});

/**
 * Frozen inference graphs (all weights baked) in the blocked layout (emitter.ts `nchwcInference`): every conv the
 * blocked kernels take, same-shape Add/Mul and GlobalAveragePool on blocked tensors, residual Adds fused into the
 * conv, the pixel shuffle as a blocked 1×1 conv + one Gather of blocked runs, the image-channel convs at both ends
 * (NCHW input; tap planes for the few outputs), and at batch 1 the LayerNorm modulation and the channel attention
 * folded into the following 1×1 convs' weights. Same outputs as the portable graph.
 */
test('blocked inference graphs give the portable graph\'s outputs (NAFNet at batch 1 and 2, U-Net, symbolic shapes)', async (t) => {
  const backend = await getBackend('node');
  if (!(await nchwcBlockSize(backend))) { t.skip('onnxruntime has no blocked conv kernels on this CPU'); return; }
  const { Scope, initParams } = await import('../../src/nn/scope.js');
  const { conditionalNAFNet } = await import('../../src/nn/nafnet.js');
  const { conditionalUNet } = await import('../../src/nn/unet.js');
  const cases = [
    { name: 'NAFNet w16, 1×64²', dims: [1, 3, 64, 64] as (number | string)[], run: [1, 64, 64], net: 'naf' },
    { name: 'NAFNet w16, 2×32²', dims: [2, 3, 32, 32], run: [2, 32, 32], net: 'naf' },
    { name: 'NAFNet w16, symbolic B×H×W', dims: ['B', 3, 'H', 'W'], run: [1, 48, 40], net: 'naf' },
    // Width 24: level 0 is not a whole number of blocks, so it runs padded to 32 channels.
    { name: 'NAFNet w24, 1×64²', dims: [1, 3, 64, 64], run: [1, 64, 64], net: 'naf24' },
    { name: 'NAFNet w24, 2×32²', dims: [2, 3, 32, 32], run: [2, 32, 32], net: 'naf24' },
    { name: 'U-Net nf 24, 1×32²', dims: [1, 3, 32, 32], run: [1, 32, 32], net: 'unet24' },
    { name: 'U-Net nf 16, 1×32²', dims: [1, 3, 32, 32], run: [1, 32, 32], net: 'unet' },
  ];
  for (const c of cases) {
    const g = new Graph();
    const s = new Scope(g);
    const xt = g.input('xt', c.dims), mu = g.input('mu', c.dims), tt = g.input('t', [c.dims[0]!]);
    const eps = c.net.startsWith('naf')
      ? conditionalNAFNet(s, xt, mu, tt, { imgChannel: 3, width: c.net === 'naf24' ? 24 : 16, middleBlkNum: 1, encBlkNums: [1, 1], decBlkNums: [1, 1] })
      : conditionalUNet(s, xt, mu, tt, { inNc: 3, outNc: 3, nf: c.net === 'unet24' ? 24 : 16, depth: 2 });
    const params = initParams(s.specs, createRng(`blocked-${c.name}`));
    // Non-zero residual scales and norm weights, so that every branch reaches the output.
    for (const p of params) if (/\.(beta|gamma|g)$/.test(p.name)) p.data.forEach((_, i, a) => { a[i] = 0.5 + 0.3 * Math.sin(i); });
    const bake = new Map([...params].map((p) => [p.name, p.data]));
    const { model } = emitModel(g, { outputs: { eps }, bakedParams: bake, nchwcBlock: 16, nchwcInference: true });
    const ops = (pred: (n: { domain?: string | null; opType?: string | null; input?: string[] | null; attribute?: { name?: string | null; i?: unknown }[] | null }) => boolean): number => model.graph!.node!.filter(pred).length;
    // Shape-generic graphs are left to onnxruntime's own NCHWc pass.
    assert.equal(ops((n) => n.domain === NCHWC_DOMAIN && n.opType === 'Conv') > 0, c.dims.every((d) => typeof d === 'number'), `${c.name}: blocked convs emitted iff the shape is static`);
    if (c.net.startsWith('naf') && c.dims[0] === 1) {
      assert.equal(ops((n) => n.opType === 'ConvTranspose'), 0, `${c.name}: the pixel shuffle is a blocked conv + Gather`);
      assert.equal(ops((n) => n.opType === 'Gather' && !!model.graph!.initializer!.find((i) => i.name === n.input![1] && i.dataType === 6)), 2, `${c.name}: one row Gather per up-sampling`);
      assert.ok(ops((n) => n.domain === NCHWC_DOMAIN && n.opType === 'GlobalAveragePool') > 0, `${c.name}: channel attention pooled in the blocked layout`);
      assert.ok(ops((n) => n.domain === NCHWC_DOMAIN && n.opType === 'Conv' && n.input!.length === 4) >= 4, `${c.name}: residual Adds fused into convs`);
    }
    if (c.dims.every((d) => typeof d === 'number')) {
      // The first conv reads the NCHW image (6 channels) itself; the last writes its 3 channels from 27 tap planes.
      assert.ok(ops((n) => n.domain === NCHWC_DOMAIN && n.opType === 'Conv' && n.input![0]!.startsWith('concat')) === 1, `${c.name}: NCHW-input blocked conv`);
      assert.equal(ops((n) => n.opType === 'Conv' && !n.domain), 0, `${c.name}: every conv emitted blocked`);
      if (c.net === 'naf24') assert.ok(ops((n) => n.opType === 'Pad') > 0, `${c.name}: level 0 padded to whole blocks`);
      assert.equal(ops((n) => n.domain === NCHWC_DOMAIN && n.opType === 'ReorderOutput' && n.attribute!.some((a) => a.name === 'channels' && Number(a.i) === 3)), 1, `${c.name}: the last conv's 3 channels leave the blocked layout once`);
    }
    const blocked = await Program.compile(backend, g, { eps }, { bake });
    const plain = await Program.compile(backend, g, { eps }, { bake, blockedConvs: false });
    const [b, h, w] = c.run as [number, number, number];
    const n = b * 3 * h * w;
    const feeds: Record<string, HostTensor> = {
      xt: { data: Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37)), dims: [b, 3, h, w], dtype: 'float32' },
      mu: { data: Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.11)), dims: [b, 3, h, w], dtype: 'float32' },
      t: { data: Float32Array.from({ length: b }, (_, i) => 37 + 20 * i), dims: [b], dtype: 'float32' },
    };
    const u = (await blocked.run(feeds)).eps!.data as Float32Array, v = (await plain.run(feeds)).eps!.data as Float32Array;
    await blocked.release(); await plain.release();
    let scale = 0, diff = 0;
    for (let i = 0; i < v.length; i++) { scale = Math.max(scale, Math.abs(v[i]!)); diff = Math.max(diff, Math.abs(u[i]! - v[i]!)); }
    assert.ok(scale > 0.01, `${c.name}: output too small for the check to mean anything`);
    assert.ok(diff <= 1e-5 * scale, `${c.name}: max |blocked − portable| ${diff} vs max |portable| ${scale}`);
  }
});

test('blocked inference graphs: a ReLU that is a blocked conv\'s only reader runs inside the conv; training graphs are unchanged', async () => {
  const g = new Graph();
  const x = g.input('x', [4, 32, 32, 32]);
  const w1 = g.param('w1', [32, 32, 3, 3]), w2 = g.param('w2', [32, 32, 3, 3]);
  const y = G.conv2d(G.relu(G.conv2d(x, w1, null)), w2, null);
  const bake = new Map([['w1', new Float32Array(32 * 32 * 9)], ['w2', new Float32Array(32 * 32 * 9)]]);
  const nodes = emitModel(g, { outputs: { y }, nchwcBlock: 16, nchwcInference: true, bakedParams: bake }).model.graph!.node!;
  const convs = nodes.filter((n) => n.domain === NCHWC_DOMAIN && n.opType === 'Conv');
  assert.equal(convs.length, 2);
  assert.deepEqual(convs.map((n) => n.attribute!.find((a) => a.name === 'activation')?.s ? new TextDecoder().decode(n.attribute!.find((a) => a.name === 'activation')!.s!) : ''), ['Relu', '']);
  assert.ok(!nodes.some((n) => n.opType === 'Relu'));
  // relu(conv) + r must not become relu(conv + r): the Add is not fused into a conv that has its activation.
  const h = new Graph();
  const hx = h.input('x', [1, 32, 32, 32]);
  const hw1 = h.param('w1', [32, 32, 3, 3]), hw2 = h.param('w2', [32, 32, 1, 1]);
  const c1 = G.conv2d(hx, hw1, null);
  const z = G.add(G.relu(G.conv2d(c1, hw2, null)), c1);
  const hb = new Map([['w1', Float32Array.from({ length: 32 * 32 * 9 }, (_, i) => Math.sin(i) / 10)], ['w2', Float32Array.from({ length: 32 * 32 }, (_, i) => Math.cos(i) / 5)]]);
  const hn = emitModel(h, { outputs: { z }, nchwcBlock: 16, nchwcInference: true, bakedParams: hb }).model.graph!.node!;
  const fused = hn.filter((n) => n.domain === NCHWC_DOMAIN && n.opType === 'Conv');
  assert.ok(!fused.some((n) => n.input!.length === 4 && n.attribute!.some((a) => a.name === 'activation')), 'a conv with both a Sum input and an activation');
  const backend = await getBackend('node');
  if (await nchwcBlockSize(backend)) {
    const feeds = { x: { data: Float32Array.from({ length: 32 * 32 * 32 }, (_, i) => Math.sin(i * 0.3)), dims: [1, 32, 32, 32], dtype: 'float32' as const } };
    const blocked = await Program.compile(backend, h, { z }, { bake: hb }), plain = await Program.compile(backend, h, { z }, { bake: hb, blockedConvs: false });
    const u = (await blocked.run(feeds)).z!.data as Float32Array, v = (await plain.run(feeds)).z!.data as Float32Array;
    await blocked.release(); await plain.release();
    for (let i = 0; i < v.length; i++) assert.ok(Math.abs(u[i]! - v[i]!) <= 1e-5 * (1 + Math.abs(v[i]!)), `z[${i}]: ${u[i]} vs ${v[i]}`);
  }
  // Fed weights (training) keep the earlier lowering: the ReLU stays a node of its own.
  assert.ok(emitModel(g, { outputs: { y }, nchwcBlock: 16, nchwcInference: false }).model.graph!.node!.some((n) => n.opType === 'Relu'));
});

test('blocked inference graphs: a k×k conv to fewer channels than a block, as tap planes, equals the plain conv (also from a padded 24-channel input)', async (t) => {
  const backend = await getBackend('node');
  if (!(await nchwcBlockSize(backend))) { t.skip('onnxruntime has no blocked conv kernels on this CPU'); return; }
  for (const [k, out, batch, withBias, ch] of [[3, 3, 1, true, 32], [5, 1, 2, true, 32], [3, 5, 1, false, 32], [3, 3, 1, true, 24]] as const) {
    const g = new Graph();
    const x = g.input('x', [batch, 32, 20, 24]);
    const w1 = g.param('w1', [ch, 32, 1, 1]), w2 = g.param('w2', [out, ch, k, k]), b2 = g.param('b2', [out]);
    const y = G.conv2d(G.conv2d(x, w1, null), w2, withBias ? b2 : null);
    const bake = new Map([
      ['w1', Float32Array.from({ length: ch * 32 }, (_, i) => Math.cos(i * 0.7) / 4)],
      ['w2', Float32Array.from({ length: out * ch * k * k }, (_, i) => Math.sin(i * 0.13) / 8)],
      ['b2', Float32Array.from({ length: out }, (_, i) => 0.3 - i * 0.2)],
    ]);
    const nodes = emitModel(g, { outputs: { y }, nchwcBlock: 16, nchwcInference: true, bakedParams: bake }).model.graph!.node!;
    assert.ok(nodes.some((n) => n.domain === NCHWC_DOMAIN && n.opType === 'Conv' && n.attribute!.some((a) => a.name === 'group' && Number(a.i) > 1)), `${k}×${k} → ${out}: shifted by a depthwise conv`);
    const n = batch * 32 * 20 * 24;
    const feeds = { x: { data: Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.31)), dims: [batch, 32, 20, 24], dtype: 'float32' as const } };
    const blocked = await Program.compile(backend, g, { y }, { bake }), plain = await Program.compile(backend, g, { y }, { bake, blockedConvs: false });
    const u = (await blocked.run(feeds)).y!, v = (await plain.run(feeds)).y!;
    await blocked.release(); await plain.release();
    assert.deepEqual(u.dims, [batch, out, 20, 24]);
    const [ud, vd] = [u.data as Float32Array, v.data as Float32Array];
    for (let i = 0; i < vd.length; i++) assert.ok(Math.abs(ud[i]! - vd[i]!) <= 1e-5 * (1 + Math.abs(vd[i]!)), `${k}×${k} → ${out}, y[${i}]: ${ud[i]} vs ${vd[i]}`);
  }
});
