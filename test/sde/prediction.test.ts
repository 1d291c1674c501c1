/**
 * x₀-predicting networks (src/sde/prediction.ts): with the exact residual x₀ − μ as the "network", the converted
 * ε̂ is the true noise of x_t, the one-step posterior from T returns x₀, strided/full posterior recover it, and
 * the training graph's loss is mean |r̂ − (x₀ − μ)|.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IrsdeError } from '../../src/common/errors.js';
import { DenoisingSDE, MeanRevertingSDE, samplePosterior, sampleReverseOde, stridedTimesteps, type NoiseNetwork } from '../../src/sde/index.js';
import { asNoiseNetwork, noiseFromResidualNetwork } from '../../src/sde/prediction.js';
import { buildTrainingGraph, coefficientTables, stepFeeds } from '../../src/train/graph.js';
import { TrainingProgram } from '../../src/runtime/training.js';
import { getBackend } from '../../src/runtime/backend.js';
import { initParams } from '../../src/nn/scope.js';
import { Rng } from '../../src/runtime/rng.js';
import { maxAbsDiff, TestRng } from './helpers.js';

const sde = new MeanRevertingSDE({ maxSigma: 10, T: 100, schedule: 'cosine', eps: 0.005 });
const shape = [1, 3, 8, 8] as const;
const n = 3 * 8 * 8;
const data = new TestRng(11);
const x0 = Float32Array.from({ length: n }, () => data.uniform());
const mu = Float32Array.from(x0, (v) => Math.min(1, Math.max(0, v + 0.4 * (data.uniform() - 0.5))));
const residual = Float32Array.from(x0, (v, i) => v - mu[i]!);

/** The oracle x₀ network: returns x₀ − μ whatever x_t is; records the times it was fed. */
function oracle(seen: number[] = []): NoiseNetwork {
  return async (_x, _m, t) => { seen.push(t); return residual; };
}

describe('x0 prediction', () => {
  it('the converted ε̂ is the noise that formed x_t (integer and fractional network times)', async () => {
    const eps = Float32Array.from({ length: n }, () => data.normal());
    const net = noiseFromResidualNetwork(oracle(), sde);
    for (const t of [1, 37, 100]) {
      const xt = sde.perturb(x0, mu, t, eps);
      const got = await net(Float32Array.from(xt), mu, t, shape);
      // float32 x_t − μ − m·r̂ then ÷σ̄: error ≈ ulp(1)/σ̄_t, largest at t = 1 (σ̄ = 0.19/255)
      const tol = 4e-7 / sde.sigmaBar[t]!;
      assert.ok(maxAbsDiff(got, eps) < tol, `t = ${t}: max |ε̂ − ε| = ${maxAbsDiff(got, eps)} (tolerance ${tol})`);
    }
    // a fractional time interpolates m and σ̄ linearly, so ε̂ lies between the neighbours' conversions
    const xt = sde.perturb(x0, mu, 50, eps);
    const [a, b, mid] = await Promise.all([49, 51, 50.5].map(async (t) => Float32Array.from(await net(Float32Array.from(xt), mu, t, shape))));
    for (let i = 0; i < n; i++) {
      const lo = Math.min(a![i]!, b![i]!) - 1e-4, hi = Math.max(a![i]!, b![i]!) + 1e-4;
      assert.ok(mid![i]! >= lo && mid![i]! <= hi, `element ${i}: ε̂(50.5) = ${mid![i]} outside [${lo}, ${hi}]`);
    }
    await assert.rejects(net(Float32Array.from(xt), mu, 0, shape), IrsdeError, 'time 0 is outside the schedule');
  });

  it('the posterior sampler returns the network x̂₀ in one step and recovers x₀ over strided and full grids', async () => {
    for (const steps of [1, 5, 100]) {
      const seen: number[] = [];
      const out = await samplePosterior(asNoiseNetwork(oracle(seen), sde, 'x0'), sde, mu, new TestRng(3), { shape, timesteps: stridedTimesteps(100, steps) });
      assert.deepEqual(seen, stridedTimesteps(100, steps), `network times for ${steps} steps`);
      // x̂₀ = μ + (x_t − μ − σ̄ε̂)/m_t: float32 rounding of ε̂ amplified by 1/m_t ≤ 1/eps
      assert.ok(maxAbsDiff(out, x0) < 5e-5, `${steps} steps: max |x − x₀| = ${maxAbsDiff(out, x0)}`);
    }
  });

  it('the reverse ODE with the exact x₀ ends near x₀', async () => {
    const out = await sampleReverseOde(asNoiseNetwork(oracle(), sde, 'x0'), sde, mu, new TestRng(5), { shape });
    assert.ok(maxAbsDiff(out, x0) < 0.05, `max |x − x₀| = ${maxAbsDiff(out, x0)}`);
  });

  it('noise prediction passes the network through; x0 is refused for the Denoising-SDE', () => {
    const net = oracle();
    assert.equal(asNoiseNetwork(net, sde, 'noise'), net);
    assert.equal(asNoiseNetwork(net, sde, undefined), net);
    const dsde = new DenoisingSDE({ maxSigma: 50, T: 100, schedule: 'cosine', eps: 0.04 });
    assert.throws(() => asNoiseNetwork(net, dsde, 'x0'), /irsde/);
    assert.throws(() => asNoiseNetwork(net, sde, 'v' as never), /unknown prediction/);
  });

  it('the x0 training graph computes mean |r̂ − (x₀ − μ)|', async () => {
    const net = { type: 'nafnet' as const, conditional: true, imgChannel: 3, width: 4, middleBlkNum: 1, encBlkNums: [1], decBlkNums: [1] };
    const tg = buildTrainingGraph(net, { batch: 2, patch: 8, prediction: 'x0' });
    const params = initParams(tg.specs, new Rng(7));
    const prog = await TrainingProgram.create(await getBackend('node'), tg.graph, tg.loss, params, { extra: { out: tg.noisePred } });
    try {
      const rng = new TestRng(9);
      const B = 2 * n;
      const batch = {
        x0: Float32Array.from({ length: B }, () => rng.uniform()),
        mu: Float32Array.from({ length: B }, () => rng.uniform()),
        noise: Float32Array.from({ length: B }, () => rng.normal()),
        t: Float32Array.from([3, 88]),
      };
      const r = await prog.run(stepFeeds(coefficientTables(sde), batch, [2, 3, 8, 8]));
      const out = r.extra.out!.data as Float32Array;
      let sum = 0;
      for (let i = 0; i < B; i++) sum += Math.abs(out[i]! - (batch.x0[i]! - batch.mu[i]!));
      const want = sum / B;
      assert.ok(Math.abs(r.loss - want) / want < 1e-5, `graph loss ${r.loss} vs host ${want}`);
      assert.ok([...r.grads.values()].some((g) => g.some((v) => v !== 0)), 'some gradient is non-zero');
    } finally {
      await prog.release();
    }
  });
});
