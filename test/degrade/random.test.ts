import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DegradeRng, PoissonTable, hashString } from '../../src/degrade/random.js';
import * as dm from '../../src/degrade/detmath.js';
import { kernelLogOpenUnit, setNoiseWasm } from '../../src/degrade/noise-kernel.js';
import { poissonNoiseInvert } from '../../src/degrade/noise.js';

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


test('fillNormal in WebAssembly and in TypeScript: the stream of normal() bit for bit (long and odd fills, a pending spare)', () => {
  // The kernel draws whole pairs in chunks of 65536 (131072 values): cross a chunk edge, end on odd counts, start
  // with a spare from a previous normal(); each fill must leave the generator and its spare where normal() would.
  const cases: Array<[number, boolean]> = [[64, false], [65, true], [127, false], [1001, true], [131071, false], [131073, true], [262147, true]];
  for (const wasm of [true, false]) {
    setNoiseWasm(wasm);
    try {
      for (const [n, spare] of cases) {
        const a = new DegradeRng(n, 3), b = new DegradeRng(n, 3);
        if (spare) assert.equal(a.normal(), b.normal());
        const z = n % 2 ? new Float64Array(n) : new Float32Array(n);
        a.fillNormal(z);
        for (let i = 0; i < n; i++) {
          const want = b.normal();
          if (!Object.is(z[i], z instanceof Float32Array ? Math.fround(want) : want)) assert.fail(`wasm ${wasm}, n ${n}: draw ${i} is ${z[i]}, normal() gives ${want}`);
        }
        assert.equal(a.normal(), b.normal(), `wasm ${wasm}, n ${n}: the next normal (a spare after an odd count)`);
        assert.equal(a.nextU32(), b.nextU32(), `wasm ${wasm}, n ${n}: generator state after the fill`);
      }
    } finally {
      setNoiseWasm(true);
    }
  }
});

test('the noise kernel\'s log equals logOpenUnit bit for bit, incl. the m > √2 edge and the extremes of s', () => {
  const xs: number[] = [0.5, 0.25, 1 - 2 ** -53, 2 ** -104, 2 ** -52, Math.SQRT1_2, 0.5 + 2 ** -30];
  // both sides of m = √2 (x = m/2 in (0.5, 1), and a binade lower)
  for (const d of [-2, -1, 0, 1, 2]) xs.push(Math.SQRT1_2 + d * 2 ** -53, Math.SQRT1_2 / 8 + d * 2 ** -56);
  const r = new DegradeRng(11);
  for (let i = 0; i < 100_000; i++) xs.push(r.random() ** (1 + 60 * r.random()));
  const ins = Float64Array.from(xs.filter((x) => x > 0 && x < 1).slice(0, 100_003)); // four lanes at a time, then the rest
  const logs = kernelLogOpenUnit(ins);
  assert.ok(logs, 'the noise kernel is available here (Node 20 has WebAssembly SIMD)');
  for (let i = 0; i < ins.length; i++) if (!Object.is(logs[i], dm.logOpenUnit(ins[i]!))) assert.fail(`kernel log(${ins[i]}) = ${logs[i]}, logOpenUnit ${dm.logOpenUnit(ins[i]!)}`);
});

test('Poisson noise inversion (fine guide, exact buckets) = PoissonTable.invert for every rate it uses, at every bucket edge', () => {
  const t = new PoissonTable(), r = new DegradeRng(12);
  const ulp = 2 ** -53;
  for (let V = 1; V <= 256; V *= 2) for (let b = 1; b < 256; b++) {
    const lambda = (b / 255) * V, { cdf, guide } = t.table(lambda);
    const us = [0, ulp, 1 - ulp];
    for (let j = 1; j < 1024; j++) us.push(j / 1024, j / 1024 - ulp); // both sides of each fine bucket edge
    for (const c of cdf) if (c < 1) us.push(c, c + ulp, c - ulp > 0 ? c - ulp : 0); // both sides of each step
    for (let i = 0; i < 200; i++) us.push(r.random());
    for (const u of us) if (u < 1) assert.equal(poissonNoiseInvert(lambda, u), PoissonTable.invert(cdf, guide, u), `rate ${lambda}, u = ${u}`);
  }
});

test('fillNormal in WebAssembly: generator blocks of 4096 outputs (four lanes from jumps of 1024 steps) give normal()\'s stream and state for every fill length', () => {
  // The kernel draws its outputs 4096 at a time, lane j of four from the state jumped 1024·j steps on, and leaves
  // the generator at its lane's start stepped on: fills of every length up to ~2.5 blocks of candidates end
  // anywhere in a block (in each quarter, at its edges, refilled), from generators with and without a spare.
  const ref = new DegradeRng(0), fast = new DegradeRng(0);
  setNoiseWasm(false);
  const want: number[] = [];
  try {
    for (let n = 64; n < 4200; n += 37) {
      const z = new Float64Array(n);
      ref.fillNormal(z);
      want.push(...z, ref.nextU32(), ref.random());
    }
  } finally { setNoiseWasm(true); }
  const got: number[] = [];
  for (let n = 64; n < 4200; n += 37) {
    const z = new Float64Array(n);
    fast.fillNormal(z);
    got.push(...z, fast.nextU32(), fast.random());
  }
  assert.equal(got.length, want.length);
  for (let i = 0; i < got.length; i++) if (!Object.is(got[i], want[i])) assert.fail(`value ${i}: ${got[i]} vs ${want[i]}`);
  assert.equal(fast.normal(), ref.normal(), 'the spare after the last fill');
});
