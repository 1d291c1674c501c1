import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, detLog, hashString, detLogOpenUnit, kernelLogOpenUnit, setWasmNormals, useWasmNormals, type RngState } from '../../src/runtime/rng.js';
import { IrsdeError } from '../../src/common/errors.js';

test('xoshiro128** core matches the reference vector from state {1,2,3,4}', () => {
  const r = Rng.fromState({ kind: 'xoshiro128**', s: [1, 2, 3, 4], spare: null });
  const got = Array.from({ length: 10 }, () => r.nextU32());
  assert.deepEqual(got, [11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597, 4258142804]);
});

test('fixed seeds give fixed first values', () => {
  const a = new Rng(42);
  assert.deepEqual([a.nextU32(), a.nextU32(), a.nextU32()], [1482846981, 2258263321, 3064394987]);
  const u = new Rng(42);
  assert.equal(u.uniform(), 1482846981 / 2 ** 32);
  const s = new Rng('irsde');
  assert.deepEqual([s.nextU32(), s.nextU32()], [2684734991, 2818819621]);
  const n = new Rng(42);
  assert.deepEqual([n.normal(), n.normal(), n.normal()], [-2.1239390223816406, 0.3540118715288662, 0.18561284025516608]);
  const k = new Rng(7);
  assert.deepEqual(Array.from({ length: 8 }, () => k.int(10)), [7, 2, 9, 6, 7, 5, 2, 7]);
});

test('seeds: every word of the seed matters from the first output; bad seeds are rejected', () => {
  const firsts = [0, 1, -1, 2 ** 32, 2 ** 40, Number.MAX_SAFE_INTEGER, 'a', 'b', ''].map((s) => new Rng(s).nextU32());
  assert.equal(new Set(firsts).size, firsts.length);
  assert.notDeepEqual(hashString('é'), hashString('e'));
  for (const bad of [1.5, NaN, Infinity, 2 ** 60]) assert.throws(() => new Rng(bad), (e: unknown) => e instanceof IrsdeError && e.code === 'bad-seed');
});

test('detLog is bit-identical to V8 Math.log (both fdlibm) and handles special values', () => {
  const r = new Rng(1);
  for (let i = 0; i < 20000; i++) {
    const x = r.uniform53() * 2 ** (r.int(120) - 60);
    assert.equal(detLog(x), Math.log(x));
  }
  for (const x of [1, 2, 0.5, 1 + 2 ** -30, 1 - 2 ** -30, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, Math.E]) {
    assert.equal(detLog(x), Math.log(x), `x = ${x}`);
  }
  assert.equal(detLog(0), -Infinity);
  assert.ok(Number.isNaN(detLog(-1)));
  assert.equal(detLog(Infinity), Infinity);
});

test('normals: mean and variance of 1e5 draws; fillNormal equals a loop of normal()', () => {
  const r = new Rng('stats');
  const n = 100_000;
  const xs = r.fillNormal(new Float64Array(n));
  let sum = 0, sq = 0, tail = 0;
  for (const x of xs) {
    sum += x;
    sq += x * x;
    if (Math.abs(x) > 1.959964) tail++;
  }
  const mean = sum / n, variance = sq / n - mean * mean;
  assert.ok(Math.abs(mean) < 0.015, `mean ${mean}`); // se 0.0032
  assert.ok(Math.abs(variance - 1) < 0.02, `variance ${variance}`); // se 0.0045
  assert.ok(Math.abs(tail / n - 0.05) < 0.004, `two-sided 5% tail ${tail / n}`); // se 0.0007

  const a = new Rng(3), b = new Rng(3);
  a.normal(); // leave a spare cached: fill must use it first
  b.normal();
  const filled = a.fillNormal(new Float32Array(7), 2, 0.5);
  const looped = Float32Array.from({ length: 7 }, () => 2 + 0.5 * b.normal());
  assert.deepEqual(filled, looped);
  assert.equal(a.normal(), b.normal()); // the odd-length fill left the same spare
});

/** Fills `a` with n values and `b` with a loop of normal(); asserts the same bits and the same position and spare after. */
function assertFillIsLoop(a: Rng, b: Rng, n: number, f64: boolean, mean: number, std: number, what: string): void {
  const filled = a.fillNormal(f64 ? new Float64Array(n) : new Float32Array(n), mean, std);
  const looped = f64 ? new Float64Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) looped[i] = mean + std * b.normal();
  let first = -1;
  for (let i = 0; i < n && first < 0; i++) if (!Object.is(filled[i], looped[i])) first = i;
  assert.equal(first, -1, `${what}: first difference at ${first}`);
  assert.deepEqual(a.state(), b.state(), `${what}: generator position and spare`);
}

test('long fills (the WebAssembly kernel) equal a loop of normal() bit for bit: odd lengths, a cached spare, chunk edges', () => {
  assert.equal(useWasmNormals, true);
  // 127 after the spare: the TypeScript loop; 128 and more: the kernel, in sub-chunks of 512 pairs and calls of 65536
  for (const [seed, n, f64] of [[1, 128, false], [2, 129, false], ['x', 130, true], [3, 1025, true], [4, 1026, false],
    [7, 1001, false], [9, 131_073, true], [10, 131_074, false], [11, 262_147, false]] as const) {
    const a = new Rng(seed), b = new Rng(seed);
    a.normal(); b.normal(); // a spare is cached: the fill starts with it
    assertFillIsLoop(a, b, n, f64, -0.25, 1.5, `seed ${seed}, n ${n}`);
  }
  // and the TypeScript path gives the same again
  const c = new Rng(5), d = new Rng(5);
  setWasmNormals(false);
  try { c.fillNormal(new Float32Array(5000)); } finally { setWasmNormals(true); }
  d.fillNormal(new Float32Array(5000));
  assert.deepEqual(c.state(), d.state());
});

test('long fills end exactly at the kernel generator\'s lane and block edges, and resume from states saved anywhere in a block', () => {
  // The kernel makes the stream's outputs in blocks of 4096, four lanes of 1024 (jumped ahead by a matrix power), and
  // rebuilds the state after the last output it used from that output's lane. Fills whose last pair ends right at
  // (or two outputs around) a lane or block edge, for a few seeds: the outputs each accepted pair has used, from
  // the TypeScript generator.
  const edges = [1024, 2048, 3072, 4096, 8192, 12_288];
  const hit = new Set<number>();
  for (const seed of [21, 22, 23, 24]) {
    const r = new Rng(seed);
    const ends: number[] = []; // ends[j]: outputs used through pair j
    for (let used = 0; used < 12_300;) {
      const u = r.nextU32() * 2 ** -31 - 1, v = r.nextU32() * 2 ** -31 - 1;
      used += 2;
      const s = u * u + v * v;
      if (s < 1 && s !== 0) ends.push(used);
    }
    for (let j = 0; j < ends.length; j++) {
      const edge = edges.find((e) => Math.abs(ends[j]! - e) <= 2);
      if (edge === undefined) continue;
      if (ends[j] === edge) hit.add(edge);
      for (const n of [2 * (j + 1), 2 * (j + 1) - 1]) { // the last pair whole, or its second value left as the spare
        assertFillIsLoop(new Rng(seed), new Rng(seed), n, n % 2 === 0, 0, 1, `seed ${seed}, ${n} values ending at output ${ends[j]}`);
      }
    }
  }
  assert.deepEqual([...hit].sort((x, y) => x - y), edges, 'some fill ends exactly at every edge');
  // a chain of fills, each from a state saved (through JSON) where the one before stopped, against one loop of normal()
  let state = new Rng('mid-block').state();
  const ref = new Rng('mid-block');
  for (const n of [300, 1001, 129, 4097, 777, 2048, 131, 9000, 1535]) {
    const a = Rng.fromState(JSON.parse(JSON.stringify(state)) as RngState);
    assertFillIsLoop(a, ref, n, n % 3 === 0, 1, 0.5, `resumed fill of ${n}`);
    state = a.state();
  }
});

test('a long fill through a pair whose s takes fdlibm\'s rare branch (|f| < 2^-20) equals a loop of normal()', () => {
  // About 3 values of s in 10^6 have hx (the top 20 mantissa bits) in {0, 0xffffe, 0xfffff}; the kernel patches
  // those lanes after its main loops (where that changes a bit is tested with the kernel's log below), here inside a
  // fill, next to the other lanes of its sub-chunk. Seed 34 draws one at pair 19046.
  const bits = new Float64Array(1), words = new Uint32Array(bits.buffer);
  const hi = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
  const r = new Rng(34);
  let rare = -1;
  for (let j = 0; j < 100_000 && rare < 0;) {
    const u = r.nextU32() * 2 ** -31 - 1, v = r.nextU32() * 2 ** -31 - 1;
    const s = u * u + v * v;
    if (s >= 1 || s === 0) continue;
    bits[0] = s;
    const hx = words[hi]! & 0xfffff;
    if (hx === 0 || hx >= 0xffffe) rare = j;
    j++;
  }
  assert.equal(rare, 19046);
  assertFillIsLoop(new Rng(34), new Rng(34), 2 * rare + 301, false, 0, 1, 'seed 34');
});

test('uniforms: bucket chi-square, ranges, float32 never rounds to 1', () => {
  const r = new Rng(123);
  const buckets = new Array(100).fill(0);
  const n = 100_000;
  for (let i = 0; i < n; i++) {
    const u = r.uniform();
    assert.ok(u >= 0 && u < 1);
    buckets[Math.floor(u * 100)]++;
  }
  const e = n / 100;
  const chi2 = buckets.reduce((s, c) => s + ((c - e) * (c - e)) / e, 0);
  assert.ok(chi2 < 160 && chi2 > 50, `chi2 ${chi2} with 99 dof`);

  const f = r.fillUniform(new Float32Array(50_000));
  assert.ok(f.every((x) => x >= 0 && x < 1));
  const g = r.fillUniform(new Float32Array(1000), -3, 5);
  assert.ok(g.every((x) => x >= -3 && x < 5));
  // the largest 24-bit value is exact in float32
  assert.ok(Math.fround(1 - 2 ** -24) < 1);

  const counts = new Array(3).fill(0);
  for (let i = 0; i < 30_000; i++) counts[r.int(3)]++;
  for (const c of counts) assert.ok(Math.abs(c - 10_000) < 500, `int(3) counts ${counts}`);
  assert.ok(r.int(2 ** 32) < 2 ** 32);
  assert.equal(r.int(1), 0);
  for (const bad of [0, -1, 2.5, 2 ** 32 + 1]) assert.throws(() => r.int(bad), IrsdeError);
  const perm = r.shuffle([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual([...perm].sort((x, y) => x - y), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test('state()/fromState() resume bit-for-bit, including a cached normal, through JSON', () => {
  const r = new Rng('resume');
  for (let i = 0; i < 5; i++) r.uniform();
  r.normal(); // spare now cached
  const saved = JSON.parse(JSON.stringify(r.state()));
  assert.notEqual(saved.spare, null);
  const ref = [r.normal(), r.uniform(), r.nextU32(), r.normal(), r.int(1000)];
  const q = Rng.fromState(saved);
  assert.deepEqual([q.normal(), q.uniform(), q.nextU32(), q.normal(), q.int(1000)], ref);
  const c = r.clone();
  assert.equal(c.nextU32(), r.nextU32());
  assert.throws(() => Rng.fromState({ kind: 'xoshiro128**', s: [0, 0, 0, 0], spare: null }), IrsdeError);
  assert.throws(() => Rng.fromState({ kind: 'pcg', s: [1, 2, 3, 4], spare: null } as never), IrsdeError);
});

test('fork(label) is deterministic and does not advance; split() advances; children are distinct', () => {
  const r = new Rng(9);
  const before = r.state();
  const a1 = r.fork('noise'), a2 = r.fork('noise'), b = r.fork('crop'), n = r.fork(1);
  assert.deepEqual(r.state(), before);
  const take = (x: Rng) => Array.from({ length: 4 }, () => x.nextU32());
  const sa1 = take(a1);
  assert.deepEqual(sa1, take(a2));
  const sb = take(b), sn = take(n), sp = take(r.clone());
  assert.notDeepEqual(sa1, sb);
  assert.notDeepEqual(sa1, sn);
  assert.notDeepEqual(sa1, sp);
  // a fork's stream is not a shifted copy of the parent's
  const pc = r.clone();
  const parentStream = new Set(Array.from({ length: 1000 }, () => pc.nextU32()));
  assert.ok(!sa1.some((x) => parentStream.has(x)));

  const s = new Rng(9);
  const c1 = s.split(), c2 = s.split();
  assert.notDeepEqual(s.state(), before);
  assert.notDeepEqual(take(c1), take(c2));
  // same history, same children
  const t = new Rng(9);
  assert.deepEqual(take(t.split()), take(new Rng(9).split()));
});

test('detLogOpenUnit (the normal draws\' log) equals detLog bit for bit on (0, 1), incl. its branch edges', () => {
  const r = new Rng(3);
  const xs: number[] = [0.5, 0.25, 1 - 2 ** -53, 1 - 2 ** -20, 1 - 2 ** -21, Math.SQRT1_2, 2 ** -100, 0.5 + 2 ** -30];
  // fdlibm branches on the top 20 mantissa bits: both sides of each threshold (as x/2 in (0.5, 1))
  for (const h of [0x6a09c, 0x6a09b, 0x6147a, 0x61479, 0x6b851, 0x6b852, 0, 1, 2, 0xffffe, 0xfffff]) xs.push((1 + h / 1048576) / 2, (1 + (h + 0.5) / 1048576) / 2);
  // just below 1 (k = 0, hx = 0xfffff): values where fdlibm's rare branch (|f| < 2^-20) rounds differently from its
  // general formula, so that the kernel's patch of those lanes is tested
  for (const d of [196_608, 576_577, 634_998, 1_105_504, 1_156_544]) xs.push(1 - d * 2 ** -42);
  for (let i = 0; i < 200000; i++) xs.push(r.uniform53() ** (1 + 60 * r.uniform53()));
  for (const x of xs) if (x > 0 && x < 1) assert.equal(detLogOpenUnit(x), detLog(x), `log(${x})`);
  // the WebAssembly kernel's log (two lanes, fdlibm's branches selected per lane, the rare one patched) on the same
  // edges, an odd count for the last lane
  const ins = Float64Array.from(xs.filter((x) => x > 0 && x < 1).slice(0, 20_001));
  const logs = kernelLogOpenUnit(ins);
  assert.ok(logs, 'the normals kernel is available here (Node 20 has WebAssembly SIMD)');
  for (let i = 0; i < ins.length; i++) assert.ok(Object.is(logs[i], detLogOpenUnit(ins[i]!)), `kernel log(${ins[i]})`);
});
