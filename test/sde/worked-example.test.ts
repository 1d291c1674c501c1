/** IRSDE.md §8.2 worked example (float64, 1e-6 relative), the matching loss, and affine ⇄ direct step forms. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyStep, matchingLoss, MeanRevertingSDE } from '../../src/sde/index.js';
import { assertGolden, assertGoldenArray, maxAbsDiff, TestRng } from './helpers.js';

const sde = new MeanRevertingSDE({ maxSigma: 50, T: 100, schedule: 'cosine', eps: 0.005 });
const f64 = (...v: number[]) => Float64Array.from(v);
const xt = f64(0.3, 0.55, 0.8);
const mu = f64(0.25, 0.5, 0.9);
const x0 = f64(0.1, 0.7, 0.6);
const ehat = f64(0.5, -1.0, 0.2);

describe('worked example at t = 50 — IRSDE.md §8.2', () => {
  it('A, B, C, c₁, c₂', () => {
    const k = sde.optimalReverseCoefficients(50);
    assertGolden(k.A, '0.948676192', 'A');
    assertGolden(k.B, '0.360821614', 'B');
    assertGolden(k.C, '0.380342225', 'C');
    assertGolden(k.c1, '0.932896361', 'c1');
    assertGolden(k.c2, '0.0437330546', 'c2');
  });

  it('marginal mean, true noise, true score, score ⇄ noise', () => {
    assertGoldenArray(sde.marginalMean(x0, mu, 50), ['0.195876758', '0.572164323', '0.791753516'], 'mubar_50');
    const eps = sde.trueNoise(xt, x0, mu, 50);
    assertGoldenArray(eps, ['0.569385258', '-0.121202898', '0.045094894'], 'ε*');
    const score = sde.trueScore(xt, x0, mu, 50);
    const fromNoise = sde.scoreFromNoise(eps, 50);
    assert.ok(maxAbsDiff(score, fromNoise) <= 1e-12, 'true score = −ε*/σ̄');
    assert.ok(maxAbsDiff(sde.noiseFromScore(score, 50), eps) <= 1e-12, 'noise from score round trip');
  });

  it('optimal reverse state x*_49(x_t, x₀)', () => {
    assertGoldenArray(sde.optimalReverseState(xt, x0, mu, 50), ['0.290084860', '0.555391429', '0.793590448'], 'x*_49');
  });

  it('x̂₀ from ε̂ and the posterior mean', () => {
    assertGoldenArray(sde.x0FromNoise(xt, ehat, mu, 50), ['0.135165446', '1.145386998', '0.521491866'], 'x̂₀');
    assertGoldenArray(sde.posteriorMean(xt, ehat, mu, 50), ['0.291622752', '0.574869563', '0.790157047'], 'posterior mean');
    assertGolden(sde.posteriorStd(50), '0.0614917421', 'posterior std');
  });

  it('reverse-SDE mean and reverse-ODE step', () => {
    assertGoldenArray(sde.reverseSdeMean(xt, ehat, mu, 50), ['0.291557243', '0.574788676', '0.790300367'], 'SDE mean');
    assertGoldenArray(sde.reverseOdeStep(xt, ehat, mu, 50), ['0.297095815', '0.563711532', '0.792515796'], 'ODE step');
  });

  it('L1 matching loss (SDE mean vs x*)', () => {
    assertGolden(matchingLoss(sde, { xt, x0, mu, noisePred: ehat, t: 50 }), '0.00805323687', 'L1 loss');
    // L2 from the same residuals, and per-sample t as [B] with B = 1.
    const pred = sde.reverseSdeMean(xt, ehat, mu, 50);
    const tgt = sde.optimalReverseState(xt, x0, mu, 50);
    let l2 = 0;
    for (let i = 0; i < 3; i++) l2 += (pred[i] - tgt[i]) ** 2 / 3;
    const got = matchingLoss(sde, { xt, x0, mu, noisePred: ehat, t: [50], type: 'l2' });
    assert.ok(Math.abs(got - l2) <= 1e-15, `L2 ${got} vs ${l2}`);
  });

  it('posterior at t = 1 with the same x_t, ε̂: mean = x̂₀ exactly', () => {
    const gold = ['0.298167196', '0.553692071', '0.799245709'];
    assertGoldenArray(sde.posteriorMean(xt, ehat, mu, 1), gold, 'posterior mean at t=1');
    assertGoldenArray(sde.x0FromNoise(xt, ehat, mu, 1), gold, 'x̂₀ at t=1');
    const k = sde.optimalReverseCoefficients(1);
    assert.equal(k.c1, 0);
    assert.equal(k.c2, 1);
  });
});

describe('coefficient forms agree with the direct formulas', () => {
  const rng = new TestRng(7);
  const n = 64;
  const rand = (scale = 1) => Float64Array.from({ length: n }, () => scale * rng.normal());
  const X = rand(0.3), M = rand(0.3), X0 = rand(0.3), E = rand(1), Z = rand(1);

  it('sde / ode / posterior affine steps equal the direct per-element steps at every t', () => {
    const out = new Float64Array(n);
    for (let t = 1; t <= sde.T; t++) {
      applyStep(sde.reverseSdeCoefficients(t), X, E, M, Z, out);
      assert.ok(maxAbsDiff(out, sde.reverseSdeStep(X, E, M, t, Z)) <= 1e-12, `sde step t=${t}`);
      applyStep(sde.reverseOdeCoefficients(t), X, E, M, null, out);
      assert.ok(maxAbsDiff(out, sde.reverseOdeStep(X, E, M, t)) <= 1e-12, `ode step t=${t}`);
      for (const s of [t - 1, Math.floor(t / 2)]) {
        if (s < 0 || s >= t) continue;
        applyStep(sde.posteriorCoefficients(t, s), X, E, M, Z, out);
        // x̂₀ amplifies by up to 1/eps = 200: compare relative to that scale.
        assert.ok(maxAbsDiff(out, sde.posteriorStep(X, E, M, t, Z, s)) <= 1e-12 / sde.meanFactor[t], `posterior step ${t}→${s}`);
      }
    }
  });

  it('matching coefficients reproduce prediction, target and residual; per-sample t splits the batch', () => {
    const ts = [1, 13, 50, 100];
    const B = ts.length, per = n / B;
    let l1 = 0;
    for (let b = 0; b < B; b++) {
      const t = ts[b];
      const sl = (a: Float64Array) => a.subarray(b * per, (b + 1) * per);
      const k = sde.matchingCoefficients(t);
      const pred = sde.reverseSdeMean(sl(X), sl(E), sl(M), t);
      const tgt = sde.optimalReverseState(sl(X), sl(X0), sl(M), t);
      for (let i = 0; i < per; i++) {
        const [x, e, m, x0v] = [sl(X)[i], sl(E)[i], sl(M)[i], sl(X0)[i]];
        assert.ok(Math.abs(k.predXt * x + k.predNoise * e + k.predMu * m - pred[i]) <= 1e-12);
        assert.ok(Math.abs(k.targetXt * x + k.targetX0 * x0v + k.targetMu * m - tgt[i]) <= 1e-12);
        const res = k.resXt * x + k.resNoise * e + k.resMu * m + k.resX0 * x0v;
        assert.ok(Math.abs(res - (pred[i] - tgt[i])) <= 1e-12);
        l1 += Math.abs(pred[i] - tgt[i]) / n;
      }
    }
    const got = matchingLoss(sde, { xt: X, x0: X0, mu: M, noisePred: E, t: ts });
    assert.ok(Math.abs(got - l1) <= 1e-14, `L1 per-sample ${got} vs ${l1}`);
    const tables = sde.matchingCoefficientTables();
    assert.equal(tables.predNoise.length, sde.T + 1);
    assert.equal(tables.targetX0[37], sde.matchingCoefficients(37).targetX0);
  });

  it('the loss rejects mismatched batches, a missing mu and t = 0', () => {
    assert.throws(() => matchingLoss(sde, { xt: X, x0: X0, mu: M, noisePred: E, t: [1, 2, 3] }), /cannot be split/);
    assert.throws(() => matchingLoss(sde, { xt: X, x0: X0, noisePred: E, t: 5 }), /needs mu/);
    assert.throws(() => matchingLoss(sde, { xt: X, x0: X0, mu: M, noisePred: E, t: 0 }), /time step/);
  });
});

describe('training state', () => {
  it('perturb = mubar_t(x₀) + σ̄_t ε per sample', () => {
    const x0s = Float32Array.from([0.1, 0.2, 0.3, 0.4]);
    const mus = Float32Array.from([0.5, 0.5, 0.5, 0.5]);
    const e = Float32Array.from([1, -1, 0.5, 2]);
    const out = sde.perturb(x0s, mus, [10, 90], e);
    assert.ok(out instanceof Float32Array);
    for (let i = 0; i < 4; i++) {
      const t = i < 2 ? 10 : 90;
      const want = mus[i] + (x0s[i] - mus[i]) * sde.meanFactor[t] + sde.sigmaBar[t] * e[i];
      assert.ok(Math.abs(out[i] - want) <= 1e-7);
    }
    // the true noise recovers ε
    const back = sde.trueNoise(out.subarray(0, 2), x0s.subarray(0, 2), mus.subarray(0, 2), 10);
    assert.ok(maxAbsDiff(back, e.subarray(0, 2)) <= 1e-4);
  });
});
