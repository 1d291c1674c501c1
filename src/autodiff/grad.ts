/**
 * Reverse-mode autodiff on the graph: walk the nodes between `wrt` and `loss` backwards, call each op's
 * VJP rule, and sum the contributions that reach a tensor along several paths. The result is more nodes
 * in the same graph, so forward and backward are emitted and run as one ONNX model (one ORT run per step).
 */
import { type Tensor, type Node, isStatic } from '../graph/tensor.js';
import { add, expandAs, zerosLike } from '../graph/ops.js';
import { sameShape } from '../graph/shape.js';

export interface GradOptions {
  /** Gradient of the final output (default: 1 for a scalar loss). */
  seed?: Tensor;
}

export function grad(loss: Tensor, wrt: readonly Tensor[], opts: GradOptions = {}): Tensor[] {
  const graph = loss.graph;
  if (!opts.seed && !(loss.rank === 0 || (isStatic(loss.shape) && loss.shape.every((d) => d === 1)))) {
    throw new Error(`grad: loss must be a scalar (got shape [${loss.shape}]); pass a seed gradient for non-scalar outputs`);
  }
  if (opts.seed && !sameShape(opts.seed.shape, loss.shape)) {
    throw new Error(`grad: the seed gradient [${opts.seed.shape}] must have the output's shape [${loss.shape}]`);
  }
  const isFloat = (t: Tensor): boolean => t.dtype === 'float32' || t.dtype === 'float64' || t.dtype === 'float16';
  if (!isFloat(loss)) throw new Error(`grad: the loss must be a floating-point tensor, got ${loss.dtype} (cast it first)`);
  wrt.forEach((t, i) => {
    if (!isFloat(t)) throw new Error(`grad: cannot differentiate with respect to "${t.name}" (position ${i}) of dtype ${t.dtype} (only floating-point tensors have gradients)`);
  });
  // Nodes that depend on some wrt tensor …
  const wrtIds = new Set(wrt.map((t) => t.id));
  const depends = new Set<number>(wrtIds);
  const nodes = graph.nodes.slice(); // snapshot: VJPs append nodes while we walk
  for (const n of nodes) {
    if (n.inputs.some((x) => depends.has(x.id))) for (const o of n.outputs) depends.add(o.id);
  }
  // … and that the loss depends on.
  const onPath = new Set<Node>();
  const needed = new Set<number>([loss.id]);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    if (!n.outputs.some((o) => needed.has(o.id))) continue;
    if (!n.outputs.some((o) => depends.has(o.id))) continue;
    onPath.add(n);
    for (const x of n.inputs) if (depends.has(x.id)) needed.add(x.id);
  }

  const grads = new Map<number, Tensor>();
  grads.set(loss.id, opts.seed ?? expandAs(graph.scalar(1, loss.dtype), loss));
  const accumulate = (t: Tensor, g: Tensor): void => {
    const prev = grads.get(t.id);
    if (!prev) { grads.set(t.id, g); return; }
    // A broadcast that only gave one term t's shape is left to the Add when the other term has that shape
    // already (the GlobalAveragePool gradient: one full-size Expand fewer per pool).
    let [a, b] = [prev, g];
    if (sameShape(a.shape, t.shape) && !isExpand(a)) b = unexpand(b);
    else if (sameShape(b.shape, t.shape) && !isExpand(b)) a = unexpand(a);
    grads.set(t.id, add(a, b));
  };

  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    if (!onPath.has(n)) continue;
    const outGrads = n.outputs.map((o) => grads.get(o.id) ?? null);
    if (outGrads.every((g) => g === null)) continue;
    if (!n.op.vjp) throw new Error(`grad: op ${n.op.name} has no gradient rule but lies between the loss and a differentiated input`);
    const inGrads = n.op.vjp(n, outGrads);
    n.inputs.forEach((x, k) => {
      const g = inGrads[k];
      if (g && depends.has(x.id)) accumulate(x, g);
    });
  }
  return wrt.map((t) => grads.get(t.id) ?? zerosLike(t));
}

const isExpand = (t: Tensor): boolean => t.producer !== null && (t.producer.op.name === 'Expand' || t.producer.op.name === 'ExpandAs');
const unexpand = (t: Tensor): Tensor => (isExpand(t) ? t.producer!.inputs[0]! : t);

/**
 * For each of `wrt`, whether `loss` is computed from it at all. `grad` returns zeros for a tensor the loss
 * does not depend on; a training loop should leave such parameters alone (PyTorch gives them no .grad, so
 * its optimisers apply neither weight decay nor momentum to them).
 */
export function lossDependsOn(loss: Tensor, wrt: readonly Tensor[]): boolean[] {
  const seen = new Set<number>([loss.id]);
  const stack: Tensor[] = [loss];
  while (stack.length) {
    const t = stack.pop()!;
    for (const x of t.producer?.inputs ?? []) if (!seen.has(x.id)) { seen.add(x.id); stack.push(x); }
  }
  return wrt.map((t) => seen.has(t.id));
}
