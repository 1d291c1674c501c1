/**
 * Parameter naming for modules. A module is a function (scope, inputs) → outputs; `scope.param` declares a
 * graph parameter under a dotted name that follows the reference state-dict (e.g. `encoders.0.0.conv1.weight`),
 * and records how to initialise it, so `initParams` can fill a ParamStore and checkpoints map one-to-one.
 */
import type { Graph, Tensor } from '../graph/tensor.js';
import { ParamStore, type Init } from '../runtime/params.js';
import type { Rng } from '../runtime/rng.js';

export interface ParamSpec { name: string; shape: number[]; init: Init }

export class Scope {
  constructor(readonly graph: Graph, readonly specs: ParamSpec[] = [], readonly prefix = '') {}

  param(name: string, shape: number[], init: Init): Tensor {
    const full = this.prefix + name;
    this.specs.push({ name: full, shape, init });
    return this.graph.param(full, shape);
  }

  /** A child scope: `s.sub('conv1').param('weight', …)` → `conv1.weight`. */
  sub(name: string | number): Scope {
    return new Scope(this.graph, this.specs, `${this.prefix}${name}.`);
  }
}

/** Fill a new ParamStore from the declared specs (PyTorch-default initialisation unless stated). */
export function initParams(specs: readonly ParamSpec[], rng: Rng): ParamStore {
  const store = new ParamStore();
  for (const s of specs) store.add(s.name, s.shape, s.init, rng);
  return store;
}

export function countParams(specs: readonly ParamSpec[]): number {
  return specs.reduce((n, s) => n + s.shape.reduce((p, d) => p * d, 1), 0);
}
