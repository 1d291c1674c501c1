import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { AdamW, Adam, Lion, SGD, clipGradNorm, isNormOrBias } from '../../src/runtime/optim.js';
import type { Optimizer } from '../../src/runtime/optim.js';
import { encodeSafetensors, decodeSafetensors } from '../../src/runtime/safetensors.js';
import { IrsdeError } from '../../src/common/errors.js';

/** Reference values from PyTorch 1.13 (and lion-pytorch's update rule): tools/gen_optim_fixture.py. */
const fx = JSON.parse(readFileSync(new URL('./fixtures/optim.json', import.meta.url), 'utf8'));

function close(got: ArrayLike<number>, want: ArrayLike<number>, rel = 2e-6, abs = 1e-7, what = ''): void {
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i]! - want[i]!);
    assert.ok(d <= abs + rel * Math.abs(want[i]!), `${what}[${i}]: got ${got[i]}, want ${want[i]} (diff ${d})`);
  }
}

function replay(make: (p: Map<string, Float32Array>) => Optimizer, ref: { params: number[][]; state: Record<string, number[]> }, name: string) {
  const p = new Float32Array(fx.p0);
  const opt = make(new Map([['w', p]]));
  fx.grads.forEach((g: number[], k: number) => {
    opt.step({ w: new Float32Array(g) });
    close(p, ref.params[k]!, 2e-6, 1e-7, `${name} step ${k + 1}`);
  });
  const st = opt.state();
  for (const [buf, want] of Object.entries(ref.state)) close(st.tensors[`${buf}/w`]!.data as Float32Array, want, 2e-6, 1e-9, `${name} ${buf}`);
  return opt;
}

test('AdamW matches PyTorch over 3 steps (decoupled decay, bias correction, eps after sqrt)', () => {
  const o = fx.adamw.opts;
  replay((p) => new AdamW(p, { lr: o.lr, betas: o.betas, eps: o.eps, weightDecay: o.weightDecay }), fx.adamw, 'adamw');
});

test('AdamW by hand: a short independent float64 formula gives the same 3 steps', () => {
  const lr = 0.001, b1 = 0.9, b2 = 0.99, eps = 1e-8, wd = 0.05;
  const p0 = [0.3, -0.7, 1.1];
  const gs = [[0.5, -0.25, 0.0], [0.1, 0.2, -0.3], [-1.0, 0.05, 0.4]];
  const p = new Float32Array(p0);
  const opt = new AdamW([{ name: 'x', data: p }], { lr, betas: [b1, b2], eps, weightDecay: wd });
  const ref = [...p0], m = [0, 0, 0], v = [0, 0, 0];
  gs.forEach((g, k) => {
    const t = k + 1;
    for (let i = 0; i < 3; i++) {
      ref[i] = Math.fround(ref[i]! * (1 - lr * wd));
      m[i] = b1 * m[i]! + (1 - b1) * g[i]!;
      v[i] = b2 * v[i]! + (1 - b2) * g[i]! * g[i]!;
      const mhat = m[i]! / (1 - b1 ** t), vhat = v[i]! / (1 - b2 ** t);
      ref[i] = Math.fround(ref[i]! - (lr * mhat) / (Math.sqrt(vhat) + eps));
    }
    opt.step([new Float32Array(g)]);
    close(p, ref, 1e-6, 1e-8, `hand step ${t}`);
    if (t === 1) {
      // step 1 moves a weight by lr·g/(|g| + eps) = ±lr after decay; a zero gradient only decays
      assert.ok(Math.abs(p[0]! - (Math.fround(0.3) * (1 - lr * wd) - lr)) < 1e-7);
      assert.equal(p[2], Math.fround(Math.fround(1.1) * (1 - lr * wd)));
    }
  });
});

test('Adam (L2 in the gradient) matches PyTorch Adam', () => {
  const o = fx.adam_l2.opts;
  replay((p) => new Adam(p, { lr: o.lr, betas: o.betas, eps: o.eps, weightDecay: o.weightDecay }), fx.adam_l2, 'adam');
});

test('Lion matches lion-pytorch (sign update, decoupled decay, β2 momentum)', () => {
  const o = fx.lion.opts;
  replay((p) => new Lion(p, { lr: o.lr, betas: o.betas, weightDecay: o.weightDecay }), fx.lion, 'lion');
  // sign(0) = 0: zero gradient and zero momentum leave the weight (without decay) unchanged
  const w = new Float32Array([1, 2]);
  new Lion({ w }, { lr: 0.1 }).step({ w: new Float32Array([0, -3]) });
  assert.deepEqual(w, new Float32Array([1, 2.1]));
  // the branch-free sign is exactly ±1 even for the smallest float32 gradient, and NaN propagates
  const x = new Float32Array([1, 1, 1]);
  new Lion({ x }, { lr: 0.25 }).step({ x: new Float32Array([1.4e-45, -1.4e-45, NaN]) });
  assert.equal(x[0], 0.75);
  assert.equal(x[1], 1.25);
  assert.ok(Number.isNaN(x[2]));
});

test('SGD matches PyTorch: Nesterov + weight decay, and dampening', () => {
  const a = fx.sgd_nesterov.opts;
  replay((p) => new SGD(p, { lr: a.lr, momentum: a.momentum, nesterov: true, weightDecay: a.weightDecay }), fx.sgd_nesterov, 'sgd-nesterov');
  const b = fx.sgd_dampening.opts;
  replay((p) => new SGD(p, { lr: b.lr, momentum: b.momentum, dampening: b.dampening }), fx.sgd_dampening, 'sgd-dampening');
  const w = new Float32Array([1, -1]);
  const plain = new SGD({ w }, { lr: 0.5 });
  plain.step({ w: new Float32Array([0.25, 1]) });
  assert.deepEqual(w, new Float32Array([0.875, -1.5]));
  assert.equal(plain.state().metadata['optimizer'], 'sgd');
  assert.equal(Object.keys(plain.state().tensors).length, 0); // no momentum, no buffers
  assert.throws(() => new SGD({ w }, { nesterov: true }), IrsdeError);
});

test('parameter groups: no weight decay for norms/biases, lr scale; missing grads skip a parameter', () => {
  const weight = new Float32Array([1, 1]), bias = new Float32Array([1]), scale = new Float32Array([1]);
  const params = [
    { name: 'conv.weight', shape: [1, 2], data: weight },
    { name: 'conv.bias', shape: [1], data: bias },
    { name: 'norm.weight', shape: [1], data: scale },
  ];
  assert.deepEqual(params.map(isNormOrBias), [false, true, true]);
  const opt = new SGD(params, { lr: 0.1, weightDecay: 0.5, groups: [{ match: isNormOrBias, weightDecay: 0, lrScale: 2 }] });
  opt.step({ 'conv.weight': new Float32Array([0, 0]), 'conv.bias': new Float32Array([0]), 'norm.weight': new Float32Array([1]) });
  assert.deepEqual(weight, new Float32Array([0.95, 0.95])); // decayed: 1 − 0.1·0.5
  assert.deepEqual(bias, new Float32Array([1])); // no decay, zero grad
  assert.deepEqual(scale, new Float32Array([0.8])); // lr 0.2
  opt.step({ 'norm.weight': new Float32Array([1]) }); // others have no gradient: untouched
  assert.deepEqual(weight, new Float32Array([0.95, 0.95]));
  assert.throws(() => opt.step({ nope: new Float32Array(1) }), /unknown parameter "nope"/);
  assert.throws(() => opt.step({ 'conv.weight': new Float32Array(3) }), /has 3 values, the parameter 2/);
  assert.throws(() => opt.step([new Float32Array(2)]), /1 gradients for 3 parameters/);
});

test('state()/loadState() through safetensors resume bit-for-bit (per-parameter steps too)', () => {
  const g = (k: number) => new Float32Array([Math.sin(k), Math.cos(k), 0.1 * k]);
  const mk = (p: Float32Array, q: Float32Array) => new AdamW({ p, q }, { lr: 0.01, weightDecay: 0.1 });
  const p1 = new Float32Array([1, 2, 3]), q1 = new Float32Array([0.5, 0.5, 0.5]);
  const a = mk(p1, q1);
  for (let k = 0; k < 4; k++) a.step(k === 1 ? { p: g(k) } : { p: g(k), q: g(k + 7) }); // q misses one step
  const st = a.state();
  assert.equal(st.metadata['step'], '4');
  assert.deepEqual(JSON.parse(st.metadata['param_steps']!), { p: 4, q: 3 });
  const file = encodeSafetensors(st.tensors, st.metadata);

  const p2 = p1.slice(), q2 = q1.slice();
  const b = mk(p2, q2);
  b.loadState(decodeSafetensors(file));
  assert.equal(b.steps, 4);
  for (let k = 4; k < 7; k++) {
    a.step({ p: g(k), q: g(k + 7) });
    b.step({ p: g(k), q: g(k + 7) });
  }
  assert.deepEqual(p2, p1);
  assert.deepEqual(q2, q1);

  const lion = new Lion({ p: new Float32Array(3) });
  assert.throws(() => lion.loadState(st), (e: unknown) => e instanceof IrsdeError && e.code === 'bad-optimizer-state' && /adamw/.test(e.message));
  const other = new AdamW({ p: new Float32Array(3), r: new Float32Array(3) });
  assert.throws(() => other.loadState(st), /missing "exp_avg\/r"/);
  const smaller = new AdamW({ p: new Float32Array(2), q: new Float32Array(3) });
  assert.throws(() => smaller.loadState(st), /has 3 values, the parameter 2/);
  const fewer = new AdamW({ p: new Float32Array(3) });
  assert.throws(() => fewer.loadState({ tensors: st.tensors, metadata: { ...st.metadata, param_steps: '{"p":4}' } }), /unexpected "exp_avg\/q"/);
});

test('clipGradNorm matches torch.nn.utils.clip_grad_norm_ and returns the pre-clip norm', () => {
  for (const c of fx.clip) {
    const a = new Float32Array([3, -4, 12]), b = new Float32Array([1, 2, -2, 0.5]);
    const norm = clipGradNorm([a, b], c.maxNorm);
    assert.ok(Math.abs(norm - c.norm) < 1e-5, `norm ${norm} vs ${c.norm}`);
    close(a, c.a, 1e-6, 1e-9, 'a');
    close(b, c.b, 1e-6, 1e-9, 'b');
  }
  const m = new Map([['x', new Float32Array([3, 4])]]);
  assert.equal(clipGradNorm(m, 1, { normType: 'inf' }), 4);
  close(m.get('x')!, [0.75, 1], 1e-6);
  const nan = new Float32Array([NaN, 1]);
  assert.ok(Number.isNaN(clipGradNorm({ nan }, 1)));
  assert.equal(nan[1], 1); // untouched
  assert.throws(() => clipGradNorm([new Float32Array([Infinity])], 1, { errorIfNonfinite: true }), IrsdeError);
});

test('benchOptim runs and reports the three timings (tiny size)', async () => {
  const { benchOptim } = await import('../../src/cli/bench/optim.js');
  const r = await benchOptim({ json: true, params: 20_000 });
  for (const k of ['adamw_ms', 'lion_ms', 'sgd_ms'] as const) assert.ok(r[k] >= 0 && Number.isFinite(r[k]), k);
});

test('option validation', () => {
  const w = new Float32Array(1);
  assert.throws(() => new AdamW({ w }, { betas: [0.9, 1] }), IrsdeError);
  assert.throws(() => new AdamW({ w }, { lr: -1 }), IrsdeError);
  assert.throws(() => new Lion({ w }, { weightDecay: -0.1 }), IrsdeError);
  assert.throws(() => new AdamW([{ name: 'a', data: w }, { name: 'a', data: w }]), /given twice/);
  const opt = new AdamW({ w });
  assert.equal(opt.lr, 1e-4);
  assert.throws(() => opt.step({ w: new Float32Array(1) }, NaN), IrsdeError);
});

test('AdamW: the WebAssembly SIMD kernel agrees with the TypeScript loop (float32 rounding) over many steps', async () => {
  const { AdamW: A } = await import('../../src/runtime/optim.js');
  const n = 1037; // not a multiple of 4: exercises the padded lanes
  const init = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 0.5);
  const a = { w: init.slice(), b: Float32Array.of(0.1, -0.2, 0.3) };
  const b = { w: init.slice(), b: Float32Array.of(0.1, -0.2, 0.3) };
  const simd = new A(a, { lr: 1e-2, weightDecay: 0.01 });
  const plain = new A(b, { lr: 1e-2, weightDecay: 0.01, simd: false });
  assert.equal(simd.simd, true, 'WebAssembly SIMD should be available in Node 20');
  assert.equal(plain.simd, false, 'simd: false must select the TypeScript loop');
  for (let s = 0; s < 50; s++) {
    const gw = Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.37 + s));
    const gb = Float32Array.of(Math.sin(s), Math.cos(s), 0.5);
    simd.step({ w: gw, b: gb });
    plain.step({ w: gw, b: gb });
  }
  let maxDiff = 0;
  for (let i = 0; i < n; i++) maxDiff = Math.max(maxDiff, Math.abs(a.w[i]! - b.w[i]!));
  assert.ok(maxDiff < 1e-5, `SIMD and TypeScript AdamW differ by ${maxDiff}`);
  const st = simd.state();
  const again = new A({ w: a.w.slice(), b: a.b.slice() }, { lr: 1e-2, weightDecay: 0.01 });
  again.loadState(st);
  assert.deepEqual([...again.state().tensors['exp_avg/w']!.data as Float32Array], [...st.tensors['exp_avg/w']!.data as Float32Array], 'moments survive save/load through wasm memory');
});
