/**
 * Named float32 parameters with shapes, kept in insertion order. The Float32Arrays are stable: loading a
 * checkpoint copies into them, so anything holding a reference (an ORT input binding, an optimiser) sees the
 * new values.
 */
import { IrsdeError } from '../common/errors.js';
import { bf16ArrayToF32, decodeSafetensors, encodeSafetensors, f16ArrayToF32 } from './safetensors.js';
import type { DecodedSafetensors, SafeTensor } from './safetensors.js';
import { Rng } from './rng.js';

export interface Param {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** How to fill a new parameter. */
export type Init =
  | { kind: 'zeros' }
  | { kind: 'ones' }
  | { kind: 'constant'; value: number }
  /** U(−bound, bound). */
  | { kind: 'uniform'; bound: number }
  /**
   * PyTorch's default for Conv/Linear (kaiming_uniform_ with a = √5 for weights, and the bias rule):
   * U(±1/√fan_in). `fanIn` defaults to the weight rule: shape[1] × prod(shape[2:]) (in/groups × kh × kw);
   * biases must give it (the fan_in of their layer's weight).
   */
  | { kind: 'torch'; fanIn?: number }
  | { kind: 'normal'; mean?: number; std: number }
  /** Copy these values (length must match). */
  | { kind: 'data'; data: ArrayLike<number> };

/** Initialiser shorthands: `init.torch()`, `init.zeros`, … */
export const init = {
  zeros: { kind: 'zeros' } as Init,
  ones: { kind: 'ones' } as Init,
  constant: (value: number): Init => ({ kind: 'constant', value }),
  uniform: (bound: number): Init => ({ kind: 'uniform', bound }),
  torch: (fanIn?: number): Init => (fanIn === undefined ? { kind: 'torch' } : { kind: 'torch', fanIn }),
  normal: (std: number, mean = 0): Init => ({ kind: 'normal', mean, std }),
  data: (data: ArrayLike<number>): Init => ({ kind: 'data', data }),
};

/** PyTorch's fan_in of a weight: shape[1] × prod(shape[2:]). */
export function fanIn(shape: readonly number[]): number {
  if (shape.length < 2) throw new IrsdeError('bad-init', `fan_in needs a weight of rank ≥ 2, got shape [${shape.join(', ')}]`, { hint: 'give fanIn explicitly for biases' });
  let n = shape[1]!;
  for (let i = 2; i < shape.length; i++) n *= shape[i]!;
  return n;
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function checkShape(name: string, shape: readonly number[]): void {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new IrsdeError('bad-param', `parameter "${name}" has an invalid shape ${JSON.stringify(shape)}`);
  }
}

const fmt = (s: readonly number[]) => `[${s.join(', ')}]`;

export interface LoadOptions {
  /** Unexpected or missing names are errors (default true). When false they are skipped and reported. */
  strict?: boolean;
}

export interface LoadReport {
  loaded: string[];
  missing: string[];
  unexpected: string[];
}

export class ParamStore implements Iterable<Param> {
  private readonly map = new Map<string, Param>();

  /**
   * Add a parameter. Random initialisers draw from `rng` (required for 'uniform', 'torch', 'normal').
   * Returns its Float32Array.
   */
  add(name: string, shape: readonly number[], how: Init = init.zeros, rng?: Rng): Float32Array {
    if (this.map.has(name)) throw new IrsdeError('bad-param', `parameter "${name}" already exists`);
    checkShape(name, shape);
    const data = new Float32Array(numel(shape));
    fillInit(name, data, shape, how, rng);
    this.map.set(name, { name, shape: Object.freeze([...shape]), data });
    return data;
  }

  /** Add an existing array (not copied). */
  adopt(name: string, shape: readonly number[], data: Float32Array): Float32Array {
    if (this.map.has(name)) throw new IrsdeError('bad-param', `parameter "${name}" already exists`);
    checkShape(name, shape);
    if (data.length !== numel(shape)) throw new IrsdeError('bad-param', `parameter "${name}" has shape ${fmt(shape)} but ${data.length} values`);
    this.map.set(name, { name, shape: Object.freeze([...shape]), data });
    return data;
  }

  has(name: string): boolean {
    return this.map.has(name);
  }

  /** The parameter's data; throws naming it when absent. */
  get(name: string): Float32Array {
    return this.param(name).data;
  }

  param(name: string): Param {
    const p = this.map.get(name);
    if (!p) throw new IrsdeError('unknown-param', `no parameter named "${name}"`, { hint: this.map.size ? `known: ${[...this.map.keys()].slice(0, 8).join(', ')}${this.map.size > 8 ? ', …' : ''}` : 'the store is empty' });
    return p;
  }

  shape(name: string): readonly number[] {
    return this.param(name).shape;
  }

  names(): string[] {
    return [...this.map.keys()];
  }

  /** Number of parameter tensors. */
  get size(): number {
    return this.map.size;
  }

  /** Total number of scalars. */
  get count(): number {
    let n = 0;
    for (const p of this.map.values()) n += p.data.length;
    return n;
  }

  [Symbol.iterator](): Iterator<Param> {
    return this.map.values();
  }

  /** The tensors as a safetensors record (views, not copies). */
  toTensors(): Record<string, SafeTensor> {
    const out: Record<string, SafeTensor> = Object.create(null);
    for (const p of this.map.values()) out[p.name] = { dtype: 'F32', shape: [...p.shape], data: p.data };
    return out;
  }

  toSafetensors(metadata?: Record<string, string>): Uint8Array {
    return encodeSafetensors(this.toTensors(), metadata);
  }

  /** A new store holding every tensor of the file (F16/BF16 converted; other non-float32 dtypes rejected). */
  static fromSafetensors(src: Uint8Array | DecodedSafetensors): ParamStore {
    const dec = src instanceof Uint8Array ? decodeSafetensors(src, { toFloat32: true }) : src;
    const store = new ParamStore();
    for (const [name, t] of Object.entries(dec.tensors)) store.adopt(name, t.shape, asF32(name, t));
    return store;
  }

  /**
   * Copy a checkpoint's values into the existing parameters (in place). Shapes must match exactly. With
   * `strict` (default), any missing or unexpected name is an error; all problems are listed in one message.
   */
  load(src: Uint8Array | DecodedSafetensors | Record<string, SafeTensor>, opts: LoadOptions = {}): LoadReport {
    const strict = opts.strict ?? true;
    const tensors: Record<string, SafeTensor> =
      src instanceof Uint8Array ? decodeSafetensors(src, { toFloat32: true }).tensors
        : isDecoded(src) ? src.tensors : src;
    const problems: string[] = [];
    const shapeProblems: string[] = [];
    const missing: string[] = [];
    const unexpected: string[] = [];
    for (const p of this.map.values()) {
      const t = Object.prototype.hasOwnProperty.call(tensors, p.name) ? tensors[p.name] : undefined;
      if (!t) {
        missing.push(p.name);
        continue;
      }
      if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i])) {
        shapeProblems.push(`"${p.name}" has shape ${fmt(t.shape)} in the checkpoint but ${fmt(p.shape)} in the model`);
      } else if (!['F32', 'F16', 'BF16', 'F64'].includes(t.dtype)) {
        problems.push(`"${p.name}" is ${t.dtype} in the checkpoint, not a float type`);
      }
    }
    // A few shape differences say enough (a different width gives one per parameter)
    if (shapeProblems.length) problems.unshift(shapeProblems.slice(0, 3).join('; ') + (shapeProblems.length > 3 ? `; ${shapeProblems.length - 3} more with other shapes` : ''));
    for (const name of Object.keys(tensors)) if (!this.map.has(name)) unexpected.push(name);
    if (strict) {
      if (missing.length) problems.push(`missing from the checkpoint: ${listNames(missing)}`);
      if (unexpected.length) problems.push(`not in the model: ${listNames(unexpected)}`);
    }
    if (problems.length) {
      throw new IrsdeError('param-mismatch', `checkpoint does not match the model: ${problems.join('; ')}`, {
        hint: 'was it trained with a different network configuration?',
      });
    }
    const loaded: string[] = [];
    for (const p of this.map.values()) {
      const t = Object.prototype.hasOwnProperty.call(tensors, p.name) ? tensors[p.name] : undefined;
      if (!t) continue;
      p.data.set(asF32(p.name, t));
      loaded.push(p.name);
    }
    return { loaded, missing, unexpected };
  }

  /** Deep copy (new arrays). */
  clone(): ParamStore {
    const s = new ParamStore();
    for (const p of this.map.values()) s.adopt(p.name, p.shape, p.data.slice());
    return s;
  }
}

function isDecoded(x: unknown): x is DecodedSafetensors {
  const o = x as DecodedSafetensors;
  // A plain tensor record could hold a tensor named "tensors"; that one has a string dtype.
  return typeof o === 'object' && o !== null && typeof o.tensors === 'object' && o.tensors !== null &&
    typeof o.metadata === 'object' && o.metadata !== null && typeof (o.tensors as { dtype?: unknown }).dtype !== 'string';
}

function listNames(names: string[]): string {
  return names.slice(0, 10).map((n) => `"${n}"`).join(', ') + (names.length > 10 ? ` and ${names.length - 10} more` : '');
}

/** Float data as Float32Array (F16/BF16 from a decode with toFloat32 already are; F64 is narrowed). */
function asF32(name: string, t: SafeTensor): Float32Array {
  if (t.dtype === 'F32' && t.data instanceof Float32Array) return t.data;
  if (t.dtype === 'F64' && t.data instanceof Float64Array) return Float32Array.from(t.data);
  if (t.dtype === 'F16' && t.data instanceof Uint16Array) return f16ArrayToF32(t.data);
  if (t.dtype === 'BF16' && t.data instanceof Uint16Array) return bf16ArrayToF32(t.data);
  throw new IrsdeError('param-mismatch', `parameter "${name}" is ${t.dtype} in the checkpoint, not a float type`);
}

function fillInit(name: string, data: Float32Array, shape: readonly number[], how: Init, rng: Rng | undefined): void {
  const needRng = (): Rng => {
    if (!rng) throw new IrsdeError('bad-init', `parameter "${name}": the "${how.kind}" initialiser needs an rng`);
    return rng;
  };
  switch (how.kind) {
    case 'zeros':
      return;
    case 'ones':
      data.fill(1);
      return;
    case 'constant':
      data.fill(how.value);
      return;
    case 'uniform':
      needRng().fillUniform(data, -how.bound, how.bound);
      return;
    case 'torch': {
      const fi = how.fanIn ?? fanIn(shape);
      if (!(fi > 0)) throw new IrsdeError('bad-init', `parameter "${name}": fan_in must be positive, got ${fi}`);
      const bound = 1 / Math.sqrt(fi);
      needRng().fillUniform(data, -bound, bound);
      return;
    }
    case 'normal':
      needRng().fillNormal(data, how.mean ?? 0, how.std);
      return;
    case 'data':
      if (how.data.length !== data.length) {
        throw new IrsdeError('bad-init', `parameter "${name}" has shape ${fmt(shape)} (${data.length} values) but the initial data has ${how.data.length}`);
      }
      data.set(how.data);
      return;
  }
}
