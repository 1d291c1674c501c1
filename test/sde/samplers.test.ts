/**
 * Samplers with the exact noise ε*(x_t) = (x_t − mubar_t(x₀))/σ̄_t as the "network":
 * the posterior sampler recovers x₀ exactly (up to float32 rounding), the ODE sampler to a small error.
 * Also: the loop equals a hand-written loop of the per-element steps, progress events, abort, reduced steps.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IrsdeEvent } from '../../src/common/events.js';
import { IrsdeError } from '../../src/common/errors.js';
import {
  MeanRevertingSDE,
  planPosterior,
  sample,
  sampleReducedSteps,
  sampleReverseOde,
  samplePosterior,
  sampleReverseSde,
  stridedTimesteps,
  type NoiseNetwork,
  type SampleProgressEvent,
} from '../../src/sde/index.js';
import { maxAbsDiff, TestRng } from './helpers.js';

const sde = new MeanRevertingSDE({ maxSigma: 50, T: 100, schedule: 'cosine', eps: 0.005 });
const shape = [1, 3, 16, 16] as const;
const n = 3 * 16 * 16;
const data = new TestRng(1);
const x0 = Float32Array.from({ length: n }, () => data.uniform());
const mu = Float32Array.from(x0, (v) => Math.min(1, Math.max(0, v + 0.3 * (data.uniform() - 0.5))));

/** The exact noise for `s`; the network time is t·timeScale. Records the times it was fed. */
function exactNoise(s: MeanRevertingSDE, timeScale = 1, seen: number[] = []): NoiseNetwork {
  return async (x, m, time) => {
    seen.push(time);
    return Float32Array.from(s.trueNoise(x, x0, m, time / timeScale));
  };
}

function rms(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s / a.length);
}

describe('exact-noise recovery', () => {
  it('posterior sampling recovers x₀ exactly (float32 rounding only)', async () => {
    const seen: number[] = [];
    const start = sde.noisyStart(mu, new TestRng(2));
    assert.ok(rms(start, x0) > 0.15, 'the start state is far from x₀');
    const out = await samplePosterior(exactNoise(sde, 1, seen), sde, mu, new TestRng(3), { shape, xT: start });
    assert.deepEqual(seen, Array.from({ length: 100 }, (_, i) => 100 - i), 'network times T…1');
    assert.ok(maxAbsDiff(out, x0) <= 1e-6, `max error ${maxAbsDiff(out, x0)}`);
  });

  it('strided posterior (20 of 100 steps, raw t fed to the network) recovers x₀ exactly', async () => {
    const seen: number[] = [];
    const timesteps = stridedTimesteps(100, 20);
    const out = await samplePosterior(exactNoise(sde, 1, seen), sde, mu, new TestRng(4), { shape, timesteps });
    assert.deepEqual(seen, timesteps);
    assert.ok(maxAbsDiff(out, x0) <= 1e-6, `max error ${maxAbsDiff(out, x0)}`);
    const plan = planPosterior(sde, timesteps);
    assert.deepEqual(plan.map((p) => p.s), [...timesteps.slice(1), 0]);
  });

  it('reverse-ODE sampling recovers x₀ to a small error', async () => {
    const start = sde.noisyStart(mu, new TestRng(5));
    const before = rms(start, x0);
    const out = await sampleReverseOde(exactNoise(sde), sde, mu, new TestRng(6), { shape, xT: start });
    // Euler on the probability-flow ODE: the last step (t = 1) only halves the residual σ̄_1·z
    // (θ_1dt·λ²/σ̄_1² ≈ ½), leaving ≈ 0.0018·z, plus O((θdt)²) mean errors: RMS ≈ 0.003, max ≈ 0.01.
    const after = rms(out, x0);
    assert.ok(after < 0.005, `rms error ${after} (start ${before})`);
    assert.ok(maxAbsDiff(out, x0) < 0.02, `max error ${maxAbsDiff(out, x0)}`);
    assert.ok(after < before / 30);
  });

  it('reduced steps, reference style: T\' = 20 schedule, network time 5t\'; exact noise of the T\' schedule', async () => {
    const reduced = sde.withSteps(20);
    const seen: number[] = [];
    const out = await sampleReducedSteps(exactNoise(reduced, 5, seen), sde, mu, new TestRng(7), { shape, steps: 20, mode: 'posterior' });
    assert.deepEqual(seen, Array.from({ length: 20 }, (_, i) => 5 * (20 - i)));
    assert.ok(maxAbsDiff(out, x0) <= 1e-6, `max error ${maxAbsDiff(out, x0)}`);
  });
});

describe('sampler loop', () => {
  // A fixed, smooth "network" that is not the exact noise.
  const fake: NoiseNetwork = async (x, m, t) => Float32Array.from(x, (v, i) => Math.sin(7 * v + 3 * m[i] + 0.01 * t));

  /**
   * Each step of the sampler equals the direct per-element formula applied to the state the network saw,
   * with the same normal stream (compared per step: float32 rounding is not amplified across steps).
   */
  for (const mode of ['sde', 'ode', 'posterior'] as const) {
    it(`${mode}: every step equals the direct per-element formula with the same normal stream`, async () => {
      const inputs: Float32Array[] = [];
      const outputs: Float32Array[] = [];
      const net: NoiseNetwork = async (x, m, t, s) => {
        inputs.push(Float32Array.from(x));
        const e = await fake(x, m, t, s);
        outputs.push(e);
        return e;
      };
      const final = await sample(net, sde, mu, new TestRng(11), { shape, mode });
      assert.equal(inputs.length, sde.T);
      const states = [...inputs, final];
      const rng = new TestRng(11);
      assert.ok(maxAbsDiff(sde.noisyStart(mu, rng), states[0]) === 0, 'noisy start');
      const z = new Float32Array(n);
      for (let k = 0; k < sde.T; k++) {
        const t = sde.T - k;
        const [x, e] = [Float64Array.from(states[k]), Float64Array.from(outputs[k])];
        const m64 = Float64Array.from(mu);
        let want: Float64Array;
        if (mode === 'sde') {
          rng.fillNormal(z);
          want = sde.reverseSdeStep(x, e, m64, t, Float64Array.from(z)) as Float64Array;
        } else if (mode === 'ode') {
          want = sde.reverseOdeStep(x, e, m64, t) as Float64Array;
        } else {
          rng.fillNormal(z);
          want = sde.posteriorStep(x, e, m64, t, Float64Array.from(z)) as Float64Array;
        }
        // the sampler stores float32: allow one float32 rounding (2^-24 relative) plus float64 noise
        const got = states[k + 1];
        for (let i = 0; i < n; i++) {
          const tol = 2 ** -24 * Math.abs(want[i]) + 1e-12;
          assert.ok(Math.abs(got[i] - want[i]) <= tol, `${mode} step t=${t}, element ${i}: ${got[i]} vs ${want[i]}`);
        }
      }
    });
  }

  it('is deterministic for a seed and does not modify μ or xT', async () => {
    const mu0 = Float32Array.from(mu);
    const xT = sde.noisyStart(mu, new TestRng(9));
    const xT0 = Float32Array.from(xT);
    const a = await sampleReverseSde(fake, sde, mu, new TestRng(13), { shape, xT });
    const b = await sampleReverseSde(fake, sde, mu, new TestRng(13), { shape, xT });
    assert.deepEqual(a, b);
    assert.deepEqual(mu, mu0);
    assert.deepEqual(xT, xT0);
  });

  it('reports progress after every step as IrsdeEvent progress events', async () => {
    const events: SampleProgressEvent[] = [];
    await samplePosterior(fake, sde, mu, new TestRng(14), { shape, timesteps: [100, 50, 10], onProgress: (e) => events.push(e) });
    const asEvents: IrsdeEvent[] = events; // compile-time: compatible with the project's event union
    assert.deepEqual(
      asEvents.map((e) => (e.type === 'progress' ? [e.stage, e.step, e.steps, e.t] : null)),
      [['sample', 1, 3, 100], ['sample', 2, 3, 50], ['sample', 3, 3, 10]],
    );
  });

  it('stops between steps when the signal is aborted', async () => {
    const ac = new AbortController();
    let calls = 0;
    const net: NoiseNetwork = async (x, m, t, s) => {
      calls++;
      return fake(x, m, t, s);
    };
    const run = sampleReverseOde(net, sde, mu, new TestRng(15), {
      shape,
      signal: ac.signal,
      onProgress: (e) => {
        if (e.step === 3) ac.abort(new Error('user cancelled'));
      },
    });
    await assert.rejects(run, (err: unknown) => {
      assert.ok(err instanceof IrsdeError);
      assert.equal(err.code, 'aborted');
      assert.equal((err.cause as Error).message, 'user cancelled');
      return true;
    });
    assert.equal(calls, 3);
  });

  it('rejects bad shapes, bad grids and wrong network output sizes', async () => {
    await assert.rejects(sampleReverseSde(fake, sde, mu, new TestRng(1), { shape: [1, 3, 16, 15] }), /shape/);
    await assert.rejects(samplePosterior(fake, sde, mu, new TestRng(1), { shape, timesteps: [50, 60] }), /strictly decreasing/);
    await assert.rejects(sample(fake, sde, mu, new TestRng(1), { shape, mode: 'sde', timesteps: [10] }), /posterior/);
    // A grid below T from the noisy start (the t = T state) is refused; with the matching xT it runs.
    await assert.rejects(samplePosterior(fake, sde, mu, new TestRng(1), { shape, timesteps: [50, 25] }), /start the grid at 100 or pass xT/);
    const fromMid = await samplePosterior(fake, sde, mu, new TestRng(1), { shape, timesteps: [50, 25], xT: mu });
    assert.equal(fromMid.length, mu.length);
    // More reduced steps than T would feed the network times between the trained integers.
    await assert.rejects(sampleReducedSteps(fake, sde, mu, new TestRng(1), { shape, mode: 'posterior', steps: 250 }), /steps must be an integer in \[1, 100\], got 250/);
    const bad: NoiseNetwork = async () => new Float32Array(3);
    await assert.rejects(sampleReverseSde(bad, sde, mu, new TestRng(1), { shape }), /returned 3 values/);
  });
});
