/** Task configurations (IRSDE.md §9) and SDE-config checks. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IrsdeError } from '../../src/common/errors.js';
import { assertSameSdeConfig, createSDE, DenoisingSDE, MeanRevertingSDE, TASK_CONFIGS } from '../../src/sde/index.js';

describe('task configs', () => {
  it('every config builds its SDE; IR-SDE ones use T 100, cosine, eps 0.005', () => {
    for (const [id, c] of Object.entries(TASK_CONFIGS)) {
      assert.equal(c.id, id);
      if (!c.sde) continue;
      const sde = createSDE(c.sde);
      assert.deepEqual(sde.config, c.sde, id);
      if (c.sde.kind === 'irsde') {
        assert.ok(sde instanceof MeanRevertingSDE);
        assert.equal(c.sde.T, 100);
        assert.equal(c.sde.eps, 0.005);
        assert.equal(c.sde.schedule, 'cosine');
      } else {
        assert.ok(sde instanceof DenoisingSDE);
        assert.equal(c.sde.eps, 0.04);
      }
      assert.equal(c.ema.beta, 0.995);
      assert.equal(c.optimizer.weightDecay, 0);
      assert.deepEqual(c.optimizer.betas, [0.9, 0.99]);
    }
  });

  it('the papers\' λ and samplers', () => {
    assert.equal(TASK_CONFIGS['irsde-deraining'].sde?.maxSigma, 10);
    assert.equal(TASK_CONFIGS['irsde-deraining'].sampler, 'posterior');
    assert.equal(TASK_CONFIGS['irsde-sr4'].sde?.maxSigma, 30);
    assert.equal(TASK_CONFIGS['irsde-denoising'].sde?.T, 1000);
    assert.equal(TASK_CONFIGS['irsde-denoising'].testSde?.maxSigma, 75);
    assert.equal(TASK_CONFIGS['daclip-universal'].sampler, 'posterior');
    assert.equal(TASK_CONFIGS['entropy-sde-lowlight'].loss, 'entropy');
    assert.equal(TASK_CONFIGS['refusion-deraining'].optimizer.type, 'lion');
    assert.equal(TASK_CONFIGS['refusion-latent-unet-haze'].sde, null);
  });

  it('assertSameSdeConfig refuses mismatches with a clear error', () => {
    const a = new MeanRevertingSDE({ maxSigma: 50, T: 100, eps: 0.005 }).config;
    assertSameSdeConfig(a, { ...a });
    assert.throws(
      () => assertSameSdeConfig(a, { ...a, maxSigma: 30 }),
      (e: unknown) => e instanceof IrsdeError && e.code === 'sde-mismatch' && /maxSigma=50/.test(e.message) && /maxSigma=30/.test(e.message),
    );
  });
});
