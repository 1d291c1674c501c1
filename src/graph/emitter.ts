/**
 * Writes a graph as an ONNX ModelProto. Walks the nodes needed by the requested outputs in creation
 * (= topological) order, lets each op write its ONNX nodes, merges identical nodes (CSE: the backward pass
 * asks for the same Shape/Transpose/Slice many times), and materialises symbolic dims (for Reshape/Expand
 * targets) from the first emitted tensor that carries them.
 */
import onnxProto from 'onnx-proto';
import type { onnx } from 'onnx-proto';
// onnx-proto is CommonJS: take the runtime namespace from its default export.
const onnxRt = onnxProto.onnx;
import { type DType, type Dim, type Graph, type Node, type Tensor, type ConstValue, isStatic } from './tensor.js';

declare global {
  /**
   * onnx-proto's generated types name protobufjs's 64-bit integer as a global `Long` without declaring it, so a
   * consumer that type-checks libraries (skipLibCheck: false) fails on them; this declares its shape.
   */
  interface Long { low: number; high: number; unsigned: boolean }
}

export const OPSET = 17;

export const onnxElemType: Record<DType, number> = {
  float32: onnxRt.TensorProto.DataType.FLOAT,
  uint8: onnxRt.TensorProto.DataType.UINT8,
  int32: onnxRt.TensorProto.DataType.INT32,
  int64: onnxRt.TensorProto.DataType.INT64,
  bool: onnxRt.TensorProto.DataType.BOOL,
  float16: onnxRt.TensorProto.DataType.FLOAT16,
  float64: onnxRt.TensorProto.DataType.DOUBLE,
};

/** Typed ONNX attribute values (ONNX needs the type of every attribute spelled out). */
export type AttrValue = { i: number } | { f: number } | { ints: readonly number[] } | { floats: readonly number[] } | { s: string };
export const attr = {
  i: (v: number): AttrValue => ({ i: v }),
  f: (v: number): AttrValue => ({ f: v }),
  ints: (v: readonly number[]): AttrValue => ({ ints: v }),
  floats: (v: readonly number[]): AttrValue => ({ floats: v }),
  s: (v: string): AttrValue => ({ s: v }),
};

function toAttributeProto(name: string, v: AttrValue): onnx.IAttributeProto {
  const T = onnxRt.AttributeProto.AttributeType;
  if ('i' in v) return { name, type: T.INT, i: v.i };
  if ('f' in v) return { name, type: T.FLOAT, f: v.f };
  if ('ints' in v) return { name, type: T.INTS, ints: [...v.ints] };
  if ('floats' in v) return { name, type: T.FLOATS, floats: [...v.floats] };
  return { name, type: T.STRING, s: new TextEncoder().encode(v.s) };
}

function rawBytes(v: ConstValue): Uint8Array {
  return new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
}

export function tensorProto(name: string, dtype: DType, dims: readonly number[], data: ConstValue): onnx.ITensorProto {
  return { name, dataType: onnxElemType[dtype], dims: [...dims], rawData: rawBytes(data) };
}

function valueInfo(name: string, dtype: DType, shape: readonly Dim[] | null): onnx.IValueInfoProto {
  const tensorType: onnx.TypeProto.ITensor = { elemType: onnxElemType[dtype] };
  if (shape) tensorType.shape = { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) };
  return { name, type: { tensorType } };
}

export interface EmitOptions {
  /** Graph outputs by name. */
  outputs: Record<string, Tensor>;
  /** Parameters baked in as initialisers (frozen inference graphs: ORT pre-packs conv weights). Others become inputs. */
  bakedParams?: ReadonlyMap<string, ConstValue>;
  graphName?: string;
  /**
   * Block size of onnxruntime-node's blocked-channel ("NCHWc") convolution kernels on this CPU, 0 (default) when
   * unavailable. Non-zero lets convolutions whose weights are fed at run time use those kernels (ops.ts, Conv):
   * onnxruntime blocks only convolutions with constant weights itself. See runtime/nchwc.ts.
   */
  nchwcBlock?: number;
  /**
   * Frozen inference graphs with `nchwcBlock`: emit every convolution the blocked kernels take (constant weights
   * included) and keep their outputs blocked through same-shape Add/Mul, GlobalAveragePool and a residual Add
   * (fused into the conv), and fold a per-channel affine input of a 1×1 conv (NAFNet's LayerNorm modulation and
   * channel attention) into its weights. onnxruntime's own NCHWc pass cannot do the last: it needs constant weights.
   * Channel counts that are not whole blocks are padded with zero weights; the first conv reads the NCHW image and a
   * conv to fewer channels than a block runs as tap planes (ops.ts emitFewOutputsConv). Graphs whose inputs have
   * symbolic dims are left to onnxruntime's pass.
   */
  nchwcInference?: boolean;
}

/** onnxruntime's domain of blocked-layout kernels (ReorderInput, Conv, ReorderOutput). */
export const NCHWC_DOMAIN = 'com.microsoft.nchwc';

export class Emitter {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  private readonly names = new Map<number, string>();
  private readonly dimSources = new Map<string, { name: string; axis: number }>();
  private readonly dimTensors = new Map<string, string>();
  private readonly cse = new Map<string, string[]>();
  private readonly constCache = new Map<string, string>();
  private readonly constant = new Map<number, boolean>();
  /** NCHW name → name of the same tensor in the blocked layout, where a blocked conv produced it. */
  private readonly blockedNames = new Map<string, string>();
  readonly domains = new Set<string>();
  private counter = 0;

  /** How many needed nodes read each tensor (by id), for fusions that must know a value has one reader. */
  readonly readers = new Map<number, number>();

  constructor(readonly graph: Graph, readonly nchwcBlock = 0, private readonly baked: ReadonlyMap<string, ConstValue> = new Map(), readonly nchwcInference = false) {}

  /** Whether t is known when the model is built (constants, baked parameters and what is computed from them only). */
  isConstant(t: Tensor): boolean {
    let v = this.constant.get(t.id);
    if (v !== undefined) return v;
    if (t.kind === 'const') v = true;
    else if (t.kind === 'param') v = this.baked.has(t.name);
    else if (t.kind === 'input' || !t.producer) v = false;
    else v = t.producer.inputs.every((x) => this.isConstant(x));
    this.constant.set(t.id, v);
    return v;
  }

  /** The blocked-layout twin of an emitted NCHW tensor, if a blocked kernel produced it. */
  blockedName(nchwName: string): string | undefined {
    return this.blockedNames.get(nchwName);
  }

  /** The emitted node that produced an output name (the last one, as names are fresh). */
  producerOf(name: string): onnx.INodeProto | undefined {
    for (let i = this.nodes.length - 1; i >= 0; i--) if (this.nodes[i]!.output!.includes(name)) return this.nodes[i];
    return undefined;
  }

  /**
   * Give an emitted node new inputs (a fusion). It leaves the CSE table, since it no longer computes what its key
   * says, and moves to the end of the list, after inputs that were emitted later, followed by the nodes that
   * read its outputs (the caller guarantees that those have no readers yet).
   */
  rewire(node: onnx.INodeProto, inputs: readonly string[], attrs: Record<string, AttrValue> = {}): void {
    for (const [k, v] of Object.entries(attrs)) node.attribute = [...(node.attribute ?? []).filter((a) => a.name !== k), toAttributeProto(k, v)];
    for (const [k, v] of this.cse) if (v[0] === node.output![0]) this.cse.delete(k);
    node.input = [...inputs];
    const outs = new Set(node.output);
    const moved = this.nodes.filter((m) => m === node || m.input!.some((x) => outs.has(x)));
    for (const m of moved) this.nodes.splice(this.nodes.indexOf(m), 1);
    this.nodes.push(node, ...moved.filter((m) => m !== node));
  }

  /** An NCHW tensor in the blocked layout: its twin where a blocked kernel produced it, else one ReorderInput. */
  blockedInput(nchwName: string): string {
    return this.blockedNames.get(nchwName) ?? this.op1('ReorderInput', [nchwName], {}, NCHWC_DOMAIN);
  }

  /** A blocked kernel's output back in NCHW (ReorderOutput), remembering the blocked original as its twin. */
  nchwOutput(blockedName: string, channels: number): string {
    const out = this.op1('ReorderOutput', [blockedName], { channels: attr.i(channels) }, NCHWC_DOMAIN);
    this.blockedNames.set(out, blockedName);
    return out;
  }

  /** ONNX name of a tensor (after CSE aliasing). */
  name(t: Tensor): string {
    const n = this.names.get(t.id);
    if (n === undefined) throw new Error(`emit: tensor ${t} used before it was emitted`);
    return n;
  }

  fresh(prefix = 'v'): string {
    return `${prefix}_${this.counter++}`;
  }

  /** Append one ONNX node; identical nodes (same op, inputs, attributes) are merged. Returns output names. */
  op(opType: string, inputs: readonly string[], nOutputs = 1, attrs: Record<string, AttrValue> = {}, domain = ''): string[] {
    const key = `${domain}:${opType}|${inputs.join(',')}|${nOutputs}|${JSON.stringify(attrs)}`;
    const hit = this.cse.get(key);
    if (hit) return hit;
    const outputs = Array.from({ length: nOutputs }, () => this.fresh((domain ? 'nchwc_' : '') + opType.toLowerCase()));
    if (domain) this.domains.add(domain);
    this.nodes.push({
      opType, input: [...inputs], output: outputs, name: outputs[0],
      attribute: Object.entries(attrs).map(([k, v]) => toAttributeProto(k, v)),
      ...(domain ? { domain } : {}),
    });
    this.cse.set(key, outputs);
    return outputs;
  }

  /** Convenience: single-output op. */
  op1(opType: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}, domain = ''): string {
    return this.op(opType, inputs, 1, attrs, domain)[0]!;
  }

  /** An int64 1-D constant (axes, shapes, pads), shared when repeated. */
  ints(values: readonly number[]): string {
    const key = `i64:${values.join(',')}`;
    let name = this.constCache.get(key);
    if (!name) {
      name = this.fresh('const');
      this.initializers.push(tensorProto(name, 'int64', [values.length], BigInt64Array.from(values.map((v) => BigInt(v)))));
      this.constCache.set(key, name);
    }
    return name;
  }

  /** A float32 (or, from a Float64Array, float64) constant of the given dims, shared when repeated. */
  floatConst(dims: readonly number[], data: Float32Array | Float64Array): string {
    const dtype: DType = data instanceof Float64Array ? 'float64' : 'float32';
    const key = `${dtype}t:${dims.join('x')}:${data.join(',')}`;
    let name = this.constCache.get(key);
    if (!name) {
      name = this.fresh('const');
      this.initializers.push(tensorProto(name, dtype, dims, data));
      this.constCache.set(key, name);
    }
    return name;
  }

  /** An int32 constant built once per `key` (large index tables: the key names their content, not the values). */
  int32Const(key: string, dims: readonly number[], build: () => Int32Array): string {
    const cacheKey = `i32:${key}`;
    let name = this.constCache.get(cacheKey);
    if (!name) {
      name = this.fresh('const');
      this.initializers.push(tensorProto(name, 'int32', dims, build()));
      this.constCache.set(cacheKey, name);
    }
    return name;
  }

  /** A scalar constant of a float dtype (float32 unless the tensor it meets is float64). */
  floatScalar(v: number, dtype: DType = 'float32'): string {
    if (dtype !== 'float32' && dtype !== 'float64') {
      throw new Error(`emit: this op builds ${dtype} constants only as float32 or float64; cast the input to float32 first`);
    }
    return this.floatConst([], dtype === 'float64' ? Float64Array.of(v) : Float32Array.of(v));
  }

  /** An int64 [n] tensor holding the given dims, symbolic ones read at run time from a tensor that has them. */
  shapeTensor(dims: readonly Dim[]): string {
    if (dims.every((d) => typeof d === 'number')) return this.ints(dims as number[]);
    const parts = dims.map((d) => (typeof d === 'number' ? this.ints([d]) : this.dimTensor(d)));
    return this.op1('Concat', parts, { axis: attr.i(0) });
  }

  dimTensor(dim: string): string {
    let t = this.dimTensors.get(dim);
    if (t) return t;
    const src = this.dimSources.get(dim);
    if (!src) throw new Error(`emit: no emitted tensor carries the symbolic dim "${dim}"`);
    const shape = this.op1('Shape', [src.name]);
    t = this.op1('Gather', [shape, this.ints([src.axis])], { axis: attr.i(0) });
    this.dimTensors.set(dim, t);
    return t;
  }

  /** The ONNX name of t, or undefined if nothing was emitted for it. */
  boundName(t: Tensor): string | undefined {
    return this.names.get(t.id);
  }

  bind(t: Tensor, name: string): void {
    this.names.set(t.id, name);
    t.shape.forEach((d, axis) => {
      if (typeof d === 'string' && !this.dimSources.has(d)) this.dimSources.set(d, { name, axis });
    });
  }
}

/** Nodes needed to compute `outputs`, in creation order. */
export function neededNodes(outputs: readonly Tensor[]): Node[] {
  const needed = new Set<Node>();
  const stack = outputs.map((t) => t.producer).filter((n): n is Node => n !== null);
  while (stack.length) {
    const n = stack.pop()!;
    if (needed.has(n)) continue;
    needed.add(n);
    for (const x of n.inputs) if (x.producer && !needed.has(x.producer)) stack.push(x.producer);
  }
  return [...needed].sort((a, b) => a.id - b.id);
}

export function emitModel(graph: Graph, opts: EmitOptions): { model: onnx.ModelProto; inputNames: string[]; outputNames: string[] } {
  // Shape-generic graphs keep onnxruntime's own NCHWc pass: with symbolic sizes the emitter's version measured
  // 2–4 % slower (ConditionalNAFNet w32 at 256², paired; no batch-1 folds, and fewer provably equal shapes).
  const blockedInference = !!(opts.nchwcBlock && opts.nchwcInference) && graph.inputs.every((t) => isStatic(t.shape));
  const e = new Emitter(graph, opts.nchwcBlock ?? 0, opts.bakedParams, blockedInference);
  const outs = Object.entries(opts.outputs);
  if (outs.length === 0) throw new Error('emitModel: no outputs requested (pass at least one { name: tensor })');
  const interfaceNames = new Set([...graph.inputs, ...graph.params].map((t) => t.name));
  for (const [name, t] of outs) {
    if (!t || typeof t !== 'object' || t.graph !== graph) throw new Error(`emitModel: output "${name}" is not a tensor of this graph`);
    if (interfaceNames.has(name)) throw new Error(`emitModel: output "${name}" has the name of a graph input or parameter; rename the output`);
  }
  const nodes = neededNodes(outs.map(([, t]) => t));
  const used = new Set<number>();
  for (const n of nodes) for (const x of n.inputs) { used.add(x.id); e.readers.set(x.id, (e.readers.get(x.id) ?? 0) + 1); }
  for (const [, t] of outs) { used.add(t.id); e.readers.set(t.id, (e.readers.get(t.id) ?? 0) + 1); }

  const inputs: onnx.IValueInfoProto[] = [];
  const inputNames: string[] = [];
  for (const t of [...graph.inputs, ...graph.params]) {
    if (!used.has(t.id)) continue;
    e.bind(t, t.name);
    const baked = t.kind === 'param' ? opts.bakedParams?.get(t.name) : undefined;
    if (baked) {
      e.initializers.push(tensorProto(t.name, t.dtype, t.shape as number[], baked));
    } else {
      inputs.push(valueInfo(t.name, t.dtype, t.shape));
      inputNames.push(t.name);
    }
  }
  for (const c of graph.consts) {
    if (!used.has(c.id)) continue;
    const name = `c${c.id}`;
    e.initializers.push(tensorProto(name, c.dtype, c.shape as number[], c.constValue!));
    e.bind(c, name);
  }
  for (const n of nodes) {
    n.op.emit(e, n);
  }
  // Declare the symbolic shapes of intermediate tensors ("H", "(H)/2", …). ONNX shape inference loses them
  // after a strided Conv or a Reshape to a computed shape; without them onnxruntime cannot prove that the two
  // inputs of an Add have one shape, and optimises a symbolic-shape graph differently from a fixed-shape one
  // (fewer Conv+Add fusions, more layout reorders, and outputs ~1e-7 apart).
  const valueInfos: onnx.IValueInfoProto[] = [];
  const declared = new Set<string>([...inputNames, ...e.initializers.map((t) => t.name!)]);
  for (const n of nodes) {
    for (const t of n.outputs) {
      const name = e.boundName(t);
      if (!name || declared.has(name) || isStatic(t.shape)) continue;
      declared.add(name);
      valueInfos.push(valueInfo(name, t.dtype, t.shape));
    }
  }
  const outputs: onnx.IValueInfoProto[] = [];
  const outputNames: string[] = [];
  for (const [name, t] of outs) {
    const src = e.name(t);
    // Graph outputs need their own names; an Identity is free after ORT's optimiser.
    e.nodes.push({ opType: 'Identity', input: [src], output: [name], name: `out_${name}` });
    outputs.push(valueInfo(name, t.dtype, t.shape));
    outputNames.push(name);
  }
  // Drop nodes and constants nothing reads (a blocked conv's NCHW copy when only blocked convs consumed it, the
  // portable formulation of a value the blocked kernels computed).
  const live = new Set(outputNames);
  const kept: onnx.INodeProto[] = [];
  for (let i = e.nodes.length - 1; i >= 0; i--) {
    const node = e.nodes[i]!;
    if (!node.output!.some((o) => live.has(o))) continue;
    kept.push(node);
    for (const x of node.input!) live.add(x);
  }
  kept.reverse();
  const model = onnxRt.ModelProto.create({
    irVersion: 8,
    producerName: 'irsde',
    opsetImport: [{ domain: '', version: OPSET }, ...[...e.domains].map((domain) => ({ domain, version: 1 }))],
    graph: {
      name: opts.graphName ?? 'irsde', node: kept, input: inputs, output: outputs, initializer: e.initializers.filter((t) => live.has(t.name!)),
      valueInfo: valueInfos.filter((v) => live.has(v.name!)),
    },
  });
  return { model, inputNames, outputNames };
}

export function serializeModel(model: onnx.ModelProto): Uint8Array {
  return onnxRt.ModelProto.encode(model).finish();
}
