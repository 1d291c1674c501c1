import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DegradeRng, PoissonTable, hashString } from '../../src/degrade/random.js';
import * as dm from '../../src/degrade/detmath.js';

test('same seed -> same stream; different seeds / streams differ', () => {
  const a = new DegradeRng(42), b = new DegradeRng(42), c = new DegradeRng(43), d = new DegradeRng(42, 1);
  const xa = Array.from({ length: 8 }, () => a.nextU32());
  assert.deepEqual(xa, Array.from({ length: 8 }, () => b.nextU32()));
  assert.notDeepEqual(xa, Array.from({ length: 8 }, () => c.nextU32()));
  assert.notDeepEqual(xa, Array.from({ length: 8 }, () => d.nextU32()));
  assert.notDeepEqual(Array.from({ length: 4 }, () => new DegradeRng('x').nextU32()), Array.from({ length: 4 }, () => new DegradeRng('y').nextU32()));
  assert.equal(hashString('abc'), 0x1a47e90b);
});

test('known first outputs (pins the generator: a change breaks every recorded seed)', () => {
  const r = new DegradeRng(0);
  assert.deepEqual([r.nextU32(), r.nextU32(), r.nextU32()], [2629861951, 58120585, 4102032208]);
  assert.equal(new DegradeRng(12345).random(), 0.044767639733570785);
  assert.equal(new DegradeRng(12345, 3).normal(), -0.13586808510109258);
});

test('uniform, int, choice, shuffle, normal and Poisson statistics', () => {
  const r = new DegradeRng(7);
  const n = 20000;
  let s = 0, s2 = 0, mn = 1, mx = 0;
  for (let i = 0; i < n; i++) { const u = r.random(); s += u; s2 += u * u; mn = Math.min(mn, u); mx = Math.max(mx, u); }
  assert.ok(mn >= 0 && mx < 1);
  assert.ok(Math.abs(s / n - 0.5) < 0.01);
  assert.ok(Math.abs(s2 / n - s * s / n / n - 1 / 12) < 0.005);
  const counts = [0, 0, 0];
  for (let i = 0; i < 3000; i++) counts[r.int(0, 2)]!++;
  for (const c of counts) assert.ok(c > 900 && c < 1100);
  let ns = 0, ns2 = 0;
  for (let i = 0; i < n; i++) { const z = r.normal(); ns += z; ns2 += z * z; }
  assert.ok(Math.abs(ns / n) < 0.03);
  assert.ok(Math.abs(ns2 / n - 1) < 0.04);
  const sh = r.shuffle([1, 2, 3, 4, 5]);
  assert.deepEqual([...sh].sort(), [1, 2, 3, 4, 5]);
  for (const lam of [0.5, 4, 37.5, 250]) {
    let ps = 0, ps2 = 0;
    const m = 5000;
    for (let i = 0; i < m; i++) { const k = r.poisson(lam); ps += k; ps2 += k * k; }
    const mean = ps / m, v = ps2 / m - mean * mean;
    assert.ok(Math.abs(mean - lam) < 5 * Math.sqrt(lam / m) + 0.01, `poisson mean ${mean} for ${lam}`);
    assert.ok(Math.abs(v / lam - 1) < 0.12, `poisson variance ${v} for ${lam}`);
  }
  const t = new PoissonTable();
  let ts = 0;
  for (let i = 0; i < 5000; i++) ts += t.sample(r, 12.3);
  assert.ok(Math.abs(ts / 5000 - 12.3) < 0.3);
});

test('deterministic elementary functions are accurate', () => {
  for (const x of [-700, -20, -1e-3, 0.1, 1, 3.7, 88]) assert.ok(Math.abs(dm.exp(x) / Math.exp(x) - 1) < 4e-16, `exp ${x}`);
  for (const x of [1e-300, 1e-5, 0.3, 1, 2, 1e5]) assert.ok(Math.abs(dm.log(x) - Math.log(x)) <= 4e-16 * Math.max(1, Math.abs(Math.log(x))), `log ${x}`);
  for (const x of [-100, -3, -0.5, 0, 0.7, 2, 1e4]) {
    assert.ok(Math.abs(dm.sin(x) - Math.sin(x)) < 1e-15, `sin ${x}`);
    assert.ok(Math.abs(dm.cos(x) - Math.cos(x)) < 1e-15, `cos ${x}`);
  }
  assert.ok(Math.abs(dm.pow(0.475, 2.5) - Math.pow(0.475, 2.5)) < 1e-15);
  // scipy.special.j1 reference values
  assert.ok(Math.abs(dm.besselJ1(1) - 0.44005058574493355) < 1e-15);
  assert.ok(Math.abs(dm.besselJ1(10) - 0.04347274616886144) < 1e-15);
  assert.ok(Math.abs(dm.besselJ1(30) + 0.11875106261662294) < 1e-15);
  assert.ok(Math.abs(dm.logGamma(10) - Math.log(362880)) < 1e-13);
});

test('fillUniform gives the stream of random() and leaves the generator where random() would', () => {
  const a = new DegradeRng(91, 4), b = new DegradeRng(91, 4);
  for (const n of [0, 1, 7, 4096]) {
    const u = new Float64Array(n);
    a.fillUniform(u);
    for (let i = 0; i < n; i++) assert.equal(u[i], b.random(), `draw ${i} of ${n}`);
  }
  assert.equal(a.nextU32(), b.nextU32(), 'generator state after the fills');
});

test('fillNormal gives the stream of normal() and leaves the generator where normal() would; logOpenUnit = log on (0, 1)', () => {
  const a = new DegradeRng(77, 2), b = new DegradeRng(77, 2);
  const za = new Float64Array(20001);
  a.fillNormal(za);
  for (let i = 0; i < za.length; i++) assert.equal(za[i], b.normal(), `draw ${i}`);
  assert.equal(a.normal(), b.normal(), 'the spare of an odd count');
  assert.equal(a.nextU32(), b.nextU32(), 'generator state after the fill');
  const r = new DegradeRng(5);
  for (let i = 0; i < 200000; i++) {
    const x = r.random() ** (1 + 40 * r.random());
    if (x > 0 && x < 1) assert.equal(dm.logOpenUnit(x), dm.log(x), `log(${x})`);
  }
});

