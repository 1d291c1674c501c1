/**
 * Symbolic tensors and the graph that records how they were computed.
 *
 * A `Tensor` is a value in a `Graph`: dtype + shape (dims are numbers or symbolic names such as 'B', 'H').
 * Each op call appends one `Node` (op + attrs + inputs → outputs); nodes are kept in creation order, which
 * is a topological order. Nothing is computed here: the graph is later emitted as ONNX (`onnx.ts`),
 * differentiated (`autodiff/`), and run by ONNX Runtime (`runtime/`).
 */
import type { OpDef } from './op.js';

export type DType = 'float32' | 'float16' | 'float64' | 'int64' | 'int32' | 'bool' | 'uint8';
/** A dimension: a known size, or a symbolic name that is only known at run time. */
export type Dim = number | string;
export type Shape = readonly Dim[];

export type TensorKind = 'input' | 'param' | 'const' | 'value';

export class Tensor {
  /** Position of this tensor in its producer's outputs. */
  readonly index: number;
  constructor(
    readonly graph: Graph,
    readonly id: number,
    readonly dtype: DType,
    readonly shape: Shape,
    readonly kind: TensorKind,
    readonly producer: Node | null,
    index = 0,
    /** Name for inputs/params (graph interface); values get generated names. */
    readonly name: string = `t${id}`,
    /** Constant payload for kind 'const'. */
    readonly constValue?: ConstValue,
  ) {
    this.index = index;
  }
  get rank(): number { return this.shape.length; }
  toString(): string { return `${this.name}:${this.dtype}[${this.shape.join(',')}]`; }
}

export type ConstValue = Float32Array | BigInt64Array | Int32Array | Uint8Array | Float64Array;

export class Node<A = any> {
  constructor(
    readonly id: number,
    readonly op: OpDef<A>,
    readonly inputs: readonly Tensor[],
    readonly attrs: A,
    public outputs: readonly Tensor[] = [],
  ) {}
}

/** Dimensions are non-negative integers, or (inputs only) non-empty names of symbolic sizes. */
function checkShape(name: string, shape: readonly (number | string)[], symbolic: boolean): void {
  if (!Array.isArray(shape)) throw new TypeError(`${name}: shape must be an array of dimensions, got ${String(shape)}`);
  for (const d of shape) {
    const ok = typeof d === 'number' ? Number.isInteger(d) && d >= 0 : symbolic && typeof d === 'string' && d.length > 0;
    if (!ok) throw new TypeError(`${name}: dimension ${typeof d === 'string' ? `'${d}'` : String(d)} in [${shape.join(', ')}] must be a non-negative integer${symbolic ? ' or the name of a symbolic size' : ''}`);
  }
}

/** Records tensors and nodes. One graph per model (forward + the gradient nodes added by `grad`). */
export class Graph {
  readonly nodes: Node[] = [];
  readonly inputs: Tensor[] = [];
  readonly params: Tensor[] = [];
  readonly consts: Tensor[] = [];
  private nextId = 0;
  private readonly scalarCache = new Map<string, Tensor>();
  private readonly names = new Set<string>();
  /** Symbolic input sizes that must be multiples of a number at run time (checked by Program.run). */
  readonly dimMultiples = new Map<string, { multiple: number; reason: string }>();

  /** Declare that the symbolic size `dim` must be a multiple of `multiple` (`reason` says who needs it and what to do). */
  requireMultiple(dim: string, multiple: number, reason: string): void {
    const prev = this.dimMultiples.get(dim);
    if (prev && prev.multiple % multiple === 0) return;
    // Two requirements combine to their least common multiple.
    const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);
    const m = prev ? (prev.multiple * multiple) / gcd(prev.multiple, multiple) : multiple;
    this.dimMultiples.set(dim, { multiple: m, reason: prev && m !== multiple ? `${prev.reason}; ${reason}` : reason });
  }

  input(name: string, shape: Shape, dtype: DType = 'float32'): Tensor {
    checkShape(name, shape, true);
    this.claim(name);
    const t = new Tensor(this, this.nextId++, dtype, [...shape], 'input', null, 0, name);
    this.inputs.push(t);
    return t;
  }

  /** A trainable (or frozen, at export) parameter: a named graph input whose value lives in a ParamStore. */
  param(name: string, shape: readonly number[], dtype: DType = 'float32'): Tensor {
    checkShape(name, shape, false);
    this.claim(name);
    const t = new Tensor(this, this.nextId++, dtype, [...shape], 'param', null, 0, name);
    this.params.push(t);
    return t;
  }

  constant(value: ConstValue, shape: readonly number[], dtype: DType): Tensor {
    const t = new Tensor(this, this.nextId++, dtype, [...shape], 'const', null, 0, undefined, value);
    this.consts.push(t);
    return t;
  }

  /** A scalar constant (rank 0), shared between uses so the ONNX file holds it once. */
  scalar(value: number, dtype: DType = 'float32'): Tensor {
    const key = `${dtype}:${Object.is(value, -0) ? '-0' : value}`;
    let t = this.scalarCache.get(key);
    if (!t) {
      const data = dtype === 'int64' ? BigInt64Array.of(BigInt(value)) : dtype === 'float64' ? Float64Array.of(value) : dtype === 'int32' ? Int32Array.of(value)
        : dtype === 'uint8' || dtype === 'bool' ? Uint8Array.of(value) : Float32Array.of(value);
      t = this.constant(data, [], dtype);
      this.scalarCache.set(key, t);
    }
    return t;
  }

  /** Append a node: the op's shape rule gives the outputs. */
  apply<A>(op: OpDef<A>, inputs: readonly Tensor[], attrs: A): Tensor[] {
    for (const x of inputs) {
      if (x.graph !== this) throw new Error(`op ${op.name}: input ${x} belongs to another graph`);
    }
    const node = new Node<A>(this.nextId++, op, inputs, attrs);
    const specs = op.infer(inputs, attrs);
    node.outputs = specs.map((s, i) => new Tensor(this, this.nextId++, s.dtype, s.shape, 'value', node, i));
    this.nodes.push(node);
    return node.outputs as Tensor[];
  }

  private claim(name: string): void {
    if (this.names.has(name)) throw new Error(`duplicate graph input/param name "${name}"`);
    this.names.add(name);
  }
}

export function isStatic(shape: Shape): shape is readonly number[] {
  return shape.every((d) => typeof d === 'number');
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function sameDim(a: Dim, b: Dim): boolean {
  return a === b;
}

export function shapeStr(s: Shape): string {
  return `[${s.join(', ')}]`;
}
