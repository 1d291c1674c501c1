/**
 * One training step = one ORT run of the graph that computes the loss and the gradient of every parameter
 * (forward and backward emitted together), then an optimiser update in TypeScript over the same
 * Float32Arrays that are fed next run (ENGINE.md "Training loop").
 */
import { sameShape } from '../graph/shape.js';
import type { Graph, Tensor } from '../graph/tensor.js';
import { grad, lossDependsOn } from '../autodiff/grad.js';
import { Program } from './program.js';
import type { Backend, HostTensor } from './backend.js';
import type { ParamStore } from './params.js';

export interface TrainingProgramOptions {
  /** Extra tensors to return each step (e.g. predictions for logging). */
  extra?: Record<string, Tensor>;
  threads?: number;
  /** See CompileOptions.blockedConvs (default true). */
  blockedConvs?: boolean;
}

export class TrainingProgram {
  private constructor(
    readonly program: Program,
    /** The stored parameters that get gradients (all of the store's graph parameters but `unusedParams`). */
    readonly paramNames: readonly string[],
    private readonly store: ParamStore,
    /** Graph parameters the store does not hold: the caller feeds them (e.g. frozen weights). */
    private readonly fedParams: readonly string[],
    /**
     * Stored parameters the loss does not depend on. They get no gradient (absent from `run().grads`), so the
     * optimisers leave them untouched, as PyTorch does for parameters whose .grad is None.
     */
    readonly unusedParams: readonly string[],
  ) {}

  /** Differentiate `loss` w.r.t. every graph parameter and compile loss + gradients into one session. */
  static async create(backend: Backend, graph: Graph, loss: Tensor, store: ParamStore, opts: TrainingProgramOptions = {}): Promise<TrainingProgram> {
    // Parameters not in the store are inputs the caller feeds (e.g. frozen weights); those in it must fit.
    const params = graph.params.filter((p) => store.has(p.name));
    for (const p of params) {
      const have = store.shape(p.name), want = p.shape as readonly number[];
      if (!sameShape(have, want)) {
        throw new Error(`TrainingProgram: parameter "${p.name}" is [${have.join(', ')}] in the ParamStore but [${want.join(', ')}] in the graph`);
      }
    }
    for (const k of Object.keys(opts.extra ?? {})) {
      if (k === 'loss' || k.startsWith('grad:')) throw new Error(`TrainingProgram: extra output "${k}" would replace the loss or a gradient; rename it`);
    }
    const used = lossDependsOn(loss, params);
    const trained = params.filter((_, i) => used[i]);
    const grads = grad(loss, trained);
    const outputs: Record<string, Tensor> = { loss, ...(opts.extra ?? {}) };
    trained.forEach((p, i) => { outputs[`grad:${p.name}`] = grads[i]!; });
    const program = await Program.compile(backend, graph, outputs, { training: true, threads: opts.threads, blockedConvs: opts.blockedConvs });
    const fed = graph.params.filter((p) => !store.has(p.name) && program.inputNames.includes(p.name)).map((p) => p.name);
    const unused = params.filter((_, i) => !used[i]).map((p) => p.name);
    return new TrainingProgram(program, trained.map((p) => p.name), store, fed, unused);
  }

  /** Run forward + backward. Returns the loss, the gradients by parameter name, and any extra outputs. */
  async run(feeds: Record<string, HostTensor>): Promise<{ loss: number; grads: Map<string, Float32Array>; extra: Record<string, HostTensor> }> {
    for (const name of this.fedParams) {
      if (feeds[name] === undefined) throw new Error(`TrainingProgram.run: parameter "${name}" is neither in the ParamStore the program was created with nor fed`);
    }
    const all: Record<string, HostTensor | Float32Array> = { ...feeds };
    for (const name of this.paramNames) all[name] = this.store.get(name);
    for (const name of this.unusedParams) if (this.program.inputNames.includes(name)) all[name] = this.store.get(name); // read by an extra output
    const res = await this.program.run(all);
    const grads = new Map<string, Float32Array>();
    const extra: Record<string, HostTensor> = {};
    for (const [k, v] of Object.entries(res)) {
      if (k.startsWith('grad:')) grads.set(k.slice(5), v.data as Float32Array);
      else if (k !== 'loss') extra[k] = v;
    }
    return { loss: res.loss!.data[0] as number, grads, extra };
  }

  release(): Promise<void> { return this.program.release(); }
}
