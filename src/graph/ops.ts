/**
 * The op set. Each op is defined once: shape rule, ONNX emission, gradient rule (VJP), followed by the
 * function users call. Gradients are written with the same functions, so the backward graph is an ordinary
 * graph. Gradient formulations follow the measurements in ENGINE.md (im2col weight gradients by Slices +
 * MatMul, input gradients by a Conv with the flipped kernel, never ConvTranspose for weights).
 */
import { defineOp, type OpDef, type OutputSpec } from './op.js';
import { type Dim, type DType, type Node, type Shape, Tensor, isStatic, numel } from './tensor.js';
import { NCHWC_DOMAIN, attr, type AttrValue, type Emitter } from './emitter.js';
import { ShapeError, broadcastShapes, convOutDim, divDim, mulDim, normAxis, sameShape } from './shape.js';

export type TensorLike = Tensor | number;

// ---------------------------------------------------------------------------------------------------------
// helpers

function emitAs(onnxType: string, attrs?: (a: any, node: Node) => Record<string, AttrValue>) {
  return (e: Emitter, node: Node): void => {
    const outs = e.op(onnxType, node.inputs.map((x) => e.name(x)), node.outputs.length, attrs ? attrs(node.attrs, node) : {});
    node.outputs.forEach((t, i) => e.bind(t, outs[i]!));
  };
}

function one(op: OpDef<any>, inputs: readonly Tensor[], attrs: unknown = {}): Tensor {
  return inputs[0]!.graph.apply(op, inputs, attrs)[0]!;
}

function lift(x: TensorLike, like: Tensor): Tensor {
  if (typeof x !== 'number') return x;
  if (like.dtype === 'bool') throw new ShapeError(`a number (${x}) cannot be combined with a bool tensor; compare or cast first`);
  if ((like.dtype === 'int64' || like.dtype === 'int32' || like.dtype === 'uint8') && !Number.isInteger(x)) {
    throw new ShapeError(`the number ${x} is not an integer, but the other operand is ${like.dtype}; cast the tensor to float first`);
  }
  return like.graph.scalar(x, like.dtype);
}

function pair(a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  if (typeof a === 'number' && typeof b === 'number') throw new Error('binary op on two numbers: compute it in TypeScript');
  const ref = (typeof a === 'number' ? b : a) as Tensor;
  return [lift(a, ref), lift(b, ref)];
}

/** Sum a broadcast gradient back down to `shape` (the inverse of broadcasting). */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  let out = g;
  if (lead > 0) out = reduceSum(out, Array.from({ length: lead }, (_, i) => i), false);
  const axes: number[] = [];
  shape.forEach((d, i) => { if (d === 1 && out.shape[i] !== 1) axes.push(i); });
  if (axes.length) out = reduceSum(out, axes, true);
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// element-wise binary ops (NumPy broadcasting)

function binaryOp(name: string, vjp: OpDef['vjp'], outDtype?: DType): OpDef<{}> {
  return defineOp<{}>({
    name,
    infer: ([a, b]) => {
      if (a!.dtype !== b!.dtype) throw new ShapeError(`${name}: inputs differ in dtype (${a!.dtype} and ${b!.dtype}); cast one first`);
      return [{ dtype: outDtype ?? a!.dtype, shape: broadcastShapes(a!.shape, b!.shape, name) }];
    },
    emit: name === 'Add' || name === 'Mul' ? (e, n) => { if (!emitBlockedBinary(e, n, name)) emitAs(name)(e, n); } : emitAs(name),
    vjp,
  });
}

/**
 * Add/Mul of two same-shape NCHW tensors in the blocked layout (inference graphs, Emitter.nchwcInference): on the
 * blocked twins, so neither needs a ReorderOutput. An Add of a blocked conv's output that nothing else reads is
 * fused into that conv (the blocked kernel's "Sum" input, accumulated as it writes), as onnxruntime's own NCHWc
 * pass does for constant-weight convs.
 */
function emitBlockedBinary(e: Emitter, n: Node, name: 'Add' | 'Mul'): boolean {
  if (!e.nchwcInference) return false;
  const [a, b] = n.inputs as [Tensor, Tensor];
  // Equal shapes, symbolic dims included (the same symbol is the same size at run time).
  if (a.rank !== 4 || a.dtype !== 'float32' || typeof a.shape[1] !== 'number' || !sameShape(a.shape, b.shape)) return false;
  const channels = a.shape[1] as number;
  const [ta, tb] = [e.blockedName(e.name(a)), e.blockedName(e.name(b))];
  if (name === 'Add') {
    for (const [conv, other, twin] of [[a, b, ta], [b, a, tb]] as const) {
      // Not into a conv that already has an activation: the kernel adds the Sum before activating.
      const node = twin && e.readers.get(conv.id) === 1 && conv !== other ? unfusedBlockedConv(e, twin) : undefined;
      if (!node || node.input!.length > 3) continue;
      const [xi, wi, bi] = node.input!;
      e.rewire(node, [xi!, wi!, bi ?? '', e.blockedInput(e.name(other))]);
      e.bind(n.outputs[0]!, e.nchwOutput(twin!, channels));
      return true;
    }
  }
  if (!ta || !tb) return false;
  e.bind(n.outputs[0]!, e.nchwOutput(e.op1(name, [ta, tb]), channels));
  return true;
}

const AddOp = binaryOp('Add', (n, [g]) => [sumToShape(g!, n.inputs[0]!.shape), sumToShape(g!, n.inputs[1]!.shape)]);
const SubOp = binaryOp('Sub', (n, [g]) => [sumToShape(g!, n.inputs[0]!.shape), sumToShape(neg(g!), n.inputs[1]!.shape)]);
const MulOp = binaryOp('Mul', (n, [g]) => {
  const [a, b] = n.inputs as [Tensor, Tensor];
  return [isConst(a) ? null : sumToShape(mul(g!, b), a.shape), isConst(b) ? null : sumToShape(mul(g!, a), b.shape)];
});
const DivOp = binaryOp('Div', (n, [g]) => {
  const [a, b] = n.inputs as [Tensor, Tensor];
  const y = n.outputs[0]!;
  return [sumToShape(div(g!, b), a.shape), isConst(b) ? null : sumToShape(neg(div(mul(g!, y), b)), b.shape)];
});
const PowOp = binaryOp('Pow', (n, [g]) => {
  const [x, p] = n.inputs as [Tensor, Tensor];
  const y = n.outputs[0]!;
  // p·x^(p−1) is 0·0^(−1) = NaN at x = 0 for p = 0, and y·log x is 0·(−∞) at x = 0: both are 0 there (PyTorch).
  const slope = mul(p, pow(x, sub(p, 1)));
  const pNeverZero = isConst(p) && Array.from(p.constValue as ArrayLike<number | bigint>).every((v) => Number(v) !== 0);
  const dx = sumToShape(mul(g!, pNeverZero ? slope : where(equal(p, 0), 0, slope)), x.shape);
  const dp = isConst(p) ? null : sumToShape(mul(g!, where(equal(x, 0), 0, mul(y, log(x)))), p.shape);
  return [dx, dp];
});
/** Max/Min gradient: all of g to the winner; on a tie half to each (as PyTorch's maximum/minimum). */
function extremumGrad(n: Node, g: Tensor, aWins: (a: Tensor, b: Tensor) => Tensor): Tensor[] {
  const [a, b] = n.inputs as [Tensor, Tensor];
  const wins = aWins(a, b), tie = equal(a, b);
  const half = mul(g, 0.5);
  return [sumToShape(where(wins, g, where(tie, half, 0)), a.shape), sumToShape(where(wins, 0, where(tie, half, g)), b.shape)];
}
const MaxOp = binaryOp('Max', (n, [g]) => extremumGrad(n, g!, greater));
const MinOp = binaryOp('Min', (n, [g]) => extremumGrad(n, g!, less));
const GreaterOp = binaryOp('Greater', undefined, 'bool');
const LessOp = binaryOp('Less', undefined, 'bool');
const EqualOp = binaryOp('Equal', undefined, 'bool');
const GreaterOrEqualOp = binaryOp('GreaterOrEqual', undefined, 'bool');
const LessOrEqualOp = binaryOp('LessOrEqual', undefined, 'bool');
const AndOp = binaryOp('And', undefined, 'bool');

function isConst(t: Tensor): boolean { return t.kind === 'const'; }

export const add = (a: TensorLike, b: TensorLike): Tensor => one(AddOp, pair(a, b));
export const sub = (a: TensorLike, b: TensorLike): Tensor => one(SubOp, pair(a, b));
export const mul = (a: TensorLike, b: TensorLike): Tensor => one(MulOp, pair(a, b));
export const div = (a: TensorLike, b: TensorLike): Tensor => one(DivOp, pair(a, b));
export const pow = (a: TensorLike, b: TensorLike): Tensor => one(PowOp, pair(a, b));
export const maximum = (a: TensorLike, b: TensorLike): Tensor => one(MaxOp, pair(a, b));
export const minimum = (a: TensorLike, b: TensorLike): Tensor => one(MinOp, pair(a, b));
export const greater = (a: TensorLike, b: TensorLike): Tensor => one(GreaterOp, pair(a, b));
export const less = (a: TensorLike, b: TensorLike): Tensor => one(LessOp, pair(a, b));
export const equal = (a: TensorLike, b: TensorLike): Tensor => one(EqualOp, pair(a, b));
export const greaterOrEqual = (a: TensorLike, b: TensorLike): Tensor => one(GreaterOrEqualOp, pair(a, b));
export const lessOrEqual = (a: TensorLike, b: TensorLike): Tensor => one(LessOrEqualOp, pair(a, b));
export const and = (a: Tensor, b: Tensor): Tensor => one(AndOp, [a, b]);

// ---------------------------------------------------------------------------------------------------------
// element-wise unary ops; `d` gives the gradient from (x, y, g)

/** The blocked conv that produced `twin`, if it has no activation yet (so a Sum or an activation can still go in). */
function unfusedBlockedConv(e: Emitter, twin: string): ReturnType<Emitter['producerOf']> {
  const node = e.producerOf(twin);
  return node?.domain === NCHWC_DOMAIN && node.opType === 'Conv' && !node.attribute?.some((a) => a.name === 'activation') ? node : undefined;
}

/** Activations that run on a blocked tensor as they are (inference graphs, like onnxruntime's NCHWc pass). */
const BLOCKED_ACTIVATIONS = new Set(['Relu', 'Sigmoid', 'Tanh', 'Silu']);

/** An activation of a tensor that has a blocked twin, computed on the twin (inference graphs). */
function emitBlockedActivation(e: Emitter, n: Node, build: (x: string) => string): boolean {
  const x = n.inputs[0]!;
  const twin = e.nchwcInference && x.rank === 4 && typeof x.shape[1] === 'number' ? e.blockedName(e.name(x)) : undefined;
  if (!twin) return false;
  // A ReLU of a blocked conv that nothing else reads runs inside the conv (its "activation"), as onnxruntime fuses
  // constant-weight convs.
  const conv = n.op.name === 'Relu' && e.readers.get(x.id) === 1 ? unfusedBlockedConv(e, twin) : undefined;
  if (conv) {
    e.rewire(conv, conv.input!, { activation: attr.s('Relu') });
    e.bind(n.outputs[0]!, e.nchwOutput(twin, x.shape[1] as number));
    return true;
  }
  e.bind(n.outputs[0]!, e.nchwOutput(build(twin), x.shape[1] as number));
  return true;
}

function unaryOp(name: string, d: ((x: Tensor, y: Tensor, g: Tensor) => Tensor | null) | null, emit?: OpDef['emit']): OpDef<{}> {
  const portable = emit ?? emitAs(name);
  return defineOp<{}>({
    name,
    infer: ([x]) => [{ dtype: x!.dtype, shape: x!.shape }],
    emit: BLOCKED_ACTIVATIONS.has(name)
      ? (e, n) => { if (!emitBlockedActivation(e, n, (x) => (name === 'Silu' ? e.op1('Mul', [x, e.op1('Sigmoid', [x])]) : e.op1(name, [x])))) portable(e, n); }
      : portable,
    vjp: d ? (n, [g]) => [d(n.inputs[0]!, n.outputs[0]!, g!)] : undefined,
  });
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

const NegOp = unaryOp('Neg', (_x, _y, g) => neg(g));
const ExpOp = unaryOp('Exp', (_x, y, g) => mul(g, y));
const LogOp = unaryOp('Log', (x, _y, g) => div(g, x));
const SqrtOp = unaryOp('Sqrt', (_x, y, g) => div(mul(g, 0.5), y));
const ReciprocalOp = unaryOp('Reciprocal', (_x, y, g) => neg(mul(g, mul(y, y))));
/**
 * sign(t) for the gradients of |x| (lo = −1) and ReLU (lo = 0, t = the output): clip(t·2¹²⁶, lo, 1) is the same ±1 or 0
 * for every normal float (a denormal gives a fraction of its sign) in two vectorised passes. onnxruntime's `Sign` is
 * scalar (~3 ns per element) and `Where` ~2 ns: NAFNet block training step −4 ms (w32) / −6 ms (w64) with an L1 loss,
 * 2× conv3×3 step −2 to −3 ms with the ReLU (paired, identical gradients).
 */
const gradSign = (t: Tensor, lo: -1 | 0): Tensor => clip(mul(t, 2 ** 126), lo, 1);
const AbsOp = unaryOp('Abs', (x, _y, g) => mul(g, gradSign(x, -1)));
const SignOp = unaryOp('Sign', () => null); // zero almost everywhere
const FloorOp = unaryOp('Floor', () => null); // zero almost everywhere
const SinOp = unaryOp('Sin', (x, _y, g) => mul(g, cos(x)));
const CosOp = unaryOp('Cos', (x, _y, g) => neg(mul(g, sin(x))));
const ErfOp = unaryOp('Erf', (x, _y, g) => mul(g, mul(exp(neg(mul(x, x))), 2 / Math.sqrt(Math.PI))));
const ReluOp = unaryOp('Relu', (_x, y, g) => mul(g, gradSign(y, 0)));
const SigmoidOp = unaryOp('Sigmoid', (_x, y, g) => mul(g, mul(y, sub(1, y))));
const TanhOp = unaryOp('Tanh', (_x, y, g) => mul(g, sub(1, mul(y, y))));
const SoftplusOp = unaryOp('Softplus', (x, _y, g) => mul(g, sigmoid(x)));
const IdentityOp = unaryOp('Identity', (_x, _y, g) => g);
/** GELU with the exact erf form; emitted as the erf pattern that ORT fuses into one Gelu kernel. */
const GeluOp = unaryOp('Gelu',
  (x, _y, g) => mul(g, add(mul(add(erf(mul(x, Math.SQRT1_2)), 1), 0.5), mul(x, mul(exp(mul(mul(x, x), -0.5)), INV_SQRT_2PI)))),
  (e, n) => {
    const x = e.name(n.inputs[0]!), dt = n.inputs[0]!.dtype;
    const t = e.op1('Erf', [e.op1('Mul', [x, e.floatScalar(Math.SQRT1_2, dt)])]);
    const y = e.op1('Mul', [e.op1('Mul', [x, e.op1('Add', [t, e.floatScalar(1, dt)])]), e.floatScalar(0.5, dt)]);
    e.bind(n.outputs[0]!, y);
  });
/** SiLU x·σ(x): one op so its gradient σ(x)(1 + x(1 − σ(x))) reuses σ(x) instead of differentiating a Mul. */
const SiluOp = unaryOp('Silu',
  (x, _y, g) => { const s = sigmoid(x); return mul(g, mul(s, add(1, mul(x, sub(1, s))))); },
  (e, n) => { const x = e.name(n.inputs[0]!); e.bind(n.outputs[0]!, e.op1('Mul', [x, e.op1('Sigmoid', [x])])); });

export const neg = (x: Tensor): Tensor => one(NegOp, [x]);
export const exp = (x: Tensor): Tensor => one(ExpOp, [x]);
export const log = (x: Tensor): Tensor => one(LogOp, [x]);
export const sqrt = (x: Tensor): Tensor => one(SqrtOp, [x]);
export const reciprocal = (x: Tensor): Tensor => one(ReciprocalOp, [x]);
export const abs = (x: Tensor): Tensor => one(AbsOp, [x]);
export const sign = (x: Tensor): Tensor => one(SignOp, [x]);
export const floor = (x: Tensor): Tensor => one(FloorOp, [x]);
export const sin = (x: Tensor): Tensor => one(SinOp, [x]);
export const cos = (x: Tensor): Tensor => one(CosOp, [x]);
export const erf = (x: Tensor): Tensor => one(ErfOp, [x]);
export const relu = (x: Tensor): Tensor => one(ReluOp, [x]);
export const sigmoid = (x: Tensor): Tensor => one(SigmoidOp, [x]);
export const tanh = (x: Tensor): Tensor => one(TanhOp, [x]);
export const softplus = (x: Tensor): Tensor => one(SoftplusOp, [x]);
export const identity = (x: Tensor): Tensor => one(IdentityOp, [x]);
export const gelu = (x: Tensor): Tensor => one(GeluOp, [x]);
export const silu = (x: Tensor): Tensor => one(SiluOp, [x]);
/** Mish x·tanh(softplus(x)), composed (its gradient follows from the parts). */
export const mish = (x: Tensor): Tensor => mul(x, tanh(softplus(x)));
export const square = (x: Tensor): Tensor => mul(x, x);
void SQRT_2_OVER_PI;

// ---------------------------------------------------------------------------------------------------------
// Where, Clip, Cast

const WhereOp = defineOp<{}>({
  name: 'Where',
  infer: ([c, a, b]) => {
    if (c!.dtype !== 'bool') throw new ShapeError(`Where: the condition must be bool, got ${c!.dtype} (compare first, e.g. greater(x, 0))`);
    if (a!.dtype !== b!.dtype) throw new ShapeError(`Where: the branches differ in dtype (${a!.dtype} and ${b!.dtype})`);
    return [{ dtype: a!.dtype, shape: broadcastShapes(broadcastShapes(c!.shape, a!.shape), b!.shape, 'Where') }];
  },
  emit: emitAs('Where'),
  vjp: (n, [g]) => {
    const [c, a, b] = n.inputs as [Tensor, Tensor, Tensor];
    return [null, isConst(a) ? null : sumToShape(where(c, g!, 0), a.shape), isConst(b) ? null : sumToShape(where(c, 0, g!), b.shape)];
  },
});
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const ref = typeof a === 'number' ? (typeof b === 'number' ? null : b) : a;
  const like = ref ?? cond;
  const dt: DType = ref ? ref.dtype : 'float32';
  const ta = typeof a === 'number' ? like.graph.scalar(a, dt) : a;
  const tb = typeof b === 'number' ? like.graph.scalar(b, dt) : b;
  return one(WhereOp, [cond, ta, tb]);
}

interface ClipAttrs { min: number; max: number }
const ClipOp = defineOp<ClipAttrs>({
  name: 'Clip',
  infer: ([x]) => [{ dtype: x!.dtype, shape: x!.shape }],
  emit: (e, n) => {
    const dt = n.inputs[0]!.dtype;
    e.bind(n.outputs[0]!, e.op1('Clip', [e.name(n.inputs[0]!), e.floatScalar(n.attrs.min, dt), e.floatScalar(n.attrs.max, dt)]));
  },
  vjp: (n, [g]) => {
    const x = n.inputs[0]!;
    return [where(and(greaterOrEqual(x, n.attrs.min), lessOrEqual(x, n.attrs.max)), g!, 0)];
  },
});
export const clip = (x: Tensor, min: number, max: number): Tensor => one(ClipOp, [x], { min, max });

const onnxTo: Record<DType, number> = { float32: 1, uint8: 2, int32: 6, int64: 7, bool: 9, float16: 10, float64: 11 };
const floatTypes = new Set<DType>(['float32', 'float16', 'float64']);
const CastOp = defineOp<{ to: DType }>({
  name: 'Cast',
  infer: ([x], a) => [{ dtype: a.to, shape: x!.shape }],
  emit: emitAs('Cast', (a) => ({ to: attr.i(onnxTo[a.to as DType]) })),
  vjp: (n, [g]) => [floatTypes.has(n.inputs[0]!.dtype) && floatTypes.has(n.attrs.to) ? cast(g!, n.inputs[0]!.dtype) : null],
});
export const cast = (x: Tensor, to: DType): Tensor => (x.dtype === to ? x : one(CastOp, [x], { to }));

// ---------------------------------------------------------------------------------------------------------
// reductions

interface ReduceAttrs { axes: number[]; keepdims: boolean }

function reducedShape(s: Shape, axes: number[], keep: boolean): Dim[] {
  const out: Dim[] = [];
  s.forEach((d, i) => { if (!axes.includes(i)) out.push(d); else if (keep) out.push(1); });
  return out;
}

function normAxes(axes: number[], rank: number, op: string): number[] {
  return [...new Set(axes.map((a) => normAxis(a, rank, op)))].sort((a, b) => a - b);
}

/** Put the reduced axes back (as 1s) so a reduced gradient broadcasts against the input. */
function keepDims(g: Tensor, axes: number[], keep: boolean): Tensor {
  return keep ? g : unsqueeze(g, axes);
}

/** A reduction over axis 1 alone (the channels of NCHW) of a float32 tensor with a known channel count. */
function overChannels(x: Tensor, axes: readonly number[]): boolean {
  return axes.length === 1 && axes[0] === 1 && x.rank >= 3 && x.dtype === 'float32' && typeof x.shape[1] === 'number';
}

/**
 * Sum or mean over axis 1 as a matrix product w[1, C] × x[B, C, N] (w = 1 or 1/C). ORT's ReduceMean over the
 * channel axis of NCHW is slow at batch 1: 28 ms of a 160 ms ConditionalNAFNet w32 forward at 256²; as MatMul
 * (MLAS's row-vector kernel, reading each plane once) 6 ms, and the whole forward −20 ms (w24 at 512²: −58 ms),
 * paired; training steps at batch 4 ±3 ms. `outShape` is the reduced shape with or without the kept axis.
 */
function emitChannelReduce(e: Emitter, xName: string, xShape: Shape, outShape: Shape, kind: 'sum' | 'mean', dtype: DType = 'float32'): string {
  const c = xShape[1] as number;
  const w = e.floatConst([1, c], new (dtype === 'float64' ? Float64Array : Float32Array)(c).fill(kind === 'mean' ? 1 / c : 1));
  const r = e.op1('MatMul', [w, e.op1('Reshape', [xName, e.ints([0, c, -1])])]); // [B, 1, N]
  return e.op1('Reshape', [r, e.shapeTensor(outShape)]);
}

const ReduceSumOp = defineOp<ReduceAttrs>({
  name: 'ReduceSum',
  infer: ([x], a) => [{ dtype: x!.dtype, shape: reducedShape(x!.shape, a.axes, a.keepdims) }],
  // opset 13+: axes are an input for ReduceSum.
  emit: (e, n) => {
    const [x, y] = [n.inputs[0]!, n.outputs[0]!];
    e.bind(y, overChannels(x, n.attrs.axes)
      ? emitChannelReduce(e, e.name(x), x.shape, y.shape, 'sum', x.dtype)
      : e.op1('ReduceSum', [e.name(x), e.ints(n.attrs.axes)], { keepdims: attr.i(n.attrs.keepdims ? 1 : 0) }));
  },
  vjp: (n, [g]) => [expandAs(keepDims(g!, n.attrs.axes, n.attrs.keepdims), n.inputs[0]!)],
});
const ReduceMeanOp = defineOp<ReduceAttrs>({
  name: 'ReduceMean',
  infer: ([x], a) => [{ dtype: x!.dtype, shape: reducedShape(x!.shape, a.axes, a.keepdims) }],
  emit: (e, n) => {
    const [x, y] = [n.inputs[0]!, n.outputs[0]!];
    e.bind(y, overChannels(x, n.attrs.axes)
      ? emitChannelReduce(e, e.name(x), x.shape, y.shape, 'mean', x.dtype)
      : e.op1('ReduceMean', [e.name(x)], { axes: attr.ints(n.attrs.axes), keepdims: attr.i(n.attrs.keepdims ? 1 : 0) }));
  },
  vjp: (n, [g]) => {
    const x = n.inputs[0]!;
    return [expandAs(div(keepDims(g!, n.attrs.axes, n.attrs.keepdims), countOf(x, n.attrs.axes)), x)];
  },
});
const ReduceMaxOp = defineOp<ReduceAttrs>({
  name: 'ReduceMax',
  infer: ([x], a) => [{ dtype: x!.dtype, shape: reducedShape(x!.shape, a.axes, a.keepdims) }],
  emit: emitAs('ReduceMax', (a) => ({ axes: attr.ints(a.axes), keepdims: attr.i(a.keepdims ? 1 : 0) })),
  vjp: (n, [g]) => {
    // Ties share the gradient equally (like PyTorch's amax).
    const x = n.inputs[0]!;
    const y = keepDims(n.outputs[0]!, n.attrs.axes, n.attrs.keepdims);
    const mask = cast(equal(x, y), x.dtype);
    const count = reduceSum(mask, n.attrs.axes, true);
    return [mul(mask, div(keepDims(g!, n.attrs.axes, n.attrs.keepdims), count))];
  },
});

export const reduceSum = (x: Tensor, axes: number[], keepdims = false): Tensor => one(ReduceSumOp, [x], { axes: normAxes(axes, x.rank, 'ReduceSum'), keepdims });
export const reduceMean = (x: Tensor, axes: number[], keepdims = false): Tensor => one(ReduceMeanOp, [x], { axes: normAxes(axes, x.rank, 'ReduceMean'), keepdims });
export const reduceMax = (x: Tensor, axes: number[], keepdims = false): Tensor => one(ReduceMaxOp, [x], { axes: normAxes(axes, x.rank, 'ReduceMax'), keepdims });
const allAxes = (x: Tensor): number[] => Array.from({ length: x.rank }, (_, i) => i);
export const sum = (x: Tensor): Tensor => reduceSum(x, allAxes(x));
export const mean = (x: Tensor): Tensor => reduceMean(x, allAxes(x));

/** Number of elements over `axes` as a scalar of x's dtype; read at run time when a dim is symbolic. */
export function countOf(x: Tensor, axes: number[]): TensorLike {
  const dims = axes.map((a) => x.shape[a]!);
  if (dims.every((d) => typeof d === 'number')) return (dims as number[]).reduce((p, d) => p * d, 1);
  return one(CountOp, [x], { axes });
}
const CountOp = defineOp<{ axes: number[] }>({
  name: 'Count',
  infer: ([x]) => [{ dtype: x!.dtype, shape: [] }],
  emit: (e, n) => {
    const x = n.inputs[0]!;
    const dims = e.op1('Gather', [e.op1('Shape', [e.name(x)]), e.ints(n.attrs.axes)], { axis: attr.i(0) });
    const prod = e.op1('ReduceProd', [dims], { keepdims: attr.i(0) });
    e.bind(n.outputs[0]!, e.op1('Cast', [prod], { to: attr.i(onnxTo[x.dtype]) }));
  },
  vjp: () => [null], // depends on x's shape only
});

// ---------------------------------------------------------------------------------------------------------
// Softmax / LogSoftmax (opset 13+: along one axis)

const SoftmaxOp = defineOp<{ axis: number }>({
  name: 'Softmax',
  infer: ([x]) => [{ dtype: x!.dtype, shape: x!.shape }],
  emit: emitAs('Softmax', (a) => ({ axis: attr.i(a.axis) })),
  vjp: (n, [g]) => {
    const y = n.outputs[0]!;
    return [mul(y, sub(g!, reduceSum(mul(g!, y), [n.attrs.axis], true)))];
  },
});
const LogSoftmaxOp = defineOp<{ axis: number }>({
  name: 'LogSoftmax',
  infer: ([x]) => [{ dtype: x!.dtype, shape: x!.shape }],
  emit: emitAs('LogSoftmax', (a) => ({ axis: attr.i(a.axis) })),
  vjp: (n, [g]) => [sub(g!, mul(exp(n.outputs[0]!), reduceSum(g!, [n.attrs.axis], true)))],
});
export const softmax = (x: Tensor, axis = -1): Tensor => one(SoftmaxOp, [x], { axis: normAxis(axis, x.rank, 'Softmax') });
export const logSoftmax = (x: Tensor, axis = -1): Tensor => one(LogSoftmaxOp, [x], { axis: normAxis(axis, x.rank, 'LogSoftmax') });

// ---------------------------------------------------------------------------------------------------------
// MatMul (batched, NumPy broadcasting of batch dims)

const MatMulOp = defineOp<{}>({
  name: 'MatMul',
  infer: ([a, b]) => {
    if (a!.rank < 2 || b!.rank < 2) throw new ShapeError('MatMul: inputs must have rank ≥ 2 (reshape vectors first)');
    const k1 = a!.shape[a!.rank - 1]!, k2 = b!.shape[b!.rank - 2]!;
    if (typeof k1 === 'number' && typeof k2 === 'number' && k1 !== k2) throw new ShapeError(`MatMul: inner dims differ: [${a!.shape}] x [${b!.shape}]`);
    const batch = broadcastShapes(a!.shape.slice(0, -2), b!.shape.slice(0, -2), 'MatMul');
    return [{ dtype: a!.dtype, shape: [...batch, a!.shape[a!.rank - 2]!, b!.shape[b!.rank - 1]!] }];
  },
  emit: emitAs('MatMul'),
  vjp: (n, [g]) => {
    const [a, b] = n.inputs as [Tensor, Tensor];
    return [sumToShape(matmul(g!, transposeLast(b)), a.shape), sumToShape(matmul(transposeLast(a), g!), b.shape)];
  },
});
export const matmul = (a: Tensor, b: Tensor): Tensor => one(MatMulOp, [a, b]);
export function transposeLast(x: Tensor): Tensor {
  const perm = allAxes(x);
  perm[x.rank - 1] = x.rank - 2;
  perm[x.rank - 2] = x.rank - 1;
  return transpose(x, perm);
}

// ---------------------------------------------------------------------------------------------------------
// shape ops

interface ReshapeAttrs { shape: Dim[] }
function resolveReshape(x: Tensor, target: readonly Dim[]): Dim[] {
  const out = target.map((d, i) => (d === 0 ? x.shape[i]! : d));
  const minus = out.indexOf(-1);
  if (minus >= 0) {
    const known = out.filter((d, i) => i !== minus);
    if (isStatic(x.shape) && known.every((d) => typeof d === 'number')) {
      const rest = numel(x.shape) / (known as number[]).reduce((p, d) => p * d, 1);
      if (!Number.isInteger(rest)) throw new ShapeError(`Reshape: cannot reshape [${x.shape}] to [${target}]`);
      out[minus] = rest;
    } else {
      out[minus] = `reshape${x.id}_${minus}`;
    }
  } else if (isStatic(x.shape) && isStatic(out) && numel(x.shape) !== numel(out)) {
    throw new ShapeError(`Reshape: cannot reshape [${x.shape}] (${numel(x.shape)} elements) to [${out}]`);
  }
  return out;
}
const ReshapeOp = defineOp<ReshapeAttrs>({
  name: 'Reshape',
  infer: ([x], a) => [{ dtype: x!.dtype, shape: resolveReshape(x!, a.shape) }],
  emit: (e, n) => e.bind(n.outputs[0]!, e.op1('Reshape', [e.name(n.inputs[0]!), e.shapeTensor(n.attrs.shape)])),
  vjp: (n, [g]) => [reshapeAs(g!, n.inputs[0]!)],
});
/** Reshape; dims may be numbers, -1 (inferred), 0 (copy the input's dim) or symbolic names seen elsewhere in the graph. */
export const reshape = (x: Tensor, shape: readonly Dim[]): Tensor => one(ReshapeOp, [x], { shape: [...shape] });

const ReshapeAsOp = defineOp<{}>({
  name: 'ReshapeAs',
  infer: ([x, like]) => [{ dtype: x!.dtype, shape: like!.shape }],
  emit: (e, n) => e.bind(n.outputs[0]!, e.op1('Reshape', [e.name(n.inputs[0]!), e.op1('Shape', [e.name(n.inputs[1]!)])])),
  vjp: (n, [g]) => [reshapeAs(g!, n.inputs[0]!), null],
});
/** Reshape x to the (run-time) shape of `like`. */
export function reshapeAs(x: Tensor, like: Tensor): Tensor {
  if (sameShape(x.shape, like.shape)) return x;
  if (isStatic(like.shape)) return reshape(x, like.shape);
  return one(ReshapeAsOp, [x, like]);
}

const ExpandAsOp = defineOp<{}>({
  name: 'ExpandAs',
  infer: ([x, like]) => [{ dtype: x!.dtype, shape: broadcastShapes(x!.shape, like!.shape, 'Expand') }],
  emit: (e, n) => e.bind(n.outputs[0]!, e.op1('Expand', [e.name(n.inputs[0]!), e.op1('Shape', [e.name(n.inputs[1]!)])])),
  vjp: (n, [g]) => [sumToShape(g!, n.inputs[0]!.shape), null],
});
/** Broadcast x to the shape of `like`. */
export function expandAs(x: Tensor, like: Tensor): Tensor {
  if (sameShape(x.shape, like.shape)) return x;
  return one(ExpandAsOp, [x, like]);
}
const ExpandOp = defineOp<{ shape: Dim[] }>({
  name: 'Expand',
  infer: ([x], a) => [{ dtype: x!.dtype, shape: broadcastShapes(x!.shape, a.shape, 'Expand') }],
  emit: (e, n) => e.bind(n.outputs[0]!, e.op1('Expand', [e.name(n.inputs[0]!), e.shapeTensor(n.attrs.shape)])),
  vjp: (n, [g]) => [sumToShape(g!, n.inputs[0]!.shape)],
});
export const expand = (x: Tensor, shape: readonly Dim[]): Tensor => one(ExpandOp, [x], { shape: [...shape] });

const TransposeOp = defineOp<{ perm: number[] }>({
  name: 'Transpose',
  infer: ([x], a) => {
    const ok = a.perm.length === x!.rank && [...a.perm].sort((p, q) => p - q).every((p, i) => p === i);
    if (!ok) throw new ShapeError(`Transpose: perm [${a.perm}] is not a permutation of the ${x!.rank} axes of [${x!.shape}]`);
    return [{ dtype: x!.dtype, shape: a.perm.map((p) => x!.shape[p]!) }];
  },
  emit: emitAs('Transpose', (a) => ({ perm: attr.ints(a.perm) })),
  vjp: (n, [g]) => {
    const inv: number[] = [];
    n.attrs.perm.forEach((p, i) => { inv[p] = i; });
    return [transpose(g!, inv)];
  },
});
export function transpose(x: Tensor, perm: readonly number[]): Tensor {
  if (perm.length !== x.rank) throw new ShapeError(`Transpose: perm [${perm}] does not match rank ${x.rank}`);
  if (perm.every((p, i) => p === i)) return x;
  return one(TransposeOp, [x], { perm: [...perm] });
}

const UnsqueezeOp = defineOp<{ axes: number[] }>({
  name: 'Unsqueeze',
  infer: ([x], a) => {
    const out: Dim[] = [...x!.shape];
    for (const ax of a.axes) out.splice(ax, 0, 1);
    return [{ dtype: x!.dtype, shape: out }];
  },
  emit: (e, n) => e.bind(n.outputs[0]!, e.op1('Unsqueeze', [e.name(n.inputs[0]!), e.ints(n.attrs.axes)])),
  vjp: (n, [g]) => [squeeze(g!, n.attrs.axes)],
});
const SqueezeOp = defineOp<{ axes: number[] }>({
  name: 'Squeeze',
  infer: ([x], a) => {
    for (const ax of a.axes) if (x!.shape[ax] !== 1) throw new ShapeError(`Squeeze: axis ${ax} of [${x!.shape}] is not 1`);
    return [{ dtype: x!.dtype, shape: x!.shape.filter((_, i) => !a.axes.includes(i)) }];
  },
  emit: (e, n) => e.bind(n.outputs[0]!, e.op1('Squeeze', [e.name(n.inputs[0]!), e.ints(n.attrs.axes)])),
  vjp: (n, [g]) => [unsqueeze(g!, n.attrs.axes)],
});
/** Insert size-1 axes; as in ONNX, `axes` index the output (rank + axes.length), negative ones from its end. */
export const unsqueeze = (x: Tensor, axes: number[]): Tensor => {
  const outRank = x.rank + axes.length;
  const norm = axes.map((a) => normAxis(a, outRank, 'Unsqueeze'));
  if (new Set(norm).size !== norm.length) throw new ShapeError(`Unsqueeze: axes [${axes}] name the same axis twice`);
  return one(UnsqueezeOp, [x], { axes: norm.sort((a, b) => a - b) });
};
export const squeeze = (x: Tensor, axes: number[]): Tensor => one(SqueezeOp, [x], { axes: normAxes(axes, x.rank, 'Squeeze') });

const ConcatOp = defineOp<{ axis: number }>({
  name: 'Concat',
  infer: (xs, a) => {
    const first = xs[0]!;
    const shape: Dim[] = [...first.shape];
    let total: Dim = 0;
    for (const x of xs) {
      if (x.rank !== first.rank) throw new ShapeError('Concat: inputs differ in rank');
      if (x.dtype !== first.dtype) throw new ShapeError(`Concat: inputs differ in dtype (${first.dtype} and ${x.dtype})`);
      for (let i = 0; i < first.rank; i++) {
        const p = first.shape[i]!, q = x.shape[i]!;
        // static sizes off the concat axis must agree (symbolic ones are checked by onnxruntime at run time)
        if (i !== a.axis && typeof p === 'number' && typeof q === 'number' && p !== q) {
          throw new ShapeError(`Concat along axis ${a.axis}: [${first.shape}] and [${x.shape}] differ on axis ${i}`);
        }
      }
      const d = x.shape[a.axis]!;
      total = typeof total === 'number' && typeof d === 'number' ? total + d : `concat${first.id}_${a.axis}`;
    }
    shape[a.axis] = total;
    return [{ dtype: first.dtype, shape }];
  },
  emit: emitAs('Concat', (a) => ({ axis: attr.i(a.axis) })),
  vjp: (n, [g]) => {
    const sizes = n.inputs.map((x) => x.shape[n.attrs.axis]!);
    if (!sizes.every((s) => typeof s === 'number')) throw new Error('Concat gradient needs static sizes along the concat axis');
    return split(g!, sizes as number[], n.attrs.axis);
  },
});
export function concat(xs: readonly Tensor[], axis: number): Tensor {
  if (xs.length === 0) throw new ShapeError('Concat: needs at least one tensor');
  if (xs.length === 1) return xs[0]!;
  return one(ConcatOp, xs, { axis: normAxis(axis, xs[0]!.rank, 'Concat') });
}

const SplitOp = defineOp<{ axis: number; sizes: number[] }>({
  name: 'Split',
  infer: ([x], a) => {
    const d = x!.shape[a.axis]!;
    const total = a.sizes.reduce((p, s) => p + s, 0);
    if (typeof d === 'number' && d !== total) throw new ShapeError(`Split: sizes [${a.sizes}] do not add up to ${d}`);
    return a.sizes.map((s) => { const sh = [...x!.shape]; sh[a.axis] = s; return { dtype: x!.dtype, shape: sh }; });
  },
  emit: (e, n) => {
    const outs = e.op('Split', [e.name(n.inputs[0]!), e.ints(n.attrs.sizes)], n.outputs.length, { axis: attr.i(n.attrs.axis) });
    n.outputs.forEach((t, i) => e.bind(t, outs[i]!));
  },
  vjp: (n, grads) => [concat(grads.map((g, i) => g ?? zerosLike(n.outputs[i]!)), n.attrs.axis)],
});
export function split(x: Tensor, sizes: number[] | number, axis: number): Tensor[] {
  const ax = normAxis(axis, x.rank, 'Split');
  let s: number[];
  if (typeof sizes === 'number') {
    const d = x.shape[ax];
    if (typeof d !== 'number') throw new ShapeError('Split into equal parts needs a static axis');
    if (d % sizes !== 0) throw new ShapeError(`Split: ${d} is not divisible into ${sizes} parts`);
    s = Array(sizes).fill(d / sizes);
  } else s = sizes;
  if (s.length === 0 || s.some((v) => !Number.isInteger(v) || v < 0)) throw new ShapeError(`Split: sizes must be non-negative integers, got [${s}]`);
  return x.graph.apply(SplitOp, [x], { axis: ax, sizes: s });
}

const ZerosLikeOp = defineOp<{}>({
  name: 'ZerosLike',
  infer: ([x]) => [{ dtype: x!.dtype, shape: x!.shape }],
  emit: (e, n) => {
    const x = n.inputs[0]!;
    e.bind(n.outputs[0]!, e.op1('Mul', [e.name(x), e.floatScalar(0, x.dtype)]));
  },
});
export const zerosLike = (x: Tensor): Tensor => one(ZerosLikeOp, [x]);

interface SliceAttrs { starts: number[]; ends: number[]; axes: number[]; steps: number[] }
const INT_MAX = 2 ** 31 - 1;
/** A slice bound on an axis of size d as ONNX resolves it: negatives count from the end, then clamped to [lo, hi]. */
function clampSliceIndex(i: number, d: number, lo: number, hi: number): number {
  return Math.min(Math.max(i < 0 ? i + d : i, lo), hi);
}
function sliceDim(d: Dim, start: number, end: number, step: number): Dim {
  if (typeof d === 'number') {
    if (step > 0) { const s = clampSliceIndex(start, d, 0, d), en = clampSliceIndex(end, d, 0, d); return Math.max(0, Math.ceil((en - s) / step)); }
    // ONNX clamps a negative step's start to [0, d − 1] and its end to [−1, d − 1].
    const s = clampSliceIndex(start, d, 0, d - 1), en = clampSliceIndex(end, d, -1, d - 1);
    return Math.max(0, Math.ceil((s - en) / -step));
  }
  if (step === 1 && start >= 0 && end < 0) return `${d}-${start - end}`;
  if (step === 1 && start >= 0 && end >= INT_MAX) return start === 0 ? d : `${d}-${start}`;
  // (a fixed end on a size known only at run time: min(end, d) − start, so it stays symbolic)
  if (step === -1 && start === -1 && end <= -INT_MAX) return d;
  return `slice(${d},${start},${end},${step})`;
}
const SliceOp = defineOp<SliceAttrs>({
  name: 'Slice',
  infer: ([x], a) => {
    const shape: Dim[] = [...x!.shape];
    a.axes.forEach((ax, i) => { shape[ax] = sliceDim(shape[ax]!, a.starts[i]!, a.ends[i]!, a.steps[i]!); });
    return [{ dtype: x!.dtype, shape }];
  },
  emit: (e, n) => {
    const a = n.attrs;
    e.bind(n.outputs[0]!, e.op1('Slice', [e.name(n.inputs[0]!), e.ints(a.starts), e.ints(a.ends), e.ints(a.axes), e.ints(a.steps)]));
  },
  vjp: (n, [g]) => {
    const x = n.inputs[0]!;
    const a = n.attrs;
    // a whole-axis reversal (flip) is its own adjoint
    if (a.steps.every((st) => st === -1) && a.starts.every((st) => st === -1) && a.ends.every((e) => e <= -INT_MAX)) return [flip(g!, a.axes)];
    if (n.outputs[0]!.shape.some((d) => d === 0)) return [zerosLike(x)]; // an empty slice read nothing
    if (a.steps.some((st) => st !== 1)) return [stridedSliceGrad(g!, x, a)];
    const pads = Array(2 * x.rank).fill(0) as number[];
    a.axes.forEach((ax, i) => {
      const d = x.shape[ax]!;
      let start = a.starts[i]!, end = a.ends[i]!;
      if (a.steps[i] !== 1) throw new Error('Slice gradient supports step 1 only');
      if (typeof d === 'number') {
        start = start < 0 ? Math.max(0, start + d) : Math.min(start, d);
        end = end < 0 ? Math.max(0, end + d) : Math.min(end, d);
        pads[ax] = start; pads[ax + x.rank] = d - end;
      } else {
        if (start < 0) throw new Error('Slice gradient on a symbolic dim needs a non-negative start');
        pads[ax] = start;
        if (end < 0) pads[ax + x.rank] = -end;
        else if (end < INT_MAX) throw new Error('Slice gradient on a symbolic dim needs a relative (negative) end');
      }
    });
    return [pad(g!, pads)];
  },
});
/**
 * The gradient of a slice with steps other than 1 (static sizes): axis by axis, each gradient value goes back to
 * the position it was read from and zeros fill the rest. A step k > 0 spreads the m values k apart (each followed
 * by k − 1 zeros: pad a new axis, merge it), then shifts them to the first position read; a negative step is the
 * same on the reversed axis.
 */
function stridedSliceGrad(g: Tensor, x: Tensor, a: SliceAttrs): Tensor {
  if (!isStatic(x.shape)) throw new Error('Slice gradient with a step other than 1 needs static sizes');
  let cur = g;
  a.axes.forEach((ax, i) => {
    const d = x.shape[ax] as number, step = a.steps[i]!, m = cur.shape[ax] as number;
    const first = step > 0 ? clampSliceIndex(a.starts[i]!, d, 0, d) : d - 1 - clampSliceIndex(a.starts[i]!, d, 0, d - 1); // on the (reversed) axis
    const k = Math.abs(step);
    const pads = (before: number, after: number, axis: number, rank: number): number[] => {
      const p = Array(2 * rank).fill(0) as number[];
      p[axis] = before; p[axis + rank] = after;
      return p;
    };
    let spread = cur;
    if (k > 1 && m > 0) {
      const u = pad(unsqueeze(cur, [ax + 1]), pads(0, k - 1, ax + 1, cur.rank + 1)); // [..., m, k, ...]
      const shape = [...cur.shape] as number[];
      shape[ax] = m * k;
      spread = reshape(u, shape);
    }
    const len = spread.shape[ax] as number, keep = Math.min(len, d - first);
    if (keep < len) spread = slice(spread, [0], [keep], [ax]); // only trailing zeros are cut
    let full = pad(spread, pads(first, d - first - keep, ax, spread.rank));
    if (step < 0) full = flip(full, [ax]);
    cur = full;
  });
  return cur;
}

/** Slice along `axes` (numpy-style: start inclusive, end exclusive, negatives count from the end). */
export function slice(x: Tensor, starts: number[], ends: number[], axes: number[], steps?: number[]): Tensor {
  const n = axes.length;
  if (starts.length !== n || ends.length !== n || (steps && steps.length !== n)) {
    throw new ShapeError(`Slice: starts, ends${steps ? ', steps' : ''} and axes must have one entry per axis, got ${starts.length}, ${ends.length}${steps ? `, ${steps.length}` : ''} and ${n}`);
  }
  if (steps?.some((st) => !Number.isInteger(st) || st === 0)) throw new ShapeError(`Slice: steps must be non-zero integers, got [${steps}]`);
  return one(SliceOp, [x], { starts, ends: ends.map((e) => (e === Infinity ? INT_MAX : e === -Infinity ? -INT_MAX : e)), axes: axes.map((a) => normAxis(a, x.rank, 'Slice')), steps: steps ?? starts.map(() => 1) });
}
/** Reverse the order along the given axes. */
export const flip = (x: Tensor, axes: number[]): Tensor => slice(x, axes.map(() => -1), axes.map(() => -Infinity), axes, axes.map(() => -1));

interface PadAttrs { pads: number[]; mode: 'constant' | 'reflect'; value: number }
const PadOp = defineOp<PadAttrs>({
  name: 'Pad',
  infer: ([x], a) => {
    const r = x!.rank;
    return [{
      dtype: x!.dtype,
      shape: x!.shape.map((d, i) => {
        const p = a.pads[i]! + a.pads[i + r]!;
        if (a.mode === 'reflect' && typeof d === 'number' && (a.pads[i]! >= d || a.pads[i + r]! >= d)) throw new ShapeError(`Pad: reflect padding ${a.pads[i]},${a.pads[i + r]} needs a dim larger than it (got ${d})`);
        return typeof d === 'number' ? d + p : p === 0 ? d : `${d}+${p}`;
      }),
    }];
  },
  emit: (e, n) => {
    const inputs = [e.name(n.inputs[0]!), e.ints(n.attrs.pads)];
    if (n.attrs.mode === 'constant' && n.attrs.value !== 0) inputs.push(e.floatScalar(n.attrs.value, n.inputs[0]!.dtype));
    e.bind(n.outputs[0]!, e.op1('Pad', inputs, { mode: attr.s(n.attrs.mode) }));
  },
  vjp: (n, [g]) => {
    const x = n.inputs[0]!;
    const r = x.rank;
    const p = n.attrs.pads;
    if (p.some((v) => v < 0)) throw new Error('Pad gradient: negative pads are not supported');
    const axes = Array.from({ length: r }, (_, i) => i).filter((i) => p[i]! !== 0 || p[i + r]! !== 0);
    if (n.attrs.mode === 'constant') {
      return [slice(g!, axes.map((i) => p[i]!), axes.map((i) => (p[i + r]! > 0 ? -p[i + r]! : Infinity)), axes)];
    }
    // Reflect padding is a sequence of one-axis pads, so fold the gradient back one axis at a time:
    // padded position before−1−j came from x[1+j], and position before+L+k came from x[L−2−k].
    // The folds are added to the first before+1 / last after+1 entries of the centre, sliced with
    // indices relative to the ends so that L may be symbolic.
    let gx = g!;
    for (const ax of axes) {
      const before = p[ax]!, after = p[ax + r]!;
      const pads1 = (lo: number, hi: number): number[] => { const z = Array(2 * r).fill(0) as number[]; z[ax] = lo; z[ax + r] = hi; return z; };
      let centre = slice(gx, [before], [after > 0 ? -after : Infinity], [ax]);
      if (before > 0) {
        const fold = pad(flip(slice(gx, [0], [before], [ax]), [ax]), pads1(1, 0)); // length before+1
        centre = concat([add(slice(centre, [0], [before + 1], [ax]), fold), slice(centre, [before + 1], [Infinity], [ax])], ax);
      }
      if (after > 0) {
        const fold = pad(flip(slice(gx, [-after], [Infinity], [ax]), [ax]), pads1(0, 1)); // length after+1
        centre = concat([slice(centre, [0], [-(after + 1)], [ax]), add(slice(centre, [-(after + 1)], [Infinity], [ax]), fold)], ax);
      }
      gx = centre;
    }
    return [gx];
  },
});
/** Pad with ONNX layout [x1_begin, x2_begin, …, x1_end, x2_end, …]. */
export function pad(x: Tensor, pads: number[], mode: 'constant' | 'reflect' = 'constant', value = 0): Tensor {
  if (pads.length !== 2 * x.rank) throw new ShapeError(`Pad: need ${2 * x.rank} pads for rank ${x.rank}, got ${pads.length}`);
  if (pads.every((p) => p === 0)) return x;
  return one(PadOp, [x], { pads, mode, value });
}

const GatherOp = defineOp<{ axis: number }>({
  name: 'Gather',
  infer: ([x, idx], a) => {
    if (idx!.dtype !== 'int64' && idx!.dtype !== 'int32') throw new ShapeError(`Gather: indices must be int64 or int32, got ${idx!.dtype}`);
    return [{ dtype: x!.dtype, shape: [...x!.shape.slice(0, a.axis), ...idx!.shape, ...x!.shape.slice(a.axis + 1)] }];
  },
  emit: emitAs('Gather', (a) => ({ axis: attr.i(a.axis) })),
  vjp: (n, [g]) => {
    const [table, idx] = n.inputs as [Tensor, Tensor];
    const k = n.attrs.axis;
    if (k === 0) return [one(ScatterAddOp, [table, idx, g!]), null];
    // Another axis: bring it (and, in g, the index axes that replaced it) to the front, scatter rows, move it back.
    const R = table.rank, r = idx.rank;
    const axes = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);
    const permT = [k, ...axes(0, k), ...axes(k + 1, R)];
    const permG = [...axes(k, k + r), ...axes(0, k), ...axes(k + r, g!.rank)];
    const back = permT.map((_, i) => permT.indexOf(i));
    return [transpose(one(ScatterAddOp, [transpose(table, permT), idx, transpose(g!, permG)]), back), null];
  },
});
/** Adds updates into zeros shaped like `table` at rows `idx` (duplicates accumulate): Gather's gradient. */
const ScatterAddOp = defineOp<{}>({
  name: 'ScatterAddRows',
  infer: ([t]) => [{ dtype: t!.dtype, shape: t!.shape }],
  emit: (e, n) => {
    const [t, idx, upd] = n.inputs as [Tensor, Tensor, Tensor];
    const zeros = e.op1('Mul', [e.name(t), e.floatScalar(0, t.dtype)]);
    // ScatterND takes int64 indices only (Gather also takes int32).
    const idx64 = idx.dtype === 'int64' ? e.name(idx) : e.op1('Cast', [e.name(idx)], { to: attr.i(7) });
    const indices = e.op1('Unsqueeze', [idx64, e.ints([-1])]);
    e.bind(n.outputs[0]!, e.op1('ScatterND', [zeros, indices, e.name(upd)], { reduction: attr.s('add') }));
  },
});
export const gather = (x: Tensor, indices: Tensor, axis = 0): Tensor => one(GatherOp, [x, indices], { axis: normAxis(axis, x.rank, 'Gather') });

// ---------------------------------------------------------------------------------------------------------
// convolution

export interface ConvAttrs { strides: [number, number]; pads: [number, number, number, number]; dilations: [number, number]; group: number }

const ConvOp = defineOp<ConvAttrs>({
  name: 'Conv',
  infer: ([x, w, b], a) => {
    if (x!.rank !== 4 || w!.rank !== 4) throw new ShapeError(`Conv: expected NCHW input and OIHW weight, got [${x!.shape}] and [${w!.shape}]`);
    const [o, ipg, kh, kw] = w!.shape as number[];
    const c = x!.shape[1]!;
    if (typeof c === 'number' && c !== ipg! * a.group) throw new ShapeError(`Conv: input has ${c} channels, weight expects ${ipg! * a.group}`);
    if (o! % a.group !== 0) throw new ShapeError(`Conv: ${o} output channels are not divisible into ${a.group} groups`);
    if (b && (b.rank !== 1 || b.shape[0] !== o)) throw new ShapeError(`Conv: bias shape [${b.shape}] does not match ${o} outputs`);
    const [t, l, bo, r] = a.pads;
    return [{ dtype: x!.dtype, shape: [x!.shape[0]!, o!, convOutDim(x!.shape[2]!, kh!, a.strides[0], t, bo, a.dilations[0]), convOutDim(x!.shape[3]!, kw!, a.strides[1], l, r, a.dilations[1])] }];
  },
  emit: (e, n) => {
    if (!emitBlockedConv(e, n)) emitAs('Conv', (a: ConvAttrs, node) => convAttrs(a, (node.inputs[1]!.shape as number[]).slice(2)))(e, n);
  },
  vjp: (n, [g]) => {
    const [x, w, b] = n.inputs as [Tensor, Tensor, Tensor | undefined];
    return [convInputGrad(g!, x, w, n.attrs), convWeightGrad(g!, x, w.shape as number[], n.attrs), b ? reduceSum(g!, [0, 2, 3]) : null];
  },
});

// WebGPU needs kernel_shape/strides/dilations/pads spelled out (ENGINE.md).
const convAttrs = (a: ConvAttrs, kernel: readonly number[]): Record<string, AttrValue> => ({
  kernel_shape: attr.ints(kernel),
  strides: attr.ints(a.strides), pads: attr.ints(a.pads), dilations: attr.ints(a.dilations), group: attr.i(a.group),
});

/**
 * A convolution whose weights are fed at run time (training graphs; their input gradients) on onnxruntime's
 * blocked-channel kernels: channels in blocks of `bs` (16 with AVX-512, 8 with AVX2) interleaved innermost.
 * onnxruntime rewrites only convolutions with constant weights this way (it re-lays the weights once, when the
 * model loads); here the weights are re-laid in the graph, a small Reshape/Transpose per run, and the activations
 * are converted with ReorderInput/ReorderOutput (a conv fed by another blocked conv reads its blocked output
 * directly). Dense convs need C and O divisible by bs; depthwise ones C. Measured on [4, 32, 128, 128]:
 * a depthwise 3×3 6.3 → 1.0 ms, a 1×1 3.8 → 2.4 ms, each reorder 0.5–1.4 ms in a training session. Returns false
 * when not applicable or not worth it.
 */
function emitBlockedConv(e: Emitter, n: Node<ConvAttrs>): boolean {
  if (emitFewOutputsConv(e, n)) return true;
  const bs = e.nchwcBlock;
  const [x, w, b] = n.inputs as [Tensor, Tensor, Tensor | undefined];
  const [o, ipg, kh, kw] = w.shape as number[];
  const c = x.shape[1];
  if (!bs || typeof c !== 'number' || x.dtype !== 'float32') return false;
  const depthwise = n.attrs.group === c && ipg === 1 && o === c;
  // Inference graphs also take channel counts that are not whole blocks (a width-24 network): channels padded to
  // whole blocks with zero weights, so that pad lanes never reach a real channel (they hold any finite value) and
  // ReorderOutput drops them. Training graphs keep whole blocks only.
  const fits = (ch: number): boolean => ch % bs === 0 || (e.nchwcInference && ch >= bs);
  const dense = n.attrs.group === 1 && fits(c) && fits(o!);
  // Fewer input channels than a block (an image's): the kernels read the NCHW input as it is, filter [O/bs][C·k²][bo].
  const nchwInput = e.nchwcInference && n.attrs.group === 1 && c < bs && fits(o!) && w.producer?.op !== FlipTransposeKernelOp;
  if (!(dense || nchwInput || (depthwise && fits(c)))) return false;
  const constantWeights = e.isConstant(w) && (!b || e.isConstant(b));
  // onnxruntime blocks constant-weight convs itself, once; an inference graph blocks them here, so that its
  // element-wise ops and weight folds can stay in the blocked layout (emitBlockedBinary).
  if (constantWeights && !e.nchwcInference) return false;
  // The weights are re-laid every run (≤ 2.1 ns per element) and each is then used once per output pixel: below
  // ~1 024 pixels the re-layout costs about what the faster kernel saves. (Paired, IR-SDE U-Net nf 64 training step
  // at 4×128², whose deep 3×3 convs have up to 14 M weights: −1.26 s of 17.6 against the earlier rule "input ≥ 16 ×
  // weights"; ConditionalNAFNet −7.5 / +29.5 ms, i.e. within this host's noise.)
  const yShape = n.outputs[0]!.shape;
  const pixels = isStatic(yShape) ? (yShape[0] as number) * (yShape[2] as number) * (yShape[3] as number) : Infinity;
  if (pixels < 1024 && !(constantWeights && e.nchwcInference)) return false;
  // A per-channel affine input folded into the weights (W·diag(k), b + W·s): costs ~2·O·C per run, saves the
  // affine's passes over C·pixels, so only where pixels ≥ 4·O. (w32 ConditionalNAFNet at 256², paired: folding
  // nowhere +3.8 ms per forward; folding from pixels ≥ 16·O, i.e. not at 32², +0.7 ms.)
  const affine = e.nchwcInference && dense && kh === 1 && kw === 1 && n.attrs.group === 1 && pixels >= 4 * o! ? foldableAffine(e, x) : null;
  const inputSize = isStatic(x.shape) ? numel(x.shape as number[]) : Infinity;
  const xName = e.name(x);
  // A 1×1 conv runs as one GEMM in NCHW, which the blocked kernel beats by less than the two reorders it needs
  // on all but the largest activations (paired, training steps: w32 block −1 to −3 ms, ConditionalNAFNet −16 to
  // −19 ms by leaving these in NCHW below 2²² input elements; blocking the w64 block's too: +9 ms).
  if (kh === 1 && kw === 1 && !depthwise && inputSize < 2 ** 22 && !e.blockedName(xName) && !e.nchwcInference) return false;
  // Filter layouts of the blocked kernels: dense [O/bs][C/bs][kh·kw][bi][bo], depthwise [O/bs][kh·kw][bo], each
  // written as the lowest-rank Transpose (onnxruntime: ~0.6 ns per element in 3-D, ~7 ns with 6-D/trailing 1s).
  const k2 = kh! * kw!;
  const flipped = w.producer?.op === FlipTransposeKernelOp ? w.producer.inputs[0]! : null;
  // Padded sizes (inference graphs): outputs, and the inputs of dense and depthwise convs (an NCHW input is read as is).
  const op = roundUp(o!, bs), cp = nchwInput ? c : roundUp(c, bs), gp = depthwise ? cp : 1, ipgp = dense ? cp : ipg!;
  const padded = op !== o || cp !== c;
  if (padded && flipped) return false;
  const weights = padded ? e.op1('Pad', [e.name(w), e.ints([0, 0, 0, 0, op - o!, ipgp - ipg!, 0, 0])]) : e.name(w);
  const relaid = (dims: number[], perm: number[], from = weights): string =>
    e.op1('Transpose', [e.op1('Reshape', [from, e.ints(dims)])], { perm: attr.ints(perm) });
  let blockedW: string;
  if (flipped) {
    // An input-gradient conv: its kernel W'[o, c, t] = W[c, o, k²−1−t] is laid out from W itself, moving runs of
    // bs·k² floats, then one k²-axis transpose and a Gather of whole bs×bs tiles: 2.5 ns per element against 8.9 for
    // the portable flip and the re-layout below (1024×1024×3×3).
    blockedW = relaid([c / bs, bs, o! / bs, bs * k2], [2, 0, 1, 3], e.name(flipped)); // [O/bs][C/bs][bi][bo·k²]
    if (k2 > 1) {
      const taps = relaid([(o! / bs) * (c / bs), bs * bs, k2], [0, 2, 1], blockedW); // [·][k²][bi·bo]
      const reversed = Array.from({ length: k2 }, (_, t) => k2 - 1 - t);
      blockedW = e.op1('Gather', [taps, e.ints(reversed)], { axis: attr.i(1) });
    }
  } else {
    blockedW = relaid([op / bs, bs, ipgp * k2], [0, 2, 1]); // [O/bs][C·k²][bo]: depthwise and 1×1 done
  }
  if (!depthwise && !nchwInput && k2 > 1 && !flipped) {
    // [O/bs·C/bs][bi][k²][bo] → [O/bs·C/bs][k²][bi][bo], moving whole 16-float rows (2.1 ns per element in all,
    // against 7.7 for the single 5-D Transpose).
    blockedW = e.op1('Transpose', [e.op1('Reshape', [blockedW, e.ints([(op / bs) * (cp / bs), bs, k2, bs])])], { perm: attr.ints([0, 2, 1, 3]) });
  }
  let bias = b ? e.name(b) : undefined;
  if (affine) {
    // 1×1 dense layout [O/bs][C][bo]: the scale runs along the middle axis. Spread over bo first, so that the Mul
    // broadcasts whole C·bs rows (onnxruntime broadcasts a per-row scalar 16 floats at a time, ~5× slower).
    let scale = e.op1('Reshape', [e.name(affine.scale), e.ints([1, c, 1])]);
    if (cp !== c) scale = e.op1('Pad', [scale, e.ints([0, 0, 0, 0, cp - c, 0])]);
    blockedW = e.op1('Mul', [blockedW, e.op1('Expand', [scale, e.ints([1, cp, bs])])]);
    if (affine.shift) {
      const ws = e.op1('Reshape', [e.op1('MatMul', [e.op1('Reshape', [e.name(w), e.ints([o!, c])]), e.op1('Reshape', [e.name(affine.shift), e.ints([c, 1])])]), e.ints([o!])]);
      bias = bias ? e.op1('Add', [bias, ws]) : ws;
    }
  }
  if (bias && op !== o) bias = e.op1('Pad', [bias, e.ints([0, op - o!])]);
  const wIn = e.op1('Reshape', [blockedW, e.ints([op, ipgp, kh!, kw!])]);
  const xIn = nchwInput ? xName : e.blockedInput(affine ? e.name(affine.z) : xName);
  const y = e.op1('Conv', bias ? [xIn, wIn, bias] : [xIn, wIn], convAttrs({ ...n.attrs, group: depthwise ? gp : n.attrs.group }, [kh!, kw!]), NCHWC_DOMAIN);
  e.bind(n.outputs[0]!, e.nchwOutput(y, o!));
  return true;
}

/** n rounded up to a whole number of blocks. */
const roundUp = (n: number, block: number): number => Math.ceil(n / block) * block;

/**
 * A k×k "same" conv to fewer channels than a block (a network's last conv, to an image) from a blocked input
 * (inference graphs): y[o] = Σ_t P[t·O + o] shifted by tap t, where P = W_t·x is one blocked 1×1 conv to all
 * k²·O tap planes at once (no bias, so the shifts' zero padding is P of the zero-padded input). The blocked kernels
 * would run the k×k conv as a whole block of output channels, k²·bs multiply-adds per input channel and pixel where
 * this needs ⌈k²·O / bs⌉·bs (32 against 144 for 3 outputs), plus a depthwise and a 1×1 conv over those planes.
 * w32 at 256²: 3.1 → 1.4 ms.
 */
function emitFewOutputsConv(e: Emitter, n: Node<ConvAttrs>): boolean {
  const bs = e.nchwcBlock;
  const [x, w, b] = n.inputs as [Tensor, Tensor, Tensor | undefined];
  const [o, ipg, kh, kw] = w.shape as number[];
  const c = x.shape[1] as number;
  const twin = e.nchwcInference && isStatic(x.shape) && x.dtype === 'float32' ? e.blockedName(e.name(x)) : undefined;
  const a = n.attrs;
  const same = a.strides.every((v) => v === 1) && a.dilations.every((v) => v === 1) && kh! % 2 === 1 && kw! % 2 === 1
    && a.pads[0] === (kh! - 1) / 2 && a.pads[2] === a.pads[0] && a.pads[1] === (kw! - 1) / 2 && a.pads[3] === a.pads[1];
  if (!twin || !bs || a.group !== 1 || c !== ipg || c < bs || o! >= bs || kh! * kw! === 1 || !same) return false;
  const [, , h, wd] = x.shape as number[];
  const taps = kh! * kw!, planes = taps * o!, padded = roundUp(planes, bs);
  if (2 * padded > taps * bs) return false; // the 1×1 conv alone would cost half the k×k one
  // W [O, C, kh, kw] → rows t·O + o of [planes, C], zero rows up to a whole block (and zero columns for the input's
  // pad channels), in the 1×1 filter layout [·/bs][C][bo].
  const cp = roundUp(c, bs);
  const byTap = e.op1('Transpose', [e.op1('Reshape', [e.name(w), e.ints([o!, c, taps])])], { perm: attr.ints([2, 0, 1]) });
  const rows = e.op1('Pad', [e.op1('Reshape', [byTap, e.ints([planes, c])]), e.ints([0, 0, padded - planes, cp - c])]);
  const filter = e.op1('Transpose', [e.op1('Reshape', [rows, e.ints([padded / bs, bs, cp])])], { perm: attr.ints([0, 2, 1]) });
  const tapConv = e.op1('Conv', [twin, e.op1('Reshape', [filter, e.ints([padded, cp, 1, 1])])],
    convAttrs(CONV1X1, [1, 1]), NCHWC_DOMAIN);
  // Each plane shifted by its tap: a blocked depthwise conv with one-hot kernels (layout [·/bs][k²][bo]) …
  const oneHot = new Float32Array(padded * taps);
  for (let r = 0; r < planes; r++) oneHot[(Math.floor(r / bs) * taps + Math.floor(r / o!)) * bs + (r % bs)] = 1;
  const shiftConv = e.op1('Conv', [tapConv, e.op1('Reshape', [e.floatConst([padded * taps], oneHot), e.ints([padded, 1, kh!, kw!])])],
    convAttrs({ strides: [1, 1], pads: a.pads, dilations: [1, 1], group: padded }, [kh!, kw!]), NCHWC_DOMAIN);
  // … then the sum over taps, a blocked 1×1 conv of 0/1 weights (layout [1][padded][bo]) that adds the bias.
  const pick = new Float32Array(padded * bs);
  for (let r = 0; r < planes; r++) pick[r * bs + (r % o!)] = 1;
  const biasLanes = b ? e.op1('Pad', [e.name(b), e.ints([0, bs - o!])]) : undefined;
  const sumConv = e.op1('Conv', [shiftConv, e.op1('Reshape', [e.floatConst([padded * bs], pick), e.ints([bs, padded, 1, 1])]), ...(biasLanes ? [biasLanes] : [])],
    convAttrs(CONV1X1, [1, 1]), NCHWC_DOMAIN);
  e.bind(n.outputs[0]!, e.op1('ReorderOutput', [sumConv], { channels: attr.i(o!) }, NCHWC_DOMAIN));
  return true;
}

/**
 * x = z·k (+ s) with per-channel k, s of shape [1, C, 1, 1] and batch 1, when x is the output of a channel norm's
 * modulation (z = x̂) or of a Mul by a per-channel vector (NAFNet's channel attention): a 1×1 conv of x is a
 * conv of z with weights W·diag(k) and bias b + W·s.
 */
function foldableAffine(e: Emitter, x: Tensor): { z: Tensor; scale: Tensor; shift: Tensor | null } | null {
  const p = x.producer;
  if (!p || x.shape[0] !== 1) return null;
  const perChannel = (t: Tensor | undefined): t is Tensor => !!t && t.rank === 4 && t.shape[0] === 1 && t.shape[1] === x.shape[1] && t.shape[2] === 1 && t.shape[3] === 1;
  if (p.op === ChannelNormModulateOp && p.outputs[0] === x) {
    const [, k, s] = p.inputs as [Tensor, Tensor, Tensor | undefined];
    if (!perChannel(k) || (s && !perChannel(s))) return null;
    return { z: p.outputs[1]!, scale: k, shift: s ?? null };
  }
  if (p.op === MulOp) {
    const [u, v] = p.inputs as [Tensor, Tensor];
    for (const [z, k] of [[u, v], [v, u]] as const) {
      if (perChannel(k) && sameShape(z.shape, x.shape) && e.boundName(z)) return { z, scale: k, shift: null };
    }
  }
  return null;
}

export interface Conv2dOptions { stride?: number | [number, number]; padding?: number | [number, number, number, number]; dilation?: number | [number, number]; groups?: number }
/** 2-D convolution, NCHW input, OIHW weight. Padding defaults to "same" for odd kernels at stride 1. */
export function conv2d(x: Tensor, w: Tensor, b: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  const [kh, kw] = (w.shape as number[]).slice(2) as [number, number];
  const s = typeof opts.stride === 'number' || opts.stride === undefined ? [opts.stride ?? 1, opts.stride ?? 1] : opts.stride;
  const d = typeof opts.dilation === 'number' || opts.dilation === undefined ? [opts.dilation ?? 1, opts.dilation ?? 1] : opts.dilation;
  const p = opts.padding === undefined ? [(d[0]! * (kh - 1)) >> 1, (d[1]! * (kw - 1)) >> 1, (d[0]! * (kh - 1)) >> 1, (d[1]! * (kw - 1)) >> 1]
    : typeof opts.padding === 'number' ? [opts.padding, opts.padding, opts.padding, opts.padding] : opts.padding;
  return one(ConvOp, b ? [x, w, b] : [x, w], { strides: s as [number, number], pads: p as ConvAttrs['pads'], dilations: d as [number, number], group: opts.groups ?? 1 });
}

/**
 * The input-gradient kernel of a dense conv, W'[c, o, i, j] = W[o, c, kh−1−i, kw−1−j], as one op so that a blocked
 * conv reading it can lay it out straight from W (emitBlockedConv). Emitted portably as a Transpose and, for k×k
 * kernels, the spatial flip as a MatMul with the k²×k² exchange matrix (exact: one product by 1 per entry): 4.0 ns
 * per element on a 1024×1024×3×3 kernel against 7.2 for the Transpose + step −1 Slice. Linear and its own adjoint.
 */
const FlipTransposeKernelOp: OpDef<{}> = defineOp<{}>({
  name: 'FlipTransposeKernel',
  infer: ([w]) => { const [o, c, kh, kw] = w!.shape; return [{ dtype: w!.dtype, shape: [c!, o!, kh!, kw!] }]; },
  emit: (e, n) => {
    const [o, c, kh, kw] = n.inputs[0]!.shape as number[];
    const k2 = kh! * kw!;
    let y = e.op1('Transpose', [e.name(n.inputs[0]!)], { perm: attr.ints([1, 0, 2, 3]) });
    if (k2 > 1) {
      const exchange = new Float32Array(k2 * k2);
      for (let t = 0; t < k2; t++) exchange[t * k2 + k2 - 1 - t] = 1; // flipping both spatial axes reverses the flattened taps
      const flat = e.op1('MatMul', [e.op1('Reshape', [y, e.ints([c! * o!, k2])]), e.floatConst([k2, k2], exchange)]);
      y = e.op1('Reshape', [flat, e.ints([c!, o!, kh!, kw!])]);
    }
    e.bind(n.outputs[0]!, y);
  },
  vjp: (_n, [g]): (Tensor | null)[] => [one(FlipTransposeKernelOp, [g!])],
});

/** Kernel for the input gradient: flipped in space, in/out swapped within each group. */
function flippedTransposedKernel(w: Tensor, group: number): Tensor {
  const [o, ipg, kh, kw] = w.shape as number[];
  const opg = o! / group;
  let wt: Tensor;
  if (group === 1 && isStatic(w.shape) && w.dtype === 'float32') return one(FlipTransposeKernelOp, [w]);
  if (group === 1) wt = transpose(w, [1, 0, 2, 3]);
  else if (ipg === 1 && opg === 1) wt = w; // depthwise: nothing to swap
  else wt = reshape(transpose(reshape(w, [group, opg, ipg!, kh!, kw!]), [0, 2, 1, 3, 4]), [group * ipg!, opg, kh!, kw!]);
  // A 1×1 kernel is its own flip; the Slice would copy it element by element (ORT: ~7 ms for a 512×1024 kernel).
  return kh === 1 && kw === 1 ? wt : flip(wt, [2, 3]);
}

function convInputGrad(g: Tensor, x: Tensor, w: Tensor, a: ConvAttrs): Tensor {
  const [, , kh, kw] = w.shape as number[];
  const [dh, dw] = a.dilations;
  const [t, l, b, r] = a.pads;
  if (a.strides[0] === 1 && a.strides[1] === 1) {
    // Stride 1: a "full" correlation of dY with the flipped kernel (cheaper than ConvTranspose, ENGINE.md).
    const fh = dh * (kh! - 1), fw = dw * (kw! - 1);
    const pads: ConvAttrs['pads'] = [fh - t, fw - l, fh - b, fw - r];
    let gy = g;
    if (pads.some((p) => p < 0)) {
      // Padding wider than the kernel: the outermost gradient rows belong to padding only; crop them.
      const crop = pads.map((p) => Math.max(0, -p));
      gy = slice(g, [crop[0]!, crop[1]!], [crop[2]! ? -crop[2]! : Infinity, crop[3]! ? -crop[3]! : Infinity], [2, 3]);
      for (let i = 0; i < 4; i++) pads[i] = Math.max(0, pads[i]!);
    }
    return one(ConvOp, [gy, flippedTransposedKernel(w, a.group)], { strides: [1, 1], pads, dilations: a.dilations, group: a.group });
  }
  // Strided: the transposed convolution. output_padding recovers input sizes the stride rounded away.
  const spatial = [x.shape[2], x.shape[3], g.shape[2], g.shape[3]];
  if (spatial.every((d) => typeof d === 'number')) {
    const outPad = [0, 1].map((i) => {
      const H = x.shape[2 + i] as number, Ho = g.shape[2 + i] as number;
      const k = i === 0 ? kh! : kw!, s = a.strides[i]!, d = a.dilations[i]!;
      return H - ((Ho - 1) * s + d * (k - 1) + 1 - (i === 0 ? t : l) - (i === 0 ? b : r));
    });
    return one(ConvTransposeOp, [g, w], { ...a, outputPadding: outPad as [number, number], like: x.shape });
  }
  // Symbolic sizes: the rows the stride rounded away (0 … s−1 of them, plus the end padding) are known only at
  // run time. Transpose without end padding and with the largest output_padding (s − 1), which is never
  // shorter than x, then crop to x's run-time size; rows no window reached get zero, as they should.
  const outPad: [number, number] = [a.strides[0]! - 1, a.strides[1]! - 1];
  return one(ConvTransposeOp, [g, w, x], { ...a, pads: [t, l, 0, 0], outputPadding: outPad, like: x.shape });
}

/** ConvTranspose(g, w); with a third input `like`, cropped to like's run-time H × W (symbolic sizes). */
const ConvTransposeOp = defineOp<ConvAttrs & { outputPadding: [number, number]; like: Shape }>({
  name: 'ConvTranspose',
  infer: ([g, w], a) => [{ dtype: g!.dtype, shape: [g!.shape[0]!, (w!.shape[1] as number) * a.group, a.like[2]!, a.like[3]!] }],
  emit: (e, n) => {
    const a = n.attrs;
    const [g, w, like] = n.inputs;
    const y = e.op1('ConvTranspose', [e.name(g!), e.name(w!)], {
      kernel_shape: attr.ints((w!.shape as number[]).slice(2)), strides: attr.ints(a.strides), pads: attr.ints(a.pads),
      dilations: attr.ints(a.dilations), group: attr.i(a.group), output_padding: attr.ints(a.outputPadding),
    });
    if (!like) return e.bind(n.outputs[0]!, y);
    const hw = e.op1('Slice', [e.op1('Shape', [e.name(like)]), e.ints([2]), e.ints([4])]);
    e.bind(n.outputs[0]!, e.op1('Slice', [y, e.ints([0, 0]), hw, e.ints([2, 3])]));
  },
});

function wgradMode(): string {
  return (typeof process !== 'undefined' && process.env?.IRSDE_WGRAD) || 'unfold';
}

/**
 * im2col as one Conv: a constant one-hot kernel (group = C, k² outputs per channel) copies the window of
 * every tap; output channel c·k² + i·kw + j holds x[c] under tap (i, j), i.e. the OIHW weight order
 * (`reversed`: under tap (kh−1−i, kw−1−j)).
 */
function unfold(x: Tensor, kh: number, kw: number, a: ConvAttrs, reversed = false): Tensor {
  const c = x.shape[1] as number;
  const k2 = kh * kw;
  const eye = new Float32Array(c * k2 * k2);
  for (let ch = 0; ch < c; ch++) for (let t = 0; t < k2; t++) eye[(ch * k2 + t) * k2 + (reversed ? k2 - 1 - t : t)] = 1;
  const w = x.graph.constant(eye, [c * k2, 1, kh, kw], 'float32');
  return one(ConvOp, [x, w], { strides: a.strides, pads: a.pads, dilations: a.dilations, group: c });
}

/**
 * Σ over axis 0 (the batch of per-sample weight gradients) as ones[1, B] × Y[B, ·]: ORT's ReduceSum over a
 * leading axis ran 2–4× slower than this MatMul on [4, 512, 512]. Falls back to ReduceSum for symbolic shapes.
 */
function sumLeadingAxis(y: Tensor): Tensor {
  const [b, ...rest] = y.shape;
  if (typeof b !== 'number' || y.dtype !== 'float32' || !rest.every((d) => typeof d === 'number')) return reduceSum(y, [0]);
  const ones = y.graph.constant(new Float32Array(b).fill(1), [1, b], 'float32');
  return reshape(matmul(ones, reshape(y, [b, -1])), rest);
}

function convWeightGrad(g: Tensor, x: Tensor, wShape: readonly number[], a: ConvAttrs): Tensor {
  const [o, ipg, kh, kw] = wShape as [number, number, number, number];
  const c = ipg * a.group;
  const [sh, sw] = a.strides;
  const [dh, dw] = a.dilations;
  const [t, l, b, r] = a.pads;
  const xp = pad(x, [0, 0, t, l, 0, 0, b, r]);
  const hasPad = t + l + b + r > 0;
  const H = hasPad ? xp.shape[2]! : x.shape[2]!;
  const W = hasPad ? xp.shape[3]! : x.shape[3]!;
  // Window (i, j) of the padded input that kernel tap (i, j) sees, one output pixel per stride.
  const tap = (i: number, j: number): Tensor => {
    const endH = (kh - 1 - i) * dh, endW = (kw - 1 - j) * dw;
    const out = slice(xp, [i * dh, j * dw], [endH ? -endH : Infinity, endW ? -endW : Infinity], [2, 3], [sh, sw]);
    void H; void W;
    return out;
  };
  const useUnfold = wgradMode().startsWith('unfold');
  if (a.group === 1) {
    const gy = reshape(g, [0, o, -1]); // [B, O, N]
    if (kh === 1 && kw === 1 && sh === 1 && sw === 1 && !hasPad) {
      const xr = reshape(x, [0, c, -1]); // [B, C, N]
      return reshape(sumLeadingAxis(matmul(gy, transposeLast(xr))), [o, c, 1, 1]);
    }
    const [pt, pl, pb, pr] = [(kh - 1) * dh - t, (kw - 1) * dw - l, (kh - 1) * dh - b, (kw - 1) * dw - r];
    // Three im2col forms with the same GEMM work: x under every tap (C·kh·kw planes), dY under every tap (O·kh·kw)
    // or the split form below (O·kh + C·kw); the last two need stride 1. Each unfold is written once (~0.8 ns per
    // element) and read back by the GEMM, and the last two leave the GEMM's result in a tap-major order whose
    // transpose to OIHW costs ~3 ns per weight element (ORT, 1024×1024×3×3): at 16×16 pixels a deep U-Net conv
    // writes fewer elements unfolding x than transposing its 14 M weights. So: fewest elements moved.
    const stride1 = sh === 1 && sw === 1 && Math.min(pt, pl, pb, pr) >= 0;
    const pixels = isStatic(g.shape) ? numel(g.shape as number[]) / o : 1e12; // B·Ho·Wo (symbolic: large)
    const relayout = 4 * o * c * kh * kw;
    const cost = {
      x: c * kh * kw * pixels,
      dY: stride1 ? o * kh * kw * pixels + relayout : Infinity,
      split: stride1 ? (o * kh + c * kw) * pixels + relayout : Infinity,
    };
    if (useUnfold && cost.dY < Math.min(cost.x, cost.split)) {
      // Fewer output than input channels (an image-out conv: 32 → 3): unfold dY instead of x, O·k² planes
      // instead of C·k². With stride 1, Σ_hw dY[hw]·x_pad[hw + tap] = Σ_hw' x[hw']·dY_pad'[hw' + flipped tap],
      // dY_pad' being dY padded by (k−1)·d − pad on each side: its reversed unfold lines up with x.
      const cols = reshape(unfold(pad(g, [0, 0, pt, pl, 0, 0, pb, pr]), kh, kw, { ...a, pads: [0, 0, 0, 0] }, true), [0, o * kh * kw, -1]); // [B, O·k², N]
      const dwT = sumLeadingAxis(matmul(cols, transposeLast(reshape(x, [0, c, -1])))); // [O·k², C]
      return reshape(transpose(reshape(dwT, [o, kh * kw, c]), [0, 2, 1]), [o, c, kh, kw]);
    }
    if (useUnfold && cost.split < cost.x) {
      // Split the tap offset between the operands: with ρ = the input row a tap reads (stride 1),
      //   dW[o, c, i, j] = Σ_ρ Σ_s dY[o, ρ + t − i·dh, s] · x[c, ρ, s + j·dw − l],
      // so dY shifted by rows (kh planes per output channel, H rows) against x shifted by columns (kw planes per
      // input channel) gives every (i, j) in one GEMM [O·kh, C·kw], no product wasted. 3×3, C = O: 6 planes per
      // channel instead of 9 (2× conv3×3 at 64 ch, 4×64²: train step −5 ms of 50; IR-SDE U-Net −0.56 s of 16.6).
      const rows = unfold(g, kh, 1, { strides: [1, 1], pads: [pt, 0, pb, 0], dilations: [dh, 1], group: o }, true); // [B, O·kh, H, Wo]
      const cols = unfold(x, 1, kw, { strides: [1, 1], pads: [0, l, 0, r], dilations: [1, dw], group: c }); // [B, C·kw, H, Wo]
      const dwT = sumLeadingAxis(matmul(reshape(rows, [0, o * kh, -1]), transposeLast(reshape(cols, [0, c * kw, -1])))); // [O·kh, C·kw]
      return reshape(transpose(reshape(dwT, [o, kh, c, kw]), [0, 2, 1, 3]), [o, c, kh, kw]);
    }
    if (useUnfold) {
      const cols = reshape(unfold(x, kh, kw, a), [0, c * kh * kw, -1]); // [B, C·k², N], channel-major = OIHW order
      return reshape(sumLeadingAxis(matmul(gy, transposeLast(cols))), [o, c, kh, kw]);
    }
    // im2col by k² Slices, one MatMul (ENGINE.md: 2× faster than a batch/channel-swapped Conv).
    const taps: Tensor[] = [];
    for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) taps.push(tap(i, j));
    const cols = reshape(concat(taps, 1), [0, kh * kw * c, -1]); // [B, k²C, N], tap-major
    const dw2 = sumLeadingAxis(matmul(gy, transposeLast(cols))); // [O, k²C]
    return transpose(reshape(dw2, [o, kh, kw, c]), [0, 3, 1, 2]);
  }
  if (ipg === 1 && o === c) {
    if (useUnfold) {
      // Depthwise: the k² windows of each channel (one Conv), then one batched dot product with dY per channel.
      const cols = reshape(unfold(x, kh, kw, a), [0, c, kh * kw, -1]); // [B, C, k², N]
      const gy = reshape(g, [0, c, -1, 1]); // [B, C, N, 1]
      const portable = reshape(sumLeadingAxis(matmul(cols, gy)), [o, 1, kh, kw]);
      return one(DepthwiseWeightGradOp, [x, g, portable], a);
    }
    if (wgradMode() === 'slicemm') {
      // Depthwise: per tap, a batched dot product of the window with dY (one MatMul reads both once).
      const gy = reshape(g, [0, c, -1, 1]); // [B, C, N, 1]
      const taps: Tensor[] = [];
      for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) taps.push(reduceSum(matmul(reshape(tap(i, j), [0, c, 1, -1]), gy), [0])); // [C, 1, 1]
      return reshape(concat(taps, 2), [o, 1, kh, kw]);
    }
    // Depthwise: per tap, Σ over batch and space of dY ⊙ window (ENGINE.md: 100× faster than the grouped-conv trick).
    const taps: Tensor[] = [];
    for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) taps.push(unsqueeze(reduceSum(mul(g, tap(i, j)), [0, 2, 3]), [1]));
    return reshape(concat(taps, 1), [o, 1, kh, kw]);
  }
  // General grouped conv: a dense weight gradient per group.
  const xs = split(x, a.group, 1), gs = split(g, a.group, 1);
  const parts = xs.map((xi, k) => convWeightGrad(gs[k]!, xi, [o / a.group, ipg, kh, kw], { ...a, group: 1 }));
  return concat(parts, 0);
}

/**
 * The weight gradient of a depthwise conv, dW[c, i, j] = Σ_b Σ_p x_pad[b, c, p + (i, j)] · dY[b, c, p]. Its inputs are
 * x, dY and the same value computed portably (the unfold above); emitted, it is that portable value unless the
 * blocked-channel kernels apply, in which case it is one blocked *depthwise convolution of x with dY as the kernel*
 * (B·C groups, kernel H×W, output kh×kw per sample and channel; then a sum over the batch), and the portable nodes,
 * read by nothing, are pruned. In the blocked layout x viewed as [1, B·C, H, W] is the same memory as x [B, C, H, W]
 * (C divisible by the block), and dY's blocked layout *is* the blocked kernels' depthwise filter layout, so both come
 * free when the forward conv and the input-gradient conv were blocked (they share the reorders). It reads x and dY
 * in place instead of writing and reading nine shifted copies: on [4, 32, 128, 128] 5.1 ms against ~14.5 ms for the
 * unfold (10 ms) and its dot products (3.9 ms); [4, 64, 128, 128] 11 ms against ~29 ms.
 */
const DepthwiseWeightGradOp = defineOp<ConvAttrs>({
  name: 'DepthwiseWeightGrad',
  infer: ([, , portable]) => [{ dtype: portable!.dtype, shape: portable!.shape }],
  emit: (e, n) => {
    if (!emitBlockedDepthwiseWeightGrad(e, n)) e.bind(n.outputs[0]!, e.name(n.inputs[2]!));
  },
});

function emitBlockedDepthwiseWeightGrad(e: Emitter, n: Node<ConvAttrs>): boolean {
  const bs = e.nchwcBlock;
  const [x, g] = n.inputs as [Tensor, Tensor];
  const a = n.attrs;
  if (!bs || x.dtype !== 'float32' || !isStatic(x.shape) || !isStatic(g.shape)) return false;
  if (a.strides.some((v) => v !== 1) || a.dilations.some((v) => v !== 1)) return false;
  const [b, c, h, w] = x.shape as number[];
  const [, , ho, wo] = g.shape as number[];
  if (c! % bs) return false;
  const [, , kh, kw] = n.outputs[0]!.shape as number[];
  const input = e.op1('Reshape', [e.blockedInput(e.name(x)), e.ints([1, b! * c!, h!, w!])]);
  const kernel = e.op1('Reshape', [e.blockedInput(e.name(g)), e.ints([b! * c!, 1, ho!, wo!])]);
  const conv = e.op1('Conv', [input, kernel], convAttrs({ ...a, group: b! * c! }, [ho!, wo!]), NCHWC_DOMAIN);
  const perSample = e.nchwOutput(conv, b! * c!); // [1, B·C, kh, kw]
  const ones = e.floatConst([1, b!], new Float32Array(b!).fill(1));
  const sum = e.op1('MatMul', [ones, e.op1('Reshape', [perSample, e.ints([b!, c! * kh! * kw!])])]);
  e.bind(n.outputs[0]!, e.op1('Reshape', [sum, e.ints([c!, 1, kh!, kw!])]));
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// pixel shuffle, upsampling, pooling

const DepthToSpaceOp = defineOp<{ block: number }>({
  name: 'DepthToSpace',
  infer: ([x], a) => {
    const c = x!.shape[1]!;
    if (typeof c !== 'number' || c % (a.block * a.block)) throw new ShapeError(`PixelShuffle: channels ${c} not divisible by ${a.block}²`);
    return [{ dtype: x!.dtype, shape: [x!.shape[0]!, c / (a.block * a.block), mulDim(x!.shape[2]!, a.block), mulDim(x!.shape[3]!, a.block)] }];
  },
  // CRD is PyTorch's PixelShuffle order: out[c, h·r+i, w·r+j] = in[c·r² + i·r + j, h, w].
  emit: emitAs('DepthToSpace', (a) => ({ blocksize: attr.i(a.block), mode: attr.s('CRD') })),
  vjp: (n, [g]) => [crdSpaceToDepth(g!, n.attrs.block)],
});
export const pixelShuffle = (x: Tensor, r: number): Tensor => one(DepthToSpaceOp, [x], { block: r });

/**
 * The inverse of the CRD pixel shuffle: [B, C, H·r, W·r] → [B, C·r², H, W], channel c·r² + i·r + j — which is
 * the r×r, stride-r `unfold` (one Conv with a constant one-hot kernel). It ran 4–9 ms faster than ONNX SpaceToDepth
 * plus a channel swap on [4, 32, 128, 128] (SpaceToDepth is a generic 6-D copy, ~2.4 ns per element in
 * onnxruntime), 1–2 ms on [4, 64, 64, 64], and within 0.3 ms on smaller tensors (session 7, paired).
 */
function crdSpaceToDepth(g: Tensor, r: number): Tensor {
  return unfold(g, r, r, { strides: [r, r], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 });
}

const CONV1X1: ConvAttrs = { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 };

/**
 * A bias-free 1×1 convolution followed by the CRD pixel shuffle (NAFNet's `ups`), run as one ConvTranspose
 * with kernel = stride = r: the windows do not overlap, so every output pixel is one dot product and no
 * rearrangement pass is needed. The weight keeps the convolution's layout [C·r², Cin, 1, 1] (the reference
 * state dict) and is rearranged in the graph (constant-folded when weights are baked).
 * Measured at 256² inference: 1.5–1.8× faster than Conv + DepthToSpace, same values.
 */
const Conv1x1PixelShuffleOp = defineOp<{ block: number }>({
  name: 'Conv1x1PixelShuffle',
  infer: ([x, w], a) => {
    const [o, cin, kh, kw] = w!.shape as number[];
    const r2 = a.block * a.block;
    if (kh !== 1 || kw !== 1) throw new ShapeError(`Conv1x1PixelShuffle: the kernel must be 1×1, got ${kh}×${kw}`);
    if (o! % r2) throw new ShapeError(`Conv1x1PixelShuffle: ${o} output channels not divisible by ${a.block}²`);
    if (typeof x!.shape[1] === 'number' && x!.shape[1] !== cin) throw new ShapeError(`Conv1x1PixelShuffle: input has ${x!.shape[1]} channels, weight expects ${cin}`);
    return [{ dtype: x!.dtype, shape: [x!.shape[0]!, o! / r2, mulDim(x!.shape[2]!, a.block), mulDim(x!.shape[3]!, a.block)] }];
  },
  emit: (e, n) => {
    const [x, w] = n.inputs as [Tensor, Tensor];
    const r = n.attrs.block;
    const [o, cin] = w.shape as number[];
    if (emitBlockedPixelShuffle(e, x, w, r, n.outputs[0]!)) return;
    // OIHW row c·r² + i·r + j → ConvTranspose weight [Cin, C, r, r] at (·, c, i, j).
    const wt = e.op1('Transpose', [e.op1('Reshape', [e.name(w), e.ints([o! / (r * r), r, r, cin!])])], { perm: attr.ints([3, 0, 1, 2]) });
    e.bind(n.outputs[0]!, e.op1('ConvTranspose', [e.name(x), wt], {
      kernel_shape: attr.ints([r, r]), strides: attr.ints([r, r]), pads: attr.ints([0, 0, 0, 0]), dilations: attr.ints([1, 1]), group: attr.i(1),
    }));
  },
  vjp: (n, [g]) => {
    const [x, w] = n.inputs as [Tensor, Tensor];
    const gy = crdSpaceToDepth(g!, n.attrs.block); // the gradient at the conv's output
    return [convInputGrad(gy, x, w, CONV1X1), convWeightGrad(gy, x, w.shape as number[], CONV1X1)];
  },
});
/**
 * Conv1x1PixelShuffle in the blocked layout (inference graphs): a blocked 1×1 conv whose output channels are
 * reordered (i·r + j)·C + c, so that its blocks are whole [C/bs] groups per sub-pixel; one Gather of runs of bs
 * floats then interleaves them into the blocked layout of the upsampled image. onnxruntime's ConvTranspose scatters
 * element by element (col2im) and runs at about a third of the 1×1 conv's speed.
 */
function emitBlockedPixelShuffle(e: Emitter, x: Tensor, w: Tensor, r: number, out: Tensor): boolean {
  const bs = e.nchwcBlock;
  const [o, cin] = w.shape as number[];
  const c = o! / (r * r);
  if (!e.nchwcInference || !bs || !isStatic(x.shape) || x.dtype !== 'float32' || c < bs || cin! < bs) return false;
  const [b, , h, wd] = x.shape as number[];
  // Rows c·r² + i·r + j → (i·r + j)·C + c, each sub-pixel's C padded to whole blocks (as are the inputs, zero
  // weights), then the 1×1 blocked filter layout [O/bs][Cin][bo].
  const cp = roundUp(c, bs), cinp = roundUp(cin!, bs);
  let byPixel = e.op1('Transpose', [e.op1('Reshape', [e.name(w), e.ints([c, r * r, cin!])])], { perm: attr.ints([1, 0, 2]) });
  if (cp !== c || cinp !== cin) byPixel = e.op1('Pad', [byPixel, e.ints([0, 0, 0, 0, cp - c, cinp - cin!])]);
  const blockedW = e.op1('Transpose', [e.op1('Reshape', [byPixel, e.ints([(r * r * cp) / bs, bs, cinp])])], { perm: attr.ints([0, 2, 1]) });
  const y = e.op1('Conv', [e.blockedInput(e.name(x)), e.op1('Reshape', [blockedW, e.ints([r * r * cp, cinp, 1, 1])])], convAttrs(CONV1X1, [1, 1]), NCHWC_DOMAIN);
  // [B, i, j, C/bs, H, W, bs] → [B, C/bs, H, i, W, j, bs], the blocked layout of [B, C, H·r, W·r]: a Gather of
  // runs of bs floats, which onnxruntime spreads over its threads (its Transpose moved them on one: 2.1 vs 0.7 ms at
  // [1, 32, 256, 256] in place, 3.8 vs 0.7 standalone).
  const rows = e.op1('Reshape', [y, e.ints([-1, bs])]);
  const blocks = cp / bs;
  const order = e.int32Const(`pixel-shuffle:${b},${r},${blocks},${h},${wd}`, [b! * r * r * blocks * h! * wd!], () => shuffleRows(b!, r, blocks, h!, wd!));
  const shuffled = e.op1('Gather', [rows, order], { axis: attr.i(0) });
  e.bind(out, e.nchwOutput(e.op1('Reshape', [shuffled, e.ints([b!, cp, h! * r, wd! * r])]), c));
  return true;
}

/** Source row of each output row (b, block, y, i, x, j) for rows stored in the order (b, i, j, block, y, x). */
function shuffleRows(b: number, r: number, blocks: number, h: number, w: number): Int32Array {
  const order = new Int32Array(b * r * r * blocks * h * w);
  let k = 0;
  for (let n = 0; n < b; n++) for (let q = 0; q < blocks; q++) for (let y = 0; y < h; y++) {
    for (let i = 0; i < r; i++) for (let x = 0; x < w; x++) for (let j = 0; j < r; j++) order[k++] = ((((n * r + i) * r + j) * blocks + q) * h + y) * w + x;
  }
  return order;
}

/** pixelShuffle(conv2d(x, w, null), r) for a 1×1 kernel w [C·r², Cin, 1, 1], computed as one ConvTranspose. */
export const conv1x1PixelShuffle = (x: Tensor, w: Tensor, r: number): Tensor => one(Conv1x1PixelShuffleOp, [x, w], { block: r });

/** ONNX SpaceToDepth: out[(i·r + j)·C + c, h, w] = in[c, h·r + i, w·r + j] (the block-major order). */
const SpaceToDepthOp = defineOp<{ block: number }>({
  name: 'SpaceToDepth',
  infer: ([x], a) => {
    const [h, w] = [x!.shape[2]!, x!.shape[3]!];
    if (typeof x!.shape[1] !== 'number') throw new ShapeError('SpaceToDepth: the channel count must be static');
    if ((typeof h === 'number' && h % a.block) || (typeof w === 'number' && w % a.block)) throw new ShapeError(`SpaceToDepth: ${h}×${w} not divisible by ${a.block}`);
    return [{ dtype: x!.dtype, shape: [x!.shape[0]!, x!.shape[1] * a.block * a.block, divDim(h, a.block), divDim(w, a.block)] }];
  },
  emit: emitAs('SpaceToDepth', (a) => ({ blocksize: attr.i(a.block) })),
  vjp: (n, [g]) => {
    // The inverse: regroup channels from block-major to channel-major, then the CRD pixel shuffle.
    const r = n.attrs.block;
    const c = n.inputs[0]!.shape[1] as number;
    const [h, w] = [n.outputs[0]!.shape[2]!, n.outputs[0]!.shape[3]!];
    return [pixelShuffle(reshape(transpose(reshape(g!, [0, r * r, c, h, w]), [0, 2, 1, 3, 4]), [0, c * r * r, h, w]), r)];
  },
});
/** Space-to-depth in ONNX's block-major channel order (the inverse of a DCR depth-to-space). */
export const spaceToDepth = (x: Tensor, r: number): Tensor => one(SpaceToDepthOp, [x], { block: r });

/** true, or a ShapeError for an input that is not NCHW. */
function rank4(op: string, x: Tensor): true {
  if (x.rank !== 4) throw new ShapeError(`${op}: expected an NCHW input, got [${x.shape}]`);
  return true;
}
const Upsample2Op = defineOp<{}>({
  name: 'UpsampleNearest2',
  infer: ([x]) => [rank4('UpsampleNearest2', x!) && { dtype: x!.dtype, shape: [x!.shape[0]!, x!.shape[1]!, mulDim(x!.shape[2]!, 2), mulDim(x!.shape[3]!, 2)] }],
  emit: (e, n) => {
    const scales = e.floatConst([4], Float32Array.of(1, 1, 2, 2));
    e.bind(n.outputs[0]!, e.op1('Resize', [e.name(n.inputs[0]!), '', scales], { mode: attr.s('nearest'), coordinate_transformation_mode: attr.s('asymmetric'), nearest_mode: attr.s('floor') }));
  },
  vjp: (n, [g]) => {
    const x = n.inputs[0]!;
    const c = x.shape[1]!;
    return [reduceSum(reshape(g!, [0, c, x.shape[2]!, 2, x.shape[3]!, 2]), [3, 5])];
  },
});
/** Nearest-neighbour ×2 upsampling (PyTorch `F.interpolate(scale_factor=2, mode='nearest')`). */
export const upsampleNearest2x = (x: Tensor): Tensor => one(Upsample2Op, [x]);

const GlobalAvgPoolOp = defineOp<{}>({
  name: 'GlobalAveragePool',
  infer: ([x]) => [rank4('GlobalAveragePool', x!) && { dtype: x!.dtype, shape: [x!.shape[0]!, x!.shape[1]!, 1, 1] }],
  emit: (e, n) => {
    const x = n.inputs[0]!;
    const twin = e.nchwcInference ? e.blockedName(e.name(x)) : undefined;
    if (twin) e.bind(n.outputs[0]!, e.nchwOutput(e.op1('GlobalAveragePool', [twin], {}, NCHWC_DOMAIN), x.shape[1] as number));
    else emitAs('GlobalAveragePool')(e, n);
  },
  vjp: (n, [g]) => { const x = n.inputs[0]!; return [expandAs(div(g!, countOf(x, [2, 3])), x)]; },
});
export const globalAvgPool = (x: Tensor): Tensor => one(GlobalAvgPoolOp, [x]);

const AvgPoolOp = defineOp<{ k: number }>({
  name: 'AveragePool',
  infer: ([x], a) => {
    if (x!.rank !== 4) throw new ShapeError(`AveragePool: expected an NCHW input, got [${x!.shape}]`);
    // Like PyTorch (and ONNX without ceil_mode): rows and columns past the last whole window are dropped. A size
    // known only at run time is named (H)/k, which later shape rules take as exact: it must then be a multiple.
    const out = (d: Dim): Dim => {
      if (typeof d === 'number') return Math.floor(d / a.k);
      x!.graph.requireMultiple(d, a.k, `AveragePool(${a.k})`);
      return divDim(d, a.k);
    };
    return [{ dtype: x!.dtype, shape: [x!.shape[0]!, x!.shape[1]!, out(x!.shape[2]!), out(x!.shape[3]!)] }];
  },
  emit: emitAs('AveragePool', (a) => ({ kernel_shape: attr.ints([a.k, a.k]), strides: attr.ints([a.k, a.k]), pads: attr.ints([0, 0, 0, 0]) })),
  vjp: (n, [g]) => {
    const x = n.inputs[0]!;
    const k = n.attrs.k;
    const [, c, h, w] = x.shape;
    if (typeof h === 'number' && typeof w === 'number' && h % k === 0 && w % k === 0) {
      // Non-overlapping windows that tile x: each input pixel gets g/k² of its window.
      const e = expand(unsqueeze(unsqueeze(div(g!, k * k), [3]), [5]), [1, 1, 1, k, 1, k]);
      return [reshape(e, [0, c!, h, w])];
    }
    // Sizes the windows do not tile (or not known until run time): the gradient of the equivalent depthwise
    // convolution with a constant 1/k² kernel; the dropped rows and columns get zero.
    if (typeof c !== 'number') throw new ShapeError(`AveragePool gradient: needs a static channel count, got [${x.shape}]`);
    const data = (x.dtype === 'float64' ? new Float64Array(c * k * k) : new Float32Array(c * k * k)).fill(1 / (k * k));
    const kernel = x.graph.constant(data, [c, 1, k, k], x.dtype);
    return [convInputGrad(g!, x, kernel, { strides: [k, k], pads: [0, 0, 0, 0], dilations: [1, 1], group: c })];
  },
});
/**
 * Average pooling with kernel = stride = k; like PyTorch, a remainder of fewer than k rows or columns is dropped
 * (static sizes; a symbolic size must be a multiple of k at run time, Program.run checks it).
 */
export const avgPool = (x: Tensor, k: number): Tensor => one(AvgPoolOp, [x], { k });

// ---------------------------------------------------------------------------------------------------------
// normalisation

interface LNAttrs { eps: number }

/** Outputs of the channel norms: y, x̂ (both like x) and 1/σ ([B, 1, H, W]), kept for the backward pass. */
function inferChannelNorm([x, ...affine]: readonly Tensor[]): OutputSpec[] {
  const s = x!.shape;
  if (s.length < 2) throw new ShapeError(`channel norm: input [${s}] needs a channel axis (N, C, ...)`);
  if (typeof s[1] !== 'number') throw new ShapeError(`channel norm: the channel count must be static, got [${s}]`);
  // scale and shift multiply per channel: [1|B, C, 1, …] (what broadcasting against x·[per-pixel stats] needs)
  for (const t of affine) {
    const fits = (i: number): boolean => t.shape[i] === 1 || t.shape[i] === s[i] || typeof t.shape[i] === 'string' || typeof s[i] === 'string';
    const ok = t.rank === s.length && fits(0) && fits(1) && t.shape.every((d, i) => i < 2 || d === 1);
    if (!ok) throw new ShapeError(`channel norm: scale/shift [${t.shape}] must be [1 or B, ${s[1]}, 1…] against the input [${s}]`);
  }
  return [{ dtype: x!.dtype, shape: s }, { dtype: x!.dtype, shape: s }, { dtype: x!.dtype, shape: [s[0]!, 1, ...s.slice(2)] }];
}

/** y = x̂·scale (+ shift) with x̂ normalised over channels; inputs [x, scale, shift?]. */
function emitChannelNorm(e: Emitter, n: Node<LNAttrs>): void {
  const [x, scale, shift] = n.inputs as [Tensor, Tensor, Tensor | undefined];
  const xs = e.name(x);
  const statShape = n.outputs[2]!.shape;
  const mu = emitChannelReduce(e, xs, x.shape, statShape, 'mean', x.dtype);
  const xc = e.op1('Sub', [xs, mu]);
  // Mul + a mean, not ReduceSumSquare: ORT's ReduceSumSquare over the channel axis ran ~4× slower per
  // element than ReduceMean on [4, 64, 128, 128] (session 6), which cost more than the Mul it saves.
  const v = emitChannelReduce(e, e.op1('Mul', [xc, xc]), x.shape, statShape, 'mean', x.dtype);
  const rstd = e.op1('Reciprocal', [e.op1('Sqrt', [e.op1('Add', [v, e.floatScalar(n.attrs.eps, x.dtype)])])]);
  const xhat = e.op1('Mul', [xc, rstd]);
  let y = e.op1('Mul', [xhat, e.name(scale)]);
  if (shift) y = e.op1('Add', [y, e.name(shift)]);
  e.bind(n.outputs[0]!, y);
  e.bind(n.outputs[1]!, xhat);
  e.bind(n.outputs[2]!, rstd);
}


/**
 * mean_c(w_c · x_c) as [B, 1, H, W] (shaped like `like`), for x [B, C, H, W] and per-channel weights w [B|1, C, 1, 1]:
 * one batched row-vector MatMul (w/C)[B, 1, C] × x[B, C, H·W], so the weighted product is never written out.
 */
function weightedChannelMean(x: Tensor, w: Tensor, like: Tensor): Tensor {
  const c = x.shape[1] as number;
  return reshapeAs(matmul(reshape(div(w, c), [0, 1, c]), reshape(x, [0, c, -1])), like);
}

/**
 * LayerNorm over the channel axis of NCHW (NAFNet's LayerNorm2d; the U-Net's LN with weight only).
 * Native op with its own gradient: outputs [y, x̂, 1/σ] so the backward pass reuses the forward statistics
 *   dx = (1/σ)·(ĝ − mean_c ĝ − x̂·mean_c(ĝ·x̂)), ĝ = dy·weight.
 */
const ChannelLayerNormOp = defineOp<LNAttrs>({
  name: 'ChannelLayerNorm',
  infer: inferChannelNorm,
  emit: emitChannelNorm,
  vjp: (n, [gy, gxhat, grstd]) => {
    if (gxhat || grstd) throw new Error('ChannelLayerNorm: only its first output is differentiable');
    const [, w, b] = n.inputs as [Tensor, Tensor, Tensor | undefined];
    const xhat = n.outputs[1]!, rstd = n.outputs[2]!;
    const gh = mul(gy!, w);
    const P = mul(gy!, xhat);
    const ghx = weightedChannelMean(P, w, rstd); // mean_c(gh·x̂) = mean_c(w·P)
    const dx = mul(rstd, sub(sub(gh, reduceMean(gh, [1], true)), mul(xhat, ghx)));
    return [dx, sumToShape(P, w.shape), b ? sumToShape(gy!, b.shape) : null];
  },
});
export function channelLayerNorm(x: Tensor, weight: Tensor, bias: Tensor | null, eps = 1e-5): Tensor {
  return x.graph.apply(ChannelLayerNormOp, bias ? [x, weight, bias] : [x, weight], { eps })[0]!;
}

/**
 * Channel LayerNorm fused with a per-channel affine modulation: y = x̂·k + shift, where k and shift
 * broadcast as [B|1, C, 1, 1]. NAFNet's `norm(x)·(1 + scale) + shift` with the LN weight g folded into
 * k = g·(1 + scale) (a small tensor), which saves two full-size products forward and four backward.
 * Backward, with P = dy·x̂ shared by dk and the LN term:
 *   dx = (1/σ)·(dy·k) − (1/σ)·mean_c(dy·k) − x̂·(1/σ)·mean_c(k·P),  dk = Σ P,  dshift = Σ dy,
 * mean_c(k·P) being a batched row-vector MatMul (k·P is never written: ConditionalNAFNet step −17 ms, paired).
 */
const ChannelNormModulateOp = defineOp<LNAttrs>({
  name: 'ChannelNormModulate',
  infer: inferChannelNorm,
  emit: emitChannelNorm,
  vjp: (n, [gy, gxhat, grstd]) => {
    if (gxhat || grstd) throw new Error('ChannelNormModulate: only its first output is differentiable');
    const [, k, shift] = n.inputs as [Tensor, Tensor, Tensor | undefined];
    const xhat = n.outputs[1]!, rstd = n.outputs[2]!;
    const P = mul(gy!, xhat);
    const gh = mul(gy!, k);
    const a = mul(rstd, reduceMean(gh, [1], true));
    const b = mul(rstd, weightedChannelMean(P, k, rstd));
    const dx = sub(mul(gh, rstd), add(mul(xhat, b), a));
    return [dx, sumToShape(P, k.shape), shift ? sumToShape(gy!, shift.shape) : null];
  },
});
export function channelNormModulate(x: Tensor, k: Tensor, shift: Tensor | null, eps = 1e-5): Tensor {
  return x.graph.apply(ChannelNormModulateOp, shift ? [x, k, shift] : [x, k], { eps })[0]!;
}

/** GroupNorm over NCHW, composed from reductions (autodiff derives its gradient). weight/bias: [C]. */
export function groupNorm(x: Tensor, groups: number, weight: Tensor | null, bias: Tensor | null, eps = 1e-5): Tensor {
  const c = x.shape[1]!;
  if (typeof c !== 'number' || c % groups) throw new ShapeError(`GroupNorm: ${c} channels not divisible into ${groups} groups`);
  const xg = reshape(x, [0, groups, -1]);
  const mu = reduceMean(xg, [2], true);
  const xc = sub(xg, mu);
  const v = reduceMean(mul(xc, xc), [2], true);
  let y = reshapeAs(div(xc, sqrt(add(v, eps))), x);
  if (weight) y = mul(y, reshape(weight, [1, c, 1, 1]));
  if (bias) y = add(y, reshape(bias, [1, c, 1, 1]));
  return y;
}

// ---------------------------------------------------------------------------------------------------------
// shape access (no gradient)

const ShapeOfOp = defineOp<{}>({
  name: 'Shape',
  infer: ([x]) => [{ dtype: 'int64', shape: [x!.rank] }],
  emit: emitAs('Shape'),
  vjp: () => [null],
});
export const shapeOf = (x: Tensor): Tensor => one(ShapeOfOp, [x]);

export { Tensor };
