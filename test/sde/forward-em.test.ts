/**
 * The closed-form marginal x_t | x₀ ~ N(μ + (x₀ − μ)m_t, σ̄_t²) is the law of the forward SDE
 * dx = θ_t(μ − x)dt + σ_t dw (θ_t, σ_t constant on the t-th interval of length dt).
 *
 * 1. Deterministic: the exact mean/variance recursions of Euler–Maruyama with n substeps per interval converge
 *    to the closed form at first order in 1/n.
 * 2. Monte Carlo: N simulated Euler–Maruyama paths agree with the closed form within 5 standard errors plus the
 *    (computed, and asserted small) discretisation bias of the n-substep scheme.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MeanRevertingSDE } from '../../src/sde/index.js';
import { TestRng } from './helpers.js';

const sde = new MeanRevertingSDE({ maxSigma: 50, T: 100, schedule: 'cosine', eps: 0.005 });
const MU = 0.2;
const X0 = 0.8;
const CHECK = [1, 5, 20, 50, 100];

/** Exact moments of the EM scheme (mean of x − μ, variance) at every integer t, with n substeps. */
function emMoments(n: number): { mean: Float64Array; variance: Float64Array } {
  const h = sde.dt / n;
  const mean = new Float64Array(sde.T + 1);
  const variance = new Float64Array(sde.T + 1);
  let m = X0 - MU;
  let v = 0;
  mean[0] = m;
  for (let t = 1; t <= sde.T; t++) {
    const a = 1 - sde.theta[t] * h;
    const q = sde.sigma[t] ** 2 * h;
    for (let k = 0; k < n; k++) {
      m *= a;
      v = a * a * v + q;
    }
    mean[t] = m;
    variance[t] = v;
  }
  return { mean, variance };
}

describe('forward SDE: Euler–Maruyama vs the closed-form marginal', () => {
  it('EM moments converge to the closed form at first order', () => {
    const errs = [250, 500, 1000].map((n) => {
      const em = emMoments(n);
      let eMean = 0;
      let eVar = 0;
      for (let t = 1; t <= sde.T; t++) {
        eMean = Math.max(eMean, Math.abs(MU + em.mean[t] - sde.marginalMean(Float64Array.of(X0), Float64Array.of(MU), t)[0]));
        eVar = Math.max(eVar, Math.abs(em.variance[t] - sde.sigmaBar[t] ** 2) / sde.lambda ** 2);
      }
      return { eMean, eVar };
    });
    assert.ok(errs[2].eMean < 1e-4 && errs[2].eVar < 1e-4, `n=1000 errors ${JSON.stringify(errs[2])}`);
    for (let i = 1; i < errs.length; i++) {
      // halving the substep halves the error (ratio 0.5 ± 0.05)
      const rm = errs[i].eMean / errs[i - 1].eMean;
      const rv = errs[i].eVar / errs[i - 1].eVar;
      assert.ok(Math.abs(rm - 0.5) < 0.05 && Math.abs(rv - 0.5) < 0.05, `convergence ratios ${rm}, ${rv}`);
    }
  });

  it('simulated paths match mean and variance within 5 standard errors + the EM bias', () => {
    const N = 20_000; // paths
    const n = 8; // substeps per interval
    const h = sde.dt / n;
    const sh = Math.sqrt(h);
    const rng = new TestRng(12345);
    const z = new Float32Array(N);
    const x = new Float64Array(N).fill(X0);
    const em = emMoments(n);
    for (let t = 1; t <= sde.T; t++) {
      const th = sde.theta[t];
      const sg = sde.sigma[t];
      for (let k = 0; k < n; k++) {
        rng.fillNormal(z);
        for (let i = 0; i < N; i++) x[i] += th * (MU - x[i]) * h + sg * sh * z[i];
      }
      if (!CHECK.includes(t)) continue;
      let s1 = 0;
      for (let i = 0; i < N; i++) s1 += x[i];
      const mean = s1 / N;
      let s2 = 0;
      for (let i = 0; i < N; i++) s2 += (x[i] - mean) ** 2;
      const variance = s2 / (N - 1);

      const wantMean = sde.marginalMean(Float64Array.of(X0), Float64Array.of(MU), t)[0];
      const wantVar = sde.sigmaBar[t] ** 2;
      // discretisation bias of the n-substep scheme (exact EM moments vs closed form); must stay small
      const biasMean = Math.abs(MU + em.mean[t] - wantMean);
      const biasVar = Math.abs(em.variance[t] - wantVar);
      assert.ok(biasMean < 2e-3 && biasVar < 0.03 * wantVar, `EM bias too large at t=${t}: ${biasMean}, ${biasVar}`);
      // standard errors of the sample mean and of the sample variance of a normal sample
      const seMean = Math.sqrt(wantVar / N);
      const seVar = wantVar * Math.sqrt(2 / (N - 1));
      assert.ok(Math.abs(mean - wantMean) <= 5 * seMean + biasMean, `mean at t=${t}: ${mean} vs ${wantMean} (se ${seMean})`);
      assert.ok(Math.abs(variance - wantVar) <= 5 * seVar + biasVar, `variance at t=${t}: ${variance} vs ${wantVar} (se ${seVar})`);
    }
  });
});
