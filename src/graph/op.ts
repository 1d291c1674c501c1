/**
 * An op is defined once, like a JAX primitive: its shape rule (`infer`), how it is written as ONNX
 * (`emit`), and its vector-Jacobian product (`vjp`), expressed with other ops so the backward graph is an
 * ordinary graph that can be emitted, simplified and checked the same way.
 */
import type { DType, Node, Shape, Tensor } from './tensor.js';
import type { Emitter } from './emitter.js';

export interface OutputSpec { dtype: DType; shape: Shape }

export interface OpDef<A = any> {
  readonly name: string;
  infer(inputs: readonly Tensor[], attrs: A): OutputSpec[];
  emit(e: Emitter, node: Node<A>): void;
  /**
   * Given the gradients of the loss w.r.t. each output (null where an output does not reach the loss),
   * return the gradients w.r.t. each input (null for non-differentiable inputs or where zero).
   * Absent: the op is not differentiable (e.g. comparisons, Shape), and gradients stop here.
   */
  vjp?(node: Node<A>, grads: readonly (Tensor | null)[]): (Tensor | null)[];
}

export function defineOp<A>(def: OpDef<A>): OpDef<A> {
  return def;
}
