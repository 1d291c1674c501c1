/**
 * Finite-difference check of every op's gradient rule (see test/helpers/gradcheck.ts), plus
 * composite checks of the op combinations the networks use.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as G from '../../src/graph/ops.js';
import type { Tensor } from '../../src/graph/tensor.js';
import { grad } from '../../src/autodiff/grad.js';
import { gradCheck, randn, type InputSpec } from '../helpers/gradcheck.js';

/** Values away from kinks (|x| ≥ 0.1) so central differences do not straddle one. */
const awayFromZero = (n: number, r: () => number): Float32Array => randn(n, r).map((v) => (v >= 0 ? v + 0.1 : v - 0.1));
const positive = (n: number, r: () => number): Float32Array => randn(n, r).map((v) => Math.abs(v) + 0.5);

async function check(name: string, build: (ins: Tensor[]) => Tensor, specs: InputSpec[], tol = 0.02): Promise<void> {
  const res = await gradCheck((_g, ins) => build(ins), specs, { seed: name.length * 7919 + name.charCodeAt(0) });
  assert.ok(res.checks > 0, `${name}: nothing checked`);
  assert.ok(res.maxRelError < tol, `${name}: max relative error ${res.maxRelError.toExponential(3)}\n${res.details.join('\n')}`);
}

const x34 = (name = 'x', shape = [3, 4]): InputSpec => ({ name, shape });

export const opCases: Array<[string, (ins: Tensor[]) => Tensor, InputSpec[]]> = [
  // element-wise binary, with broadcasting in both directions
  ['Add (broadcast)', ([a, b]) => G.add(a!, b!), [x34('a', [2, 3, 4]), x34('b', [3, 1])]],
  ['Sub (broadcast)', ([a, b]) => G.sub(a!, b!), [x34('a', [4]), x34('b', [2, 3, 4])]],
  ['Mul (broadcast)', ([a, b]) => G.mul(a!, b!), [x34('a', [2, 1, 4]), x34('b', [3, 1])]],
  ['Div', ([a, b]) => G.div(a!, b!), [x34('a', [2, 3]), { name: 'b', shape: [2, 3], init: positive }]],
  ['Pow (tensor exponent)', ([a, b]) => G.pow(a!, b!), [{ name: 'a', shape: [2, 3], init: positive }, x34('b', [2, 3])]],
  ['Pow (scalar exponent)', ([a]) => G.pow(a!, 3), [x34('a', [2, 3])]],
  ['Max', ([a, b]) => G.maximum(a!, b!), [x34('a', [3, 4]), x34('b', [3, 4])]],
  ['Min', ([a, b]) => G.minimum(a!, b!), [x34('a', [3, 4]), x34('b', [1, 4])]],
  // element-wise unary
  ['Neg', ([a]) => G.neg(a!), [x34()]],
  ['Exp', ([a]) => G.exp(a!), [x34()]],
  ['Log', ([a]) => G.log(a!), [{ name: 'x', shape: [3, 4], init: positive }]],
  ['Sqrt', ([a]) => G.sqrt(a!), [{ name: 'x', shape: [3, 4], init: positive }]],
  ['Reciprocal', ([a]) => G.reciprocal(a!), [{ name: 'x', shape: [3, 4], init: positive }]],
  ['Abs', ([a]) => G.abs(a!), [{ name: 'x', shape: [3, 4], init: awayFromZero }]],
  ['Sign (zero gradient)', ([a, b]) => G.mul(G.sign(a!), b!), [{ name: 'x', shape: [3, 4], init: awayFromZero }, x34('b')]],
  ['Sin', ([a]) => G.sin(a!), [x34()]],
  ['Cos', ([a]) => G.cos(a!), [x34()]],
  ['Erf', ([a]) => G.erf(a!), [x34()]],
  ['Relu', ([a]) => G.relu(a!), [{ name: 'x', shape: [3, 4], init: awayFromZero }]],
  ['Sigmoid', ([a]) => G.sigmoid(a!), [x34()]],
  ['Tanh', ([a]) => G.tanh(a!), [x34()]],
  ['GELU', ([a]) => G.gelu(a!), [x34()]],
  ['SiLU', ([a]) => G.silu(a!), [x34()]],
  ['Mish', ([a]) => G.mish(a!), [x34()]],
  ['Softplus', ([a]) => G.softplus(a!), [x34()]],
  ['Identity', ([a]) => G.identity(a!), [x34()]],
  ['Softmax', ([a]) => G.softmax(a!, 1), [x34('x', [2, 5, 3])]],
  ['LogSoftmax', ([a]) => G.logSoftmax(a!, -1), [x34('x', [2, 5, 3])]],
  // reductions
  ['ReduceSum', ([a]) => G.reduceSum(a!, [0, 2]), [x34('x', [2, 3, 4])]],
  ['ReduceSum keepdims', ([a]) => G.reduceSum(a!, [1], true), [x34('x', [2, 3, 4])]],
  ['ReduceMean', ([a]) => G.reduceMean(a!, [1, 2]), [x34('x', [2, 3, 4])]],
  ['ReduceMax', ([a]) => G.reduceMax(a!, [2], true), [x34('x', [2, 3, 4])]],
  // matmul
  ['MatMul', ([a, b]) => G.matmul(a!, b!), [x34('a', [3, 4]), x34('b', [4, 5])]],
  ['MatMul batched broadcast', ([a, b]) => G.matmul(a!, b!), [x34('a', [2, 3, 4]), x34('b', [4, 2])]],
  // shape ops
  ['Reshape', ([a]) => G.mul(G.reshape(a!, [4, -1]), G.reshape(a!, [4, 6])), [x34('x', [2, 3, 4])]],
  ['Transpose', ([a]) => G.transpose(a!, [2, 0, 1]), [x34('x', [2, 3, 4])]],
  ['Concat', ([a, b]) => G.concat([a!, b!, a!], 1), [x34('a', [2, 3, 2]), x34('b', [2, 1, 2])]],
  ['Split', ([a]) => { const [p, q] = G.split(a!, [1, 3], 1); return G.mul(G.sum(p!), q!); }, [x34('x', [2, 4, 3])]],
  ['Slice', ([a]) => G.slice(a!, [1, 0], [3, -1], [1, 2]), [x34('x', [2, 4, 5])]],
  ['Slice (negative start)', ([a]) => G.slice(a!, [-2], [Infinity], [0]), [x34('x', [5, 3])]],
  ['Slice (step 2 from 1, and step 3)', ([a]) => G.slice(a!, [1, 0], [Infinity, 7], [0, 1], [2, 3]), [x34('x', [6, 8])]],
  ['Slice (step −2 from the end, step 1 on another axis)', ([a]) => G.slice(a!, [-1, 1], [-Infinity, 4], [1, 2], [-2, 1]), [x34('x', [2, 7, 5])]],
  ['Flip (a reversing slice; its own adjoint)', ([a, w]) => G.mul(G.flip(a!, [0, 2]), w!), [x34('x', [2, 3, 4]), x34('w', [2, 3, 4])]],
  ['Pad (zero)', ([a]) => G.pad(a!, [0, 1, 2, 0, 2, 1]), [x34('x', [2, 3, 4])]],
  ['Pad (reflect, 2-D with corners)', ([a]) => G.pad(a!, [0, 0, 2, 1, 0, 0, 1, 3], 'reflect'), [x34('x', [1, 2, 4, 5])]],
  ['Expand', ([a]) => G.expand(a!, [2, 3, 4]), [x34('x', [3, 1])]],
  ['Unsqueeze/Squeeze', ([a]) => G.mul(G.unsqueeze(a!, [0, 2]), G.squeeze(G.unsqueeze(a!, [1]), [1])), [x34('x', [3, 4])]],
  ['DepthToSpace (pixel shuffle)', ([a]) => G.pixelShuffle(a!, 2), [x34('x', [2, 8, 3, 2])]],
  ['SpaceToDepth', ([a]) => G.spaceToDepth(a!, 2), [x34('x', [2, 3, 4, 6])]],
  ['Conv1x1PixelShuffle', ([x, w]) => G.conv1x1PixelShuffle(x!, w!, 2), [x34('x', [2, 3, 3, 2]), x34('w', [8, 3, 1, 1])]],
  ['Upsample nearest ×2', ([a]) => G.upsampleNearest2x(a!), [x34('x', [2, 3, 2, 3])]],
  ['AveragePool 2×2', ([a]) => G.avgPool(a!, 2), [x34('x', [2, 3, 4, 6])]],
  ['AveragePool 2×2 on 5×7 (remainder dropped)', ([a]) => G.avgPool(a!, 2), [x34('x', [1, 2, 5, 7])]],
  ['GlobalAveragePool', ([a]) => G.globalAvgPool(a!), [x34('x', [2, 3, 4, 5])]],
  // two paths into x, one through the pool's broadcast gradient (the accumulation leaves the broadcast to the Add)
  ['x · GlobalAveragePool(x) (channel attention)', ([a]) => G.mul(a!, G.globalAvgPool(a!)), [x34('x', [2, 3, 4, 5])]],
  ['GlobalAveragePool(x) + x', ([a]) => G.add(G.globalAvgPool(a!), a!), [x34('x', [2, 3, 4, 5])]],
  ['Where', ([c, a, b]) => G.where(G.greater(c!, 0), a!, b!), [{ name: 'c', shape: [3, 4], noGrad: true }, x34('a', [3, 4]), x34('b', [4])]],
  ['Clip', ([a]) => G.clip(a!, -0.5, 0.7), [{ name: 'x', shape: [3, 4], init: (n, r) => randn(n, r).map((v) => (Math.abs(v + 0.5) < 0.05 || Math.abs(v - 0.7) < 0.05 ? v + 0.2 : v)) }]],
  ['Cast float→float', ([a]) => G.cast(G.cast(a!, 'float64'), 'float32'), [x34()]],
  ['Gather (rows, repeated)', ([t]) => G.gather(t!, t!.graph.constant(BigInt64Array.from([2n, 0n, 2n, 1n]), [4], 'int64'), 0), [x34('t', [3, 5])]],
  ['Gather (int32 indices, negative)', ([t]) => G.gather(t!, t!.graph.constant(Int32Array.from([-1, 0, 2]), [3], 'int32'), 0), [x34('t', [3, 5])]],
  ['Gather (axis 1, repeated)', ([t]) => G.gather(t!, t!.graph.constant(BigInt64Array.from([3n, 0n, 3n]), [3], 'int64'), 1), [x34('t', [2, 5, 3])]],
  ['Gather (axis 2, 2-D indices)', ([t]) => G.gather(t!, t!.graph.constant(BigInt64Array.from([1n, 0n, 1n, 2n]), [2, 2], 'int64'), 2), [x34('t', [2, 3, 4])]],
  // convolutions
  ['Conv 3×3', ([x, w, b]) => G.conv2d(x!, w!, b!), [x34('x', [2, 3, 6, 5]), x34('w', [4, 3, 3, 3]), x34('b', [4])]],
  ['Conv 1×1 no bias', ([x, w]) => G.conv2d(x!, w!, null), [x34('x', [2, 3, 4, 4]), x34('w', [5, 3, 1, 1])]],
  ['Conv 7×7', ([x, w]) => G.conv2d(x!, w!, null), [x34('x', [1, 2, 9, 8]), x34('w', [3, 2, 7, 7])]],
  ['Conv 4×4 stride 2 pad 1', ([x, w, b]) => G.conv2d(x!, w!, b!, { stride: 2, padding: 1 }), [x34('x', [2, 3, 8, 6]), x34('w', [4, 3, 4, 4]), x34('b', [4])]],
  ['Conv 2×2 stride 2 pad 0', ([x, w, b]) => G.conv2d(x!, w!, b!, { stride: 2, padding: 0 }), [x34('x', [2, 3, 6, 4]), x34('w', [6, 3, 2, 2]), x34('b', [6])]],
  ['Conv 3×3 stride 2 (odd size)', ([x, w]) => G.conv2d(x!, w!, null, { stride: 2, padding: 1 }), [x34('x', [1, 2, 7, 5]), x34('w', [3, 2, 3, 3])]],
  ['Conv 3×3 dilation 2', ([x, w]) => G.conv2d(x!, w!, null, { dilation: 2 }), [x34('x', [1, 2, 7, 7]), x34('w', [3, 2, 3, 3])]],
  // enough pixels that the weight gradient takes the row/column-split unfold (dY by rows against x by columns)
  ['Conv 3×3 (split weight gradient)', ([x, w, b]) => G.conv2d(x!, w!, b!), [x34('x', [2, 3, 12, 11]), x34('w', [4, 3, 3, 3]), x34('b', [4])]],
  ['Conv 3×5 split weight gradient, uneven padding', ([x, w]) => G.conv2d(x!, w!, null, { padding: [0, 1, 2, 3] }), [x34('x', [1, 4, 14, 13]), x34('w', [3, 4, 3, 5])]],
  ['Conv 3×3 split weight gradient, dilation 2', ([x, w]) => G.conv2d(x!, w!, null, { dilation: 2 }), [x34('x', [1, 2, 13, 12]), x34('w', [3, 2, 3, 3])]],
  // second order: the conv input gradient as a function of the weights (the flipped, transposed kernel's own rule)
  ['Conv 3×3 input gradient w.r.t. the weights', ([x, w, r]) => grad(G.sum(G.mul(G.conv2d(x!, w!, null), r!)), [x!])[0]!,
    [{ name: 'x', shape: [1, 3, 5, 6], noGrad: true }, x34('w', [4, 3, 3, 3]), { name: 'r', shape: [1, 4, 5, 6], noGrad: true }]],
  // fewer outputs than inputs: the weight gradient unfolds dY instead of x
  ['Conv 3×3 fewer outputs', ([x, w, b]) => G.conv2d(x!, w!, b!), [x34('x', [2, 5, 6, 5]), x34('w', [2, 5, 3, 3]), x34('b', [2])]],
  ['Conv 3×5 fewer outputs, uneven padding', ([x, w]) => G.conv2d(x!, w!, null, { padding: [0, 1, 2, 3] }), [x34('x', [1, 4, 5, 6]), x34('w', [3, 4, 3, 5])]],
  ['Conv 3×3 fewer outputs, dilation 2', ([x, w]) => G.conv2d(x!, w!, null, { dilation: 2, padding: 2 }), [x34('x', [1, 4, 7, 6]), x34('w', [2, 4, 3, 3])]],
  ['Conv 1×1 fewer outputs, padding 2', ([x, w]) => G.conv2d(x!, w!, null, { padding: 2 }), [x34('x', [1, 3, 4, 4]), x34('w', [2, 3, 1, 1])]],
  ['Conv depthwise 3×3', ([x, w, b]) => G.conv2d(x!, w!, b!, { groups: 4 }), [x34('x', [2, 4, 5, 6]), x34('w', [4, 1, 3, 3]), x34('b', [4])]],
  ['Conv depthwise 3×3 dilation 2', ([x, w]) => G.conv2d(x!, w!, null, { groups: 3, dilation: 2 }), [x34('x', [2, 3, 7, 6]), x34('w', [3, 1, 3, 3])]],
  ['Conv depthwise 3×5 uneven padding', ([x, w]) => G.conv2d(x!, w!, null, { groups: 2, padding: [0, 1, 2, 3] }), [x34('x', [1, 2, 5, 6]), x34('w', [2, 1, 3, 5])]],
  ['Conv grouped (2 groups)', ([x, w]) => G.conv2d(x!, w!, null, { groups: 2 }), [x34('x', [1, 4, 5, 5]), x34('w', [6, 2, 3, 3])]],
  ['Conv padding wider than kernel', ([x, w]) => G.conv2d(x!, w!, null, { padding: 2 }), [x34('x', [1, 2, 4, 4]), x34('w', [2, 2, 1, 1])]],
  // normalisation
  ['ChannelLayerNorm (weight only)', ([x, g]) => G.channelLayerNorm(x!, g!, null), [x34('x', [2, 5, 3, 4]), x34('g', [1, 5, 1, 1])]],
  ['ChannelLayerNorm (weight+bias)', ([x, g, b]) => G.channelLayerNorm(x!, g!, b!), [x34('x', [2, 5, 3, 4]), x34('g', [1, 5, 1, 1]), x34('b', [1, 5, 1, 1])]],
  ['ChannelNormModulate (per-batch k, shift)', ([x, k, b]) => G.channelNormModulate(x!, k!, b!), [x34('x', [2, 5, 3, 4]), x34('k', [2, 5, 1, 1]), x34('b', [2, 5, 1, 1])]],
  ['ChannelNormModulate (shared k)', ([x, k]) => G.channelNormModulate(x!, k!, null), [x34('x', [2, 5, 3, 4]), x34('k', [1, 5, 1, 1])]],
  ['GroupNorm', ([x, g, b]) => G.groupNorm(x!, 2, g!, b!), [x34('x', [2, 4, 3, 3]), x34('g', [4]), x34('b', [4])]],
];

for (const [name, build, specs] of opCases) {
  test(`gradient: ${name}`, () => check(name, build, specs));
}

test('gradients at the points where the formula alone breaks down: Max/Min ties split g, x^0 and p-gradients at x = 0, empty and negative-step slices', async () => {
  const { Graph } = await import('../../src/graph/tensor.js');
  const { Program } = await import('../../src/runtime/program.js');
  const { getBackend } = await import('../../src/runtime/backend.js');
  const g = new Graph();
  const a = g.input('a', [3]), b = g.input('b', [3]), p = g.input('p', [3]);
  const [mxa, mxb] = grad(G.sum(G.maximum(a, b)), [a, b]);
  const [mna] = grad(G.sum(G.minimum(a, b)), [a]);
  const [p0] = grad(G.sum(G.pow(a, 0)), [a]);
  const [dx, dp] = grad(G.sum(G.pow(a, p)), [a, p]);
  const [empty] = grad(G.sum(G.slice(a, [2], [1], [0])), [a]);
  const back = G.slice(a, [-10], [-Infinity], [0], [-1]); // ONNX clamps the start to 0: one element
  assert.deepEqual(back.shape, [1]);
  const [dback] = grad(G.sum(G.mul(back, 3)), [a]);
  const prog = await Program.compile(await getBackend('node'), g, { mxa: mxa!, mxb: mxb!, mna: mna!, p0: p0!, dx: dx!, dp: dp!, empty: empty!, back, dback: dback! });
  const r = await prog.run({ a: Float32Array.of(0, 2, 1), b: Float32Array.of(0, 1, 3), p: Float32Array.of(2, 0, 1) });
  const v = (k: string) => Array.from(r[k]!.data as Float32Array);
  assert.deepEqual(v('mxa'), [0.5, 1, 0]);
  assert.deepEqual(v('mxb'), [0.5, 0, 1]);
  assert.deepEqual(v('mna'), [0.5, 0, 1]);
  assert.deepEqual(v('p0'), [0, 0, 0]); // d/dx x⁰ = 0, also at x = 0
  assert.deepEqual(v('dx'), [0, 0, 1]); // 2·0¹, 0·2⁻¹, 1·1⁰
  assert.deepEqual(v('dp').map((x) => Math.round(x * 1e6) / 1e6), [0, Math.round(Math.log(2) * 1e6) / 1e6, 0]); // 0²·log 0 → 0
  assert.deepEqual(v('empty'), [0, 0, 0]);
  assert.deepEqual(v('back'), [0]);
  assert.deepEqual(v('dback'), [3, 0, 0]);
  await prog.release();
});

test('ops refuse malformed arguments at build time', async () => {
  const { Graph } = await import('../../src/graph/tensor.js');
  const g = new Graph();
  const x = g.input('x', [4, 6]);
  assert.throws(() => G.slice(x, [0], [2], [0], [0]), /Slice: steps must be non-zero integers/);
  assert.throws(() => G.slice(x, [0, 1], [2], [0]), /one entry per axis/);
  assert.throws(() => G.split(x, [8, -2], 1), /Split: sizes must be non-negative integers/);
  assert.throws(() => G.concat([], 0), /Concat: needs at least one tensor/);
  // a fixed end on a size known only at run time may clip: the result size stays symbolic
  assert.equal(typeof G.slice(g.input('n', ['N']), [0], [5], [0]).shape[0], 'string');
  assert.throws(() => G.upsampleNearest2x(x), /UpsampleNearest2: expected an NCHW input, got \[4,6\]/);
  assert.throws(() => G.globalAvgPool(x), /GlobalAveragePool: expected an NCHW input/);
  assert.throws(() => G.channelLayerNorm(g.input('s', [1, 'C', 4, 4]), g.param('lw', [1, 4, 1, 1]), null), /channel count must be static/);
  assert.throws(() => grad(G.sum(G.mul(x, x)), [x], { seed: g.input('seed', [3]) }), /seed gradient \[3\] must have the output's shape/);
  assert.throws(() => grad(G.sum(G.mul(x, x)), [g.input('i', [2], 'int64')]), /cannot differentiate with respect to "i" \(position 0\) of dtype int64/);
});

test('numbers combined with integer or bool tensors: integers lift, fractions and bools are refused in one line', async () => {
  const { Graph } = await import('../../src/graph/tensor.js');
  const g = new Graph();
  const i = g.input('i', [2], 'int64');
  assert.equal(G.add(i, 3).dtype, 'int64');
  assert.throws(() => G.add(i, 0.5), /the number 0\.5 is not an integer, but the other operand is int64/);
  assert.throws(() => G.equal(g.input('b', [2], 'bool'), 1), /cannot be combined with a bool tensor/);
});
