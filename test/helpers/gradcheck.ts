/**
 * Finite-difference gradient checks. For a function f of some inputs we form
 * L = Σ f(x)·R with a fixed random cotangent R, take ∇L from the autodiff graph (run by ORT), and compare
 *   – directional derivatives (L(x+εv) − L(x−εv)) / 2ε with ⟨∇L, v⟩ along random directions v, and
 *   – single-element central differences at a few random positions of every input.
 * Float32 differences are noisy, so inputs are kept O(1), ε is 1e-2 and the tolerance is relative to the
 * size of the derivatives.
 */
import { Graph, type Tensor } from '../../src/graph/tensor.js';
import { mul, sum } from '../../src/graph/ops.js';
import { grad } from '../../src/autodiff/grad.js';
import { Program, hostTensor } from '../../src/runtime/program.js';
import { getBackend, type BackendName } from '../../src/runtime/backend.js';

export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296; };
}

export function randn(n: number, rand: () => number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.max(rand(), 1e-12), v = rand();
    a[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v) * scale;
  }
  return a;
}

export interface InputSpec { name: string; shape: number[]; init?: (n: number, rand: () => number) => Float32Array; noGrad?: boolean }

export interface GradCheckResult { maxRelError: number; checks: number; details: string[] }

export async function gradCheck(
  build: (g: Graph, inputs: Tensor[]) => Tensor,
  specsIn: InputSpec[],
  opts: { seed?: number; eps?: number; directions?: number; elements?: number; backend?: BackendName } = {},
): Promise<GradCheckResult> {
  let specs = specsIn;
  const rand = lcg(opts.seed ?? 1);
  const eps = opts.eps ?? 1e-2;
  const g = new Graph();
  const inputs = specs.map((s) => g.param(s.name, s.shape));
  const out = build(g, inputs);
  // Parameters a module declared inside `build` are checked too (fresh random values, PyTorch-like scale).
  for (const p of g.params.slice(specs.length)) specs = [...specs, { name: p.name, shape: p.shape as number[], init: (n, r) => randn(n, r, 0.5) }];
  inputs.push(...g.params.slice(inputs.length));
  const rShape = out.shape as number[];
  const R = g.param('__cotangent', rShape);
  const loss = sum(mul(out, R));
  const wrt = inputs.filter((_, i) => !specs[i]!.noGrad);
  const grads = grad(loss, wrt);
  const outputs: Record<string, Tensor> = { loss };
  wrt.forEach((t, i) => { outputs[`grad_${i}`] = grads[i]!; });
  const backend = await getBackend(opts.backend ?? 'node');
  const prog = await Program.compile(backend, g, outputs, { threads: 1 });

  const values = specs.map((s) => (s.init ? s.init(s.shape.reduce((p, d) => p * d, 1), rand) : randn(s.shape.reduce((p, d) => p * d, 1), rand)));
  const rVal = randn(rShape.reduce((p, d) => p * d, 1), rand);
  const feeds = (): Record<string, Float32Array> => {
    const f: Record<string, Float32Array> = { __cotangent: rVal };
    specs.forEach((s, i) => { f[s.name] = values[i]!; });
    return f;
  };
  const evalLoss = async (): Promise<number> => (await prog.run(feeds(), ['loss'])).loss!.data[0] as number;
  const res = await prog.run(feeds());
  const analytic = wrt.map((_, i) => res[`grad_${i}`]!.data as Float32Array);
  const details: string[] = [];
  let maxRel = 0;
  let checks = 0;
  const compare = (num: number, ana: number, scale: number, what: string): void => {
    const rel = Math.abs(num - ana) / Math.max(scale, 1e-3);
    checks++;
    if (rel > maxRel) maxRel = rel;
    if (rel > 0.02) details.push(`${what}: numeric ${num.toExponential(4)} vs analytic ${ana.toExponential(4)}`);
  };
  let wi = 0;
  for (let i = 0; i < specs.length; i++) {
    if (specs[i]!.noGrad) continue;
    const x = values[i]!;
    const ga = analytic[wi++]!;
    if (ga.length !== x.length) throw new Error(`gradient of ${specs[i]!.name} has ${ga.length} elements, input has ${x.length}`);
    let norm = 0;
    for (const v of ga) norm += v * v;
    norm = Math.sqrt(norm);
    for (let d = 0; d < (opts.directions ?? 2); d++) {
      const v = randn(x.length, rand);
      let vn = 0; for (const t of v) vn += t * t; vn = Math.sqrt(vn);
      for (let k = 0; k < v.length; k++) v[k]! /= vn;
      const x0 = x.slice();
      for (let k = 0; k < x.length; k++) x[k] = x0[k]! + eps * v[k]!;
      const lp = await evalLoss();
      for (let k = 0; k < x.length; k++) x[k] = x0[k]! - eps * v[k]!;
      const lm = await evalLoss();
      x.set(x0);
      let dot = 0;
      for (let k = 0; k < x.length; k++) dot += ga[k]! * v[k]!;
      compare((lp - lm) / (2 * eps), dot, norm, `${specs[i]!.name} direction ${d}`);
    }
    const maxAbs = ga.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    for (let e = 0; e < Math.min(opts.elements ?? 3, x.length); e++) {
      const k = Math.floor(rand() * x.length);
      const x0 = x[k]!;
      x[k] = x0 + eps; const lp = await evalLoss();
      x[k] = x0 - eps; const lm = await evalLoss();
      x[k] = x0;
      compare((lp - lm) / (2 * eps), ga[k]!, maxAbs, `${specs[i]!.name}[${k}]`);
    }
  }
  await prog.release();
  return { maxRelError: maxRel, checks, details };
}

export { hostTensor };
