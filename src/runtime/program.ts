/**
 * A compiled graph: the ONNX bytes, an ORT session on a backend, and typed run(). Parameters are either fed
 * as inputs each run (training: the optimiser updates the same Float32Arrays in place and ORT sees the new
 * values without a copy) or baked in as initialisers (inference: ORT pre-packs conv weights).
 */
import type { Graph, Tensor, ConstValue } from '../graph/tensor.js';
import { emitModel, serializeModel } from '../graph/emitter.js';
import type { Backend, HostTensor, Session, SessionOptions } from './backend.js';
import { nchwcBlockSize } from './nchwc.js';

export interface CompileOptions extends SessionOptions {
  /** Parameter values to bake into the model as initialisers (frozen inference). */
  bake?: ReadonlyMap<string, ConstValue>;
  name?: string;
  /**
   * Use onnxruntime's blocked-channel kernels where this CPU has them (runtime/nchwc.ts): for convolutions whose
   * weights are fed (training), and for whole frozen inference graphs when every parameter is baked (the emitter's
   * `nchwcInference`: blocked element-wise ops, fused residuals, folded per-channel affines). Default true. Such a
   * Program's `bytes` then hold onnxruntime-internal operators: pass false, or use `emitModel`, for a portable model.
   */
  blockedConvs?: boolean;
}

export class Program {
  private constructor(
    readonly session: Session,
    readonly bytes: Uint8Array,
    readonly inputShapes: ReadonlyMap<string, readonly (number | string)[]>,
    /** Every input and parameter name of the graph, the ones the outputs do not need included. */
    private readonly graphNames: ReadonlySet<string> = new Set(inputShapes.keys()),
    private readonly inputDtypes: ReadonlyMap<string, string> = new Map(),
    private readonly dimMultiples: ReadonlyMap<string, { multiple: number; reason: string }> = new Map(),
  ) {}

  static async compile(backend: Backend, graph: Graph, outputs: Record<string, Tensor>, opts: CompileOptions = {}): Promise<Program> {
    const feedsWeights = graph.params.some((p) => !opts.bake?.has(p.name));
    // Fed weights: blocked kernels for the convs onnxruntime cannot block itself. All weights baked (inference): the
    // whole graph in the blocked layout where it pays (emitter.ts, nchwcInference).
    const nchwcBlock = opts.blockedConvs !== false ? await nchwcBlockSize(backend, { forwardOnly: !feedsWeights }) : 0;
    const { model, inputNames } = emitModel(graph, { outputs, bakedParams: opts.bake, graphName: opts.name, nchwcBlock, nchwcInference: !feedsWeights });
    const bytes = serializeModel(model);
    const session = await backend.createSession(bytes, opts);
    const shapes = new Map<string, readonly (number | string)[]>();
    const dtypes = new Map<string, string>();
    for (const t of [...graph.inputs, ...graph.params]) if (inputNames.includes(t.name)) { shapes.set(t.name, t.shape); dtypes.set(t.name, t.dtype); }
    return new Program(session, bytes, shapes, new Set([...graph.inputs, ...graph.params].map((t) => t.name)), dtypes, new Map(graph.dimMultiples));
  }

  get inputNames(): readonly string[] { return this.session.inputNames; }
  get outputNames(): readonly string[] { return this.session.outputNames; }

  /**
   * Run. Feeds may be HostTensors or bare Float32Arrays for inputs whose graph shape is fully static
   * (parameters). Missing feeds are reported by name.
   */
  async run(feeds: Record<string, HostTensor | Float32Array>, outputs?: readonly string[]): Promise<Record<string, HostTensor>> {
    if (this.released) throw new Error('Program.run: this program was released; compile a new one');
    const names = this.session.inputNames;
    // A misspelt feed is an error; an input of the graph that the outputs do not need may be fed and is dropped.
    for (const k of Object.keys(feeds)) {
      if (!this.graphNames.has(k)) throw new Error(`Program.run: "${k}" is not an input of this program's graph (inputs: ${names.slice(0, 12).join(', ')}${names.length > 12 ? ', …' : ''})`);
    }
    const full: Record<string, HostTensor> = {};
    const symbols = new Map<string, { size: number; input: string }>();
    for (const name of names) {
      const v = feeds[name];
      if (v === undefined) throw new Error(`Program.run: no value fed for input "${name}"`);
      const shape = this.inputShapes.get(name);
      if (v instanceof Float32Array) {
        if (!shape || !shape.every((d) => typeof d === 'number')) throw new Error(`Program.run: input "${name}" has symbolic dims; feed a HostTensor with dims`);
        full[name] = { data: v, dims: shape as number[], dtype: 'float32' };
      } else full[name] = v;
      const t = full[name]!;
      const dtype = this.inputDtypes.get(name);
      if (dtype && t.dtype !== dtype) throw new Error(`Program.run: "${name}" is fed as ${String(t.dtype)}, the graph declares ${dtype}`);
      const arrayType = ARRAY_TYPES[t.dtype];
      if (arrayType && !(t.data instanceof arrayType)) {
        throw new Error(`Program.run: "${name}" is ${String(t.dtype)}, which takes a ${arrayType.name}, but its data is a ${(t.data as object)?.constructor?.name ?? typeof t.data}`);
      }
      const n = t.dims.reduce((p, d) => p * d, 1);
      if (t.data.length !== n) throw new Error(`Program.run: "${name}" has ${t.data.length} values for dims [${t.dims.join(', ')}] (${n})`);
      if (!shape) continue;
      // Dims against the graph, before onnxruntime sees them: static sizes equal, one size per symbol.
      const mismatch = (): Error => new Error(`Program.run: "${name}" fed with dims [${t.dims.join(', ')}], the graph declares [${shape.join(', ')}]`);
      if (t.dims.length !== shape.length) throw mismatch();
      shape.forEach((d, i) => {
        const got = t.dims[i]!;
        if (typeof d === 'number') { if (d !== got) throw mismatch(); return; }
        const seen = symbols.get(d);
        const need = this.dimMultiples.get(d);
        if (need && got % need.multiple !== 0) {
          throw new Error(`Program.run: "${name}" has ${d} = ${got}, which must be a multiple of ${need.multiple} for ${need.reason}`);
        }
        if (!seen) symbols.set(d, { size: got, input: name });
        else if (seen.size !== got) throw new Error(`Program.run: symbolic size "${d}" is ${seen.size} in "${seen.input}" but ${got} in "${name}"`);
      });
    }
    return this.session.run(full, outputs);
  }

  private released = false;
  /** Free the onnxruntime session (idempotent). */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.session.release();
  }
}

/** The typed array onnxruntime expects for each element type (float16 travels as raw 16-bit words). */
const ARRAY_TYPES: Partial<Record<string, { new (n: number): ArrayLike<unknown>; name: string }>> = {
  float32: Float32Array, float64: Float64Array, float16: Uint16Array, int64: BigInt64Array, int32: Int32Array, bool: Uint8Array, uint8: Uint8Array,
};

export function hostTensor(data: Float32Array, dims: readonly number[]): HostTensor {
  return { data, dims, dtype: 'float32' };
}

/**
 * Session cache: compiling a graph and creating an ORT session costs 0.1–2 s, so programs are kept by a
 * caller-chosen key (e.g. `${model}/${backend}/${tileShape}`) and reused. `release` frees them all.
 */
export class ProgramCache {
  private readonly map = new Map<string, Promise<Program>>();

  get(key: string, create: () => Promise<Program>): Promise<Program> {
    let p = this.map.get(key);
    if (!p) {
      p = create();
      this.map.set(key, p);
      p.catch(() => this.map.delete(key)); // a failed compile is not cached
    }
    return p;
  }

  has(key: string): boolean { return this.map.has(key); }
  get size(): number { return this.map.size; }

  async release(): Promise<void> {
    const all = [...this.map.values()];
    this.map.clear();
    for (const p of all) await (await p.catch(() => null))?.release();
  }
}
