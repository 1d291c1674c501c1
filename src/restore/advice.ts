/**
 * Advice shared by the CLI and the browser demo: sampler settings measured to give a result worse than the input.
 */
import type { ModelConfig } from './config.js';
import type { SamplerMode } from '../sde/samplers.js';
import { MIN_NOISE_POSTERIOR_STEPS } from '../sde/prediction.js';

/** Sampler settings measured to give a result worse than the input (to say before any work), or null. */
export function samplerSettingsWarning(check: { config: ModelConfig; sampler: SamplerMode; steps: number; model: string }): string | null {
  const { config, sampler, steps, model } = check;
  if ((config.sde.kind ?? 'irsde') !== 'irsde') return null;
  const defaults = `${config.sampler.steps} step${config.sampler.steps > 1 ? 's' : ''}`;
  if ((config.sde.prediction ?? 'noise') === 'noise') {
    // A model's own default counts too: a trained run takes it from val.steps, which a quick run may have set low.
    // The reverse SDE over fewer steps than T is the reference's crude reduced-step schedule: denoise-sigma25 at 10
    // steps gave 19.8 dB against the noisy input's 20.8 (2 CBSD68 images).
    if (sampler === 'sde' && steps < config.sde.T) {
      return `the reverse-SDE sampler with ${steps} of ${config.sde.T} steps is a crude reduced-step approximation for ${model}: expect a result worse than the input (use the posterior sampler, or --steps ${config.sde.T})`;
    }
    if (sampler !== 'posterior' || steps >= MIN_NOISE_POSTERIOR_STEPS) return null;
    const hint = config.sampler.steps < MIN_NOISE_POSTERIOR_STEPS ? `its config.json recommends ${defaults}; use 10 or more steps` : `its default: ${config.sampler.steps}`;
    return `${steps} step${steps > 1 ? 's' : ''} is too few for ${model}, a noise-predicting IR-SDE model: expect a result worse than the input below ~${MIN_NOISE_POSTERIOR_STEPS} steps (${hint})`;
  }
  // x̂₀-predicting models are trained for one posterior jump (jpeg on 6 CBSD68 images at q10, JPEG input 26.4 dB:
  // the ODE 24.2 / 25.2 / 25.4 dB at 1 / 5 / 10 steps, the SDE 23.8 dB at 10).
  return sampler !== 'posterior' ? `${model} predicts x̂₀ and is made for the posterior sampler (${defaults}); the ${sampler} sampler gives results worse than the input` : null;
}
