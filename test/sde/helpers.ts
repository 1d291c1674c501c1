/** Test helpers for the SDE layer: a tiny seeded normal generator and golden-value comparison. */
import assert from 'node:assert/strict';
import type { NormalSource } from '../../src/sde/index.js';

/** mulberry32 uniforms + Box–Muller normals; deterministic for a seed. */
export class TestRng implements NormalSource {
  private state: number;
  private spare: number | null = null;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  uniform(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
  fillNormal(arr: Float32Array): void {
    for (let i = 0; i < arr.length; i++) arr[i] = this.normal();
  }
}

/**
 * Assert `actual` matches a golden value copied from IRSDE.md (as a string) to 1e-6 relative.
 * With `printed: true` the golden was printed with fewer digits than 1e-6 resolves; then the tolerance is
 * half a unit of its last printed digit (never looser than that).
 */
export function assertGolden(actual: number, golden: string, label: string, opts: { printed?: boolean } = {}): void {
  const g = Number(golden);
  assert.ok(Number.isFinite(g), `bad golden ${golden}`);
  let tol = 1e-6 * Math.abs(g);
  if (opts.printed) {
    const m = /^-?(\d*)\.?(\d*)(?:e([-+]?\d+))?$/i.exec(golden);
    assert.ok(m, `cannot parse ${golden}`);
    const decimals = m[2].length - Number(m[3] ?? 0);
    tol = Math.max(tol, 0.5 * 10 ** -decimals);
  }
  if (g === 0) tol = 1e-12;
  const err = Math.abs(actual - g);
  assert.ok(err <= tol, `${label}: got ${actual}, golden ${golden} (|err| ${err.toExponential(3)} > tol ${tol.toExponential(3)})`);
}

export function assertGoldenArray(actual: ArrayLike<number>, golden: string[], label: string): void {
  assert.equal(actual.length, golden.length, `${label}: length`);
  for (let i = 0; i < golden.length; i++) assertGolden(actual[i], golden[i], `${label}[${i}]`);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
