/** Shape rules shared by several ops: broadcasting, conv output sizes, axis normalisation. */
import type { Dim, Shape } from './tensor.js';

export class ShapeError extends Error {
  constructor(message: string) { super(message); this.name = 'ShapeError'; }
}

/** NumPy broadcasting. A symbolic dim against a number ≠ 1 is taken to equal that number. */
export function broadcastShapes(a: Shape, b: Shape, op = 'op'): Dim[] {
  const n = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)]!;
    const db = i < n - b.length ? 1 : b[i - (n - b.length)]!;
    if (da === db) out.push(da);
    else if (da === 1) out.push(db);
    else if (db === 1) out.push(da);
    else if (typeof da === 'number' && typeof db === 'number') throw new ShapeError(`${op}: cannot broadcast [${a}] with [${b}]`);
    else out.push(typeof da === 'number' ? da : db);
  }
  return out;
}

export function normAxis(axis: number, rank: number, op = 'op'): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new ShapeError(`${op}: axis ${axis} out of range for rank ${rank}`);
  return a;
}

/** Output size of a conv/pool along one axis. Symbolic inputs get a derived symbolic name. */
export function convOutDim(d: Dim, k: number, stride: number, padBegin: number, padEnd: number, dilation: number): Dim {
  const span = dilation * (k - 1) + 1;
  if (typeof d === 'number') {
    const o = Math.floor((d + padBegin + padEnd - span) / stride) + 1;
    if (o <= 0) throw new ShapeError(`conv: input size ${d} too small for kernel ${k} (dilation ${dilation}, pads ${padBegin},${padEnd})`);
    return o;
  }
  const delta = padBegin + padEnd - span; // out = floor((d + delta) / stride) + 1
  if (stride === 1) return delta === -1 ? d : `${d}${delta + 1 >= 0 ? '+' : ''}${delta + 1}`;
  if (delta + stride === 0) return divDim(d, stride);
  return `floor((${d}${delta >= 0 ? '+' : ''}${delta})/${stride})+1`;
}

/** d / k for a dim known to be divisible; (d·k)/k simplifies back to d. */
export function divDim(d: Dim, k: number): Dim {
  if (typeof d === 'number') return d / k;
  const m = /^\((.*)\)\*(\d+)$/.exec(d);
  if (m && Number(m[2]) === k) return m[1]!;
  return `(${d})/${k}`;
}

export function mulDim(d: Dim, k: number): Dim {
  if (typeof d === 'number') return d * k;
  const m = /^\((.*)\)\/(\d+)$/.exec(d);
  if (m && Number(m[2]) === k) return m[1]!;
  return `(${d})*${k}`;
}

export function addDim(d: Dim, k: number): Dim {
  if (k === 0) return d;
  if (typeof d === 'number') return d + k;
  return `${d}${k >= 0 ? '+' : ''}${k}`;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
