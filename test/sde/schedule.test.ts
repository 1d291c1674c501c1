/** Golden values of IRSDE.md §8.1 and §8.3 (float64 column, 1e-6 relative) and schedule identities. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MeanRevertingSDE, resolveLambda, stridedTimesteps, thetaSchedule } from '../../src/sde/index.js';
import { assertGolden } from './helpers.js';

describe('IRSDE(maxSigma 50, T 100, cosine, eps 0.005) — IRSDE.md §8.1', () => {
  const sde = new MeanRevertingSDE({ maxSigma: 50, T: 100, schedule: 'cosine', eps: 0.005 });

  it('λ, dt and the arrays have the specified shapes', () => {
    assertGolden(sde.lambda, '0.196078431', 'λ');
    assertGolden(sde.dt, '0.104093808', 'dt');
    for (const a of [sde.theta, sde.thetaBar, sde.sigma, sde.sigmaBar, sde.meanFactor]) assert.equal(a.length, 101);
    assert.equal(sde.thetaBar[0], 0);
    assert.equal(sde.sigmaBar[0], 0);
    assert.equal(sde.meanFactor[0], 1);
  });

  it('θ_t', () => {
    assertGolden(sde.theta[0], '6.14239571e-4', 'θ_0');
    assertGolden(sde.theta[1], '1.69461564e-3', 'θ_1');
    assertGolden(sde.theta[2], '3.24011961e-3', 'θ_2');
    assertGolden(sde.theta[49], '0.490876948', 'θ_49');
    assertGolden(sde.theta[50], '0.50615641', 'θ_50');
    assertGolden(sde.theta[100], '0.999766572', 'θ_100');
  });

  it('θ̄_t', () => {
    assertGolden(sde.thetaBar[1], '1.69461564e-3', 'θ̄_1');
    assertGolden(sde.thetaBar[49], '9.28666036', 'θ̄_49');
    assertGolden(sde.thetaBar[50], '9.79281677', 'θ̄_50');
    assertGolden(sde.thetaBar[100], '50.8994481', 'θ̄_100');
  });

  it('σ_t and σ̄_t', () => {
    assertGolden(sde.sigma[1], '0.0114151186', 'σ_1');
    assertGolden(sde.sigma[50], '0.197281877', 'σ_50');
    assertGolden(sde.sigma[100], '0.277264411', 'σ_100');
    assertGolden(sde.sigmaBar[1], '3.68260019e-3', 'σ̄_1');
    assertGolden(sde.sigmaBar[2], '6.28315343e-3', 'σ̄_2');
    assertGolden(sde.sigmaBar[50], '0.182869578', 'σ̄_50');
    assertGolden(sde.sigmaBar[100], '0.19607598', 'σ̄_100');
  });

  it('mean-residual factors e^{−θ̄_t dt}', () => {
    assertGolden(sde.meanFactor[50], '0.360821614', 'm_50');
    assertGolden(sde.meanFactor[49], '0.380342225', 'm_49');
    assertGolden(sde.meanFactor[100], '0.005', 'm_100');
  });

  it('posterior std (incl. the clamp branch at t = 1) and v_t', () => {
    assertGolden(sde.posteriorStd(1), '6.32619059e-12', 'std_1');
    assert.equal(sde.optimalReverseCoefficients(1).v, 0);
    assertGolden(sde.posteriorStd(2), '2.98429302e-3', 'std_2');
    assertGolden(sde.posteriorStd(50), '6.14917421e-2', 'std_50');
    assertGolden(sde.optimalReverseCoefficients(50).v, '0.0983499053', 'v_50');
    assertGolden(sde.posteriorStd(100), '8.49960491e-2', 'std_100');
    assertGolden(sde.optimalReverseCoefficients(100).v, '0.187904781', 'v_100');
  });

  it('satisfies B = A·C, the Bayes posterior of the discretised process, and σ_t²/(2θ_t) = λ²', () => {
    const l2 = sde.lambda ** 2;
    for (let t = 1; t <= sde.T; t++) {
      const { A, B, C, c1, c2, v } = sde.optimalReverseCoefficients(t);
      assert.ok(Math.abs(B - A * C) <= 1e-15, `B = A·C at t=${t}`);
      // p(x_{t−1}|x₀) = N(μ + C(x₀−μ), λ²(1−C²)), p(x_t|x_{t−1}) = N(μ + A(x_{t−1}−μ), λ²(1−A²)).
      if (t > 1) {
        const prec = 1 / (l2 * (1 - C * C)) + (A * A) / (l2 * (1 - A * A));
        const varPost = 1 / prec;
        assert.ok(Math.abs(varPost - l2 * v) <= 1e-12 * l2, `posterior variance at t=${t}`);
        assert.ok(Math.abs(c1 - (varPost * A) / (l2 * (1 - A * A))) <= 1e-12, `c1 at t=${t}`);
        assert.ok(Math.abs(c2 - (varPost * C) / (l2 * (1 - C * C))) <= 1e-12, `c2 at t=${t}`);
      }
      assert.ok(Math.abs(sde.sigma[t] ** 2 / (2 * sde.theta[t]) - l2) <= 1e-15, `stationary variance at t=${t}`);
    }
  });
});

describe('other configurations — IRSDE.md §8.1', () => {
  it('linear, maxSigma 50, T 100, eps 0.005', () => {
    const s = new MeanRevertingSDE({ maxSigma: 50, T: 100, schedule: 'linear', eps: 0.005 });
    assertGolden(s.dt, '0.527247701', 'dt');
    assertGolden(s.theta[0], '9.9009901e-4', 'θ_0');
    assertGolden(s.theta[1], '2.96039604e-3', 'θ_1');
    assertGolden(s.theta[50], '0.0995049505', 'θ_50');
    assertGolden(s.theta[100], '0.198019802', 'θ_100');
    assertGolden(s.thetaBar[100], '10.0490099', 'θ̄_100');
    assertGolden(s.sigmaBar[1], '0.0109468263', 'σ̄_1');
    assertGolden(s.sigmaBar[50], '0.189383463', 'σ̄_50');
    assertGolden(s.posteriorStd(50), '0.0616376859', 'std_50');
    assertGolden(s.posteriorStd(100), '0.0851193337', 'std_100');
  });

  it('constant, maxSigma 50, T 100, eps 0.005', () => {
    const s = new MeanRevertingSDE({ maxSigma: 50, T: 100, schedule: 'constant', eps: 0.005 });
    assertGolden(s.dt, '0.0529831737', 'dt');
    assertGolden(s.thetaBar[100], '100', 'θ̄_100');
    assertGolden(s.sigmaBar[1], '0.0621742053', 'σ̄_1');
    assertGolden(s.sigmaBar[50], '0.195587621', 'σ̄_50');
    assertGolden(s.posteriorStd(50), '0.0621567403', 'std_50');
    assertGolden(s.posteriorStd(100), '0.0621741185', 'std_100');
  });

  it('cosine, maxSigma 10 and 30', () => {
    const s10 = new MeanRevertingSDE({ maxSigma: 10, T: 100, eps: 0.005 });
    assertGolden(s10.lambda, '0.0392156863', 'λ(10)');
    assertGolden(s10.sigmaBar[50], '0.0365739157', 'σ̄_50(10)');
    assertGolden(s10.sigmaBar[100], '0.0392151961', 'σ̄_100(10)');
    assertGolden(s10.posteriorStd(50), '0.0122983484', 'std_50(10)');
    const s30 = new MeanRevertingSDE({ maxSigma: 30, T: 100, eps: 0.005 });
    assertGolden(s30.lambda, '0.117647059', 'λ(30)');
    assertGolden(s30.sigmaBar[50], '0.109721747', 'σ̄_50(30)');
    assertGolden(s30.sigmaBar[100], '0.117645588', 'σ̄_100(30)');
    assertGolden(s30.posteriorStd(50), '0.0368950452', 'std_50(30)');
  });

  it('cosine, maxSigma 50, eps 0.01 (the class default)', () => {
    const s = new MeanRevertingSDE({ maxSigma: 50, T: 100 });
    assert.equal(s.eps, 0.01);
    assertGolden(s.dt, '0.0904758374', 'dt');
    assertGolden(s.meanFactor[50], '0.412296183', 'm_50');
  });

  it('cosine, maxSigma 50, T 20', () => {
    const s = new MeanRevertingSDE({ maxSigma: 50, T: 20, eps: 0.005 });
    assertGolden(s.dt, '0.500815532', 'dt');
    assertGolden(s.theta[1], '0.0234176673', 'θ_1');
    assertGolden(s.theta[10], '0.50615641', 'θ_10');
    assertGolden(s.theta[20], '0.994990269', 'θ_20');
    assertGolden(s.thetaBar[20], '10.5793791', 'θ̄_20');
  });
});

describe('reduced steps and the strided posterior — IRSDE.md §8.3', () => {
  const sde = new MeanRevertingSDE({ maxSigma: 50, T: 100, eps: 0.005 });

  it('sample_T = 20: the rebuilt schedule against the trained one', () => {
    const r = sde.withSteps(20);
    assert.equal(r.T, 20);
    assert.equal(r.lambda, sde.lambda);
    const rows: [number, string, string, string, string][] = [
      [1, '0.0298547763', '0.988340573', '0.0150957407', '0.997031998'],
      [5, '0.119705143', '0.792019161', '0.102307064', '0.853088632'],
      [10, '0.186126338', '0.314539684', '0.182869578', '0.360821614'],
      [20, '0.19607598', '0.005', '0.19607598', '0.005'],
    ];
    for (const [tp, sbp, mp, sb, m] of rows) {
      assertGolden(r.sigmaBar[tp], sbp, `σ̄'_${tp}`);
      assertGolden(r.meanFactor[tp], mp, `m'_${tp}`);
      assertGolden(sde.sigmaBar[5 * tp], sb, `σ̄_${5 * tp}`);
      assertGolden(sde.meanFactor[5 * tp], m, `m_${5 * tp}`);
    }
  });

  it('strided posterior coefficients c₁, c₂, std', () => {
    const rows: [number, number, string, string, string][] = [
      [100, 95, '0.595008263', '0.00542782006', '0.157584541'],
      [50, 45, '0.705845773', '0.207485995', '0.116504981'],
      [10, 5, '0.20160531', '0.798377197', '0.0135084009'],
      [5, 0, '0', '1', '6.32619059e-12'],
      [100, 99, '0.901157443', '0.00104260071', '0.0849960491'],
    ];
    for (const [t, s, c1, c2, std] of rows) {
      const k = sde.optimalReverseCoefficients(t, s);
      assertGolden(k.c1, c1, `c1(${t},${s})`);
      assertGolden(k.c2, c2, `c2(${t},${s})`);
      assertGolden(sde.posteriorStd(t, s), std, `std(${t},${s})`);
    }
    // For s = t − 1 the strided step is exactly the reference step.
    for (const t of [2, 37, 100]) {
      const viaGap = sde.optimalReverseCoefficients(t, t - 1);
      assert.ok(Math.abs(viaGap.A - Math.exp(-sde.theta[t] * sde.dt)) <= 1e-15);
    }
  });

  it('stridedTimesteps', () => {
    assert.deepEqual(stridedTimesteps(100, 20), Array.from({ length: 20 }, (_, i) => 100 - 5 * i));
    assert.deepEqual(stridedTimesteps(10, 10), [10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    assert.deepEqual(stridedTimesteps(100, 3), [100, 67, 33]);
    assert.throws(() => stridedTimesteps(10, 11), /steps/);
  });
});

describe('schedule rules', () => {
  it('λ uses ≥ 1 for IR-SDE and > 1 for the DenoisingSDE', () => {
    assert.equal(resolveLambda(1, '>='), 1 / 255);
    assert.equal(resolveLambda(1, '>'), 1);
    assert.equal(resolveLambda(0.5), 0.5);
    assert.throws(() => resolveLambda(0), /maxSigma/);
  });

  it('θ schedules have T+1 entries; linear = (1000/(T+1))·linspace(1e-4, 2e-2)', () => {
    const lin = thetaSchedule('linear', 9);
    assert.equal(lin.length, 10);
    assert.ok(Math.abs(lin[0] - 100 * 1e-4) < 1e-15 && Math.abs(lin[9] - 100 * 2e-2) < 1e-15);
    assert.deepEqual(Array.from(thetaSchedule('constant', 3)), [1, 1, 1, 1]);
    assert.throws(() => thetaSchedule('cosine', 0), /T must be/);
    assert.throws(() => new MeanRevertingSDE({ maxSigma: 50, T: 10, eps: 1 }), /eps/);
  });
});
