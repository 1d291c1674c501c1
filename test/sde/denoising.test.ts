/** DenoisingSDE (IRSDE.md §7) and its golden values (§8.3). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { denoise, DenoisingSDE, matchingLoss, type NoiseNetwork } from '../../src/sde/index.js';
import { assertGolden, maxAbsDiff, TestRng } from './helpers.js';

describe('DenoisingSDE golden values — IRSDE.md §8.3', () => {
  const rows: { maxSigma: number; T: number; dt: string; sb1: string; sbT: string; tstar: [number, number, number]; sbStar: [string, string, string] }[] = [
    { maxSigma: 75, T: 100, dt: '0.0632398965', sb1: '0.00430570222', sbT: '0.293882259', tstar: [14, 21, 38], sbStar: ['15.1733', '25.3233', '50.2795'] },
    { maxSigma: 70, T: 1000, dt: '0.00638121041', sb1: '2.89639491e-4', sbT: '0.274290108', tstar: [158, 230, 414], sbStar: ['15.0614', '25.0526', '50.0495'] },
    { maxSigma: 50, T: 100, dt: '0.0632398965', sb1: '0.00287046814', sbT: '0.195921506', tstar: [19, 29, 100], sbStar: ['14.8837', '25.0108', '49.9600'] },
  ];
  for (const r of rows) {
    it(`λ ${r.maxSigma}, T ${r.T}: dt, σ̄_1, σ̄_T, t* and σ̄_{t*}·255`, () => {
      const d = new DenoisingSDE({ maxSigma: r.maxSigma, T: r.T });
      assert.equal(d.eps, 0.04);
      assertGolden(d.dt, r.dt, 'dt');
      assertGolden(d.sigmaBar[1], r.sb1, 'σ̄_1');
      assertGolden(d.sigmaBar[r.T], r.sbT, 'σ̄_T');
      [15, 25, 50].forEach((sigma, i) => {
        const t = d.optimalStartStep(sigma);
        assert.equal(t, r.tstar[i], `t* for σ = ${sigma}`);
        // printed with 4 decimals in IRSDE.md: tolerance is half a unit of the last digit
        assertGolden(d.sigmaBar[t] * 255, r.sbStar[i], `σ̄_{t*}·255 for σ = ${sigma}`, { printed: true });
      });
    });
  }

  it('uses the strict λ rule (maxSigma 1 is λ = 1) and accepts σ as a fraction', () => {
    assert.equal(new DenoisingSDE({ maxSigma: 1, T: 10 }).lambda, 1);
    const d = new DenoisingSDE({ maxSigma: 75, T: 100 });
    assert.equal(d.optimalStartStep(25 / 255), d.optimalStartStep(25));
    assert.equal(d.optimalStartStep(0), 0);
    assert.equal(d.optimalStartStep(200), 100, 'σ > λ: the largest step');
  });
});

describe('DenoisingSDE steps and sampling', () => {
  const d = new DenoisingSDE({ maxSigma: 75, T: 100 });
  const rng = new TestRng(3);
  const n = 3 * 16 * 16;
  const shape = [1, 3, 16, 16];
  const x0 = Float32Array.from({ length: n }, () => rng.uniform());

  it('reverse drifts match the reference formulas', () => {
    const t = 40;
    const x = Float64Array.of(0.4, 0.9);
    const e = Float64Array.of(0.3, -1.2);
    const s = d.scoreFromNoise(e, t);
    const m2 = Math.exp(-2 * d.thetaBar[t] * d.dt);
    const ode = d.reverseOdeCoefficients(t);
    const sdeK = d.reverseSdeCoefficients(t);
    for (let i = 0; i < 2; i++) {
      const odeRef = x[i] - -0.5 * d.sigma[t] ** 2 * m2 * s[i] * d.dt;
      const sdeMeanRef = x[i] - -0.5 * d.sigma[t] ** 2 * (1 + m2) * s[i] * d.dt;
      assert.ok(Math.abs(ode.a * x[i] + ode.b * e[i] - odeRef) < 1e-15);
      assert.ok(Math.abs(sdeK.a * x[i] + sdeK.b * e[i] - sdeMeanRef) < 1e-15);
    }
    assert.equal(sdeK.d, -d.sigma[t] * Math.sqrt(d.dt));
    assert.deepEqual(Array.from(d.x0FromNoise(x, e, t)), [0.4 - d.sigmaBar[t] * 0.3, 0.9 + d.sigmaBar[t] * 1.2]);
  });

  it('matching loss: pred = x_t − sdeDrift, target = x₀ + c₁(x_t − x₀)', () => {
    const t = [7, 60];
    const noise = Float64Array.from({ length: 8 }, () => rng.normal());
    const x0s = Float64Array.from({ length: 8 }, () => rng.uniform());
    const xt = d.perturb(x0s, t, noise);
    const ehat = Float64Array.from(noise, (v) => v + 0.1);
    let want = 0;
    for (let i = 0; i < 8; i++) {
      const tb = t[i < 4 ? 0 : 1];
      const k = d.reverseSdeCoefficients(tb);
      const { c1 } = d.optimalReverseCoefficients(tb);
      want += Math.abs(xt[i] + k.b * ehat[i] - (x0s[i] + c1 * (xt[i] - x0s[i]))) / 8;
    }
    assert.ok(Math.abs(matchingLoss(d, { xt, x0: x0s, noisePred: ehat, t }) - want) < 1e-15);
  });

  it('the Denoising-ODE from t* with the exact noise removes the noise (T = 100 and T = 1000)', async () => {
    for (const [maxSigma, T, maxErr] of [[75, 100, 0.02], [70, 1000, 0.002]] as const) {
      const s = new DenoisingSDE({ maxSigma, T });
      const tstar = s.optimalStartStep(25);
      const y = Float32Array.from(x0, (v) => v + s.sigmaBar[tstar] * rng.normal());
      const seen: number[] = [];
      const net: NoiseNetwork = async (x, obs, t) => {
        seen.push(t);
        assert.equal(obs, y, 'the observation is passed as μ');
        return Float32Array.from(x, (v, i) => (v - x0[i]) / s.sigmaBar[t]);
      };
      const out = await denoise(net, s, y, new TestRng(1), { shape, noiseLevel: 25 });
      assert.deepEqual(seen, Array.from({ length: tstar }, (_, i) => tstar - i));
      assert.ok(maxAbsDiff(y, x0) > 0.2);
      // Euler on the probability-flow ODE: as for IR-SDE the final step leaves a fraction of σ̄_1·z.
      assert.ok(maxAbsDiff(out, x0) < maxErr, `λ ${maxSigma}, T ${T}: max error ${maxAbsDiff(out, x0)}`);
    }
  });

  it('t* = 0 returns a copy of the observation; startStep overrides the noise level', async () => {
    const y = Float32Array.from(x0);
    const calls: number[] = [];
    const net: NoiseNetwork = async (x, _o, t) => {
      calls.push(t);
      return new Float32Array(x.length);
    };
    const same = await denoise(net, d, y, new TestRng(1), { shape, noiseLevel: 0 });
    assert.notEqual(same, y);
    assert.deepEqual(same, y);
    await denoise(net, d, y, new TestRng(1), { shape, noiseLevel: 25, startStep: 3, mode: 'sde' });
    assert.deepEqual(calls, [3, 2, 1]);
  });
  it('strided steps (fewer than t*): the oracle noise recovers x₀ for ODE and SDE; the grid ends at 0', async () => {
    const tstar = d.optimalStartStep(50);
    const y = Float32Array.from(x0, (v) => v + d.sigmaBar[tstar] * rng.normal());
    for (const mode of ['ode', 'sde'] as const) {
      for (const K of [1, 4, 10]) {
        const seen: number[] = [];
        const net: NoiseNetwork = async (x, _o, t) => {
          seen.push(t);
          return Float32Array.from(x, (v, i) => (v - x0[i]) / d.sigmaBar[t]);
        };
        const out = await denoise(net, d, y, new TestRng(2), { shape, noiseLevel: 50, steps: K, mode });
        assert.equal(seen.length, K, `${mode} K=${K}: ${K} network calls`);
        assert.equal(seen[0], tstar, `${mode} K=${K}: starts at t*`);
        assert.ok(maxAbsDiff(out, x0) < 1e-5, `${mode} K=${K}: max error ${maxAbsDiff(out, x0)}`);
      }
      const grid = d.plan(mode, tstar, 5);
      assert.deepEqual(grid.map((k) => [k.t, k.s]), [[tstar, Math.round((4 * tstar) / 5)], [Math.round((4 * tstar) / 5), Math.round((3 * tstar) / 5)],
        [Math.round((3 * tstar) / 5), Math.round((2 * tstar) / 5)], [Math.round((2 * tstar) / 5), Math.round(tstar / 5)], [Math.round(tstar / 5), 0]], `${mode} grid`);
      assert.equal(grid.at(-1)!.d, 0, `${mode}: the last jump is deterministic (lands on x̂₀)`);
    }
  });

  it('strided SDE jumps keep the marginal variance of x_s − x₀ at σ̄_s² (oracle ε̂)', () => {
    for (const k of d.plan('sde', 60, 3)) {
      // x_s − x₀ = (σ̄_t + b)·ε + d·z with independent ε, z
      const variance = (d.sigmaBar[k.t]! + k.b) ** 2 + k.d ** 2;
      const want = k.s === 0 ? 0 : d.sigmaBar[k.s]! ** 2;
      assert.ok(Math.abs(variance - want) < 1e-15, `${k.t} → ${k.s}: ${variance} vs ${want}`);
    }
  });

  it('steps ≥ t* is exactly the reference plan; a bad step count is a clear error', () => {
    assert.deepEqual(d.plan('ode', 12, 12), d.plan('ode', 12));
    assert.deepEqual(d.plan('sde', 12, 50), d.plan('sde', 12));
    assert.throws(() => d.plan('ode', 12, 0), /steps must be a positive integer, got 0/);
  });
});
