import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as K from '../../src/degrade/kernels.js';
import { DegradeRng } from '../../src/degrade/random.js';

const at = (k: K.Kernel, i: number, j: number): number => k.data[i * k.size + j]!;
function close(a: number, b: number, tol: number, what: string): void {
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);
}

test('Gaussian family goldens (DEGRADATIONS.md §11)', () => {
  let g = K.gaussianKernel(5, 1);
  close(at(g, 2, 2), 0.16210282, 5e-9, 'iso centre'); close(at(g, 0, 2), 0.02193823, 5e-9, 'iso (0,2)'); close(at(g, 0, 0), 0.00296902, 5e-9, 'iso corner');
  g = K.gaussianKernel(7, 2, 0.5, Math.PI / 4);
  close(at(g, 3, 3), 0.162475, 5e-7, 'aniso centre'); close(at(g, 2, 2), 0.126536, 5e-7, 'aniso (2,2)'); close(at(g, 4, 4), 0.126536, 5e-7, 'aniso (4,4)');
  close(at(g, 2, 3), 0.05615, 5e-6, 'aniso (2,3)'); close(at(g, 2, 4), 0.002976, 5e-7, 'aniso (2,4)'); close(at(g, 0, 0), 0.01712472, 5e-9, 'aniso (0,0)');
  close(at(g, 0, 6), 3.77e-17, 5e-19, 'aniso (0,6)');
  g = K.generalizedGaussianKernel(7, 0.5, 1.5);
  close(at(g, 3, 3), 0.0467113, 5e-9, 'gen 0.5 centre'); close(at(g, 0, 3), 0.01718413, 5e-9, 'gen (0,3)'); close(at(g, 0, 0), 0.0113563, 5e-9, 'gen (0,0)');
  g = K.generalizedGaussianKernel(7, 2, 1.5);
  close(at(g, 3, 3), 0.11327233, 5e-9, 'gen 2 centre'); close(at(g, 0, 3), 3.8e-5, 5e-8, 'gen 2 (0,3)'); close(at(g, 0, 0), 1.43e-15, 5e-18, 'gen 2 (0,0)');
  g = K.plateauKernel(7, 1.5, 1.5);
  close(at(g, 3, 3), 0.08513916, 5e-9, 'plateau centre'); close(at(g, 0, 3), 0.00945991, 5e-9, 'plateau (0,3)'); close(at(g, 0, 0), 0.00360341, 5e-9, 'plateau (0,0)');
  g = K.plateauKernel(7, 1, 2, 1, Math.PI / 6);
  close(at(g, 3, 3), 0.07629782, 5e-9, 'plateau aniso centre'); close(at(g, 0, 0), 0.01191348, 5e-9, 'plateau aniso (0,0)'); close(at(g, 0, 6), 0.00421636, 5e-9, 'plateau aniso (0,6)');
});

test('sinc goldens', () => {
  let g = K.sincKernel(7, Math.PI / 2);
  close(at(g, 3, 3), 0.23575877, 5e-9, 'centre'); close(at(g, 3, 4), 0.17014778, 5e-9, '(3,4)'); close(at(g, 0, 0), -0.00749881, 5e-9, '(0,0)'); close(at(g, 0, 3), -0.02818245, 5e-9, '(0,3)');
  g = K.sincKernel(13, Math.PI / 3);
  close(at(g, 6, 6), 0.10918718, 5e-9, 'k13 centre'); close(at(g, 6, 7), 0.09488852, 5e-9, 'k13 (6,7)'); close(at(g, 0, 0), 0.00632127, 5e-9, 'k13 (0,0)');
});

test('defocus, box and line kernels', () => {
  const counts: Record<number, number> = { 3: 5, 5: 21, 7: 45, 9: 69, 21: 373 };
  for (const [k, n] of Object.entries(counts)) {
    const d = K.defocusKernel(Number(k));
    assert.equal(d.data.filter((v) => v > 0).length, n, `defocus ${k}`);
  }
  const d5 = K.defocusKernel(5);
  assert.equal(at(d5, 0, 0), 0); assert.equal(at(d5, 4, 4), 0); close(at(d5, 2, 2), 1 / 21, 1e-15, 'defocus 5 value');
  close(at(K.defocusKernel(7), 3, 3), 1 / 45, 1e-15, 'defocus 7 value');
  assert.equal(at(K.boxKernel(3), 1, 1), 1 / 9);
  const ends = K.lineEndpoints(5).map((l) => JSON.stringify(l));
  assert.deepEqual(ends, ['[[2,0],[2,4]]', '[[3,0],[1,4]]', '[[4,0],[0,4]]', '[[4,1],[0,3]]', '[[4,2],[0,2]]', '[[0,1],[4,3]]', '[[0,0],[4,4]]', '[[1,0],[3,4]]']);
  const line = K.lineKernel(7, K.lineIndexForAngle(7, 15));
  const on: string[] = [];
  for (let i = 0; i < 7; i++) for (let j = 0; j < 7; j++) if (at(line, i, j) > 0) { on.push(`${i},${j}`); close(at(line, i, j), 1 / 7, 1e-15, 'line value'); }
  assert.deepEqual(on.sort(), ['2,5', '2,6', '3,2', '3,3', '3,4', '4,0', '4,1']);
  assert.equal(K.lineKernel(19, 0).size, 9); // k > 15 -> k - 10
});

test('samplers: every kernel sums to 1, parameters in range, reproducible', () => {
  const r = new DegradeRng(3);
  const seen = new Set<string>();
  for (let i = 0; i < 400; i++) {
    const k = r.choice([5, 7, 9, 11, 13, 15, 17, 19]);
    const { kernel, params } = K.randomMixedKernel(k, r, [0.2, 2.2]);
    seen.add(params.type);
    const s = kernel.data.reduce((a, b) => a + b, 0);
    close(s, 1, 1e-12, `sum of ${params.type}`);
    if (params.sigmaX !== undefined) assert.ok(params.sigmaX >= 0.2 && params.sigmaX < 2.2);
    // §3: generalised β in (0.5, 2), plateau β in (1, 1.5) — β = 1 exactly when the (βlo, 1) half is empty
    if (params.beta !== undefined && params.type.startsWith('plateau')) assert.ok(params.beta >= 1 && params.beta < 1.5, `plateau β ${params.beta}`);
    else if (params.beta !== undefined) assert.ok(params.beta >= 0.5 && params.beta < 2, `generalised β ${params.beta}`);
  }
  for (const t of K.MIXED_KERNEL_TYPES) assert.ok(seen.has(t), `type ${t} never drawn`);
  const a = K.randomSincKernel(15, new DegradeRng(9)), b = K.randomSincKernel(15, new DegradeRng(9));
  assert.deepEqual(Array.from(a.kernel.data), Array.from(b.kernel.data));
  assert.ok(a.params.omegaC! >= Math.PI / 5 && a.params.omegaC! < Math.PI);
  assert.throws(() => K.gaussianKernel(4, 1), /odd/);
  assert.throws(() => K.gaussianKernel(5, 0), /sigma/);
});
