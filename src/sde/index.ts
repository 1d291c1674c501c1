/** The SDE layer: the mean-reverting SDE (IR-SDE family), its samplers, the matching loss and task configs. */
export { thetaSchedule, resolveLambda, buildSchedule, optimalReverseCoefficients, posteriorStdFromVariance } from './schedule.js';
export type { ThetaScheduleKind, ScheduleArrays } from './schedule.js';
export { MeanRevertingSDE, assertSameSdeConfig, forEachSample } from './sde.js';
export type { MeanRevertingSDEOptions, MeanRevertingSDEConfig, MatchingCoefficients } from './sde.js';
export { applyStep } from './steps.js';
export type { StepCoefficients, PlannedStep } from './steps.js';
export { matchingLoss } from './loss.js';
export type { MatchingLossType, MatchingLossInputs, MatchingLossSDE } from './loss.js';
export {
  planReverseSde,
  planReverseOde,
  planPosterior,
  stridedTimesteps,
  runPlan,
  sampleReverseSde,
  sampleReverseOde,
  samplePosterior,
  sample,
  sampleReducedSteps,
} from './samplers.js';
export type { SamplerMode, ReverseSampleOptions, PosteriorSampleOptions, ModeSampleOptions, ReducedStepSampleOptions } from './samplers.js';
export { noiseFromResidualNetwork, asNoiseNetwork, PREDICTIONS } from './prediction.js';
export type { Prediction } from './prediction.js';
export { DenoisingSDE, denoise } from './denoising.js';
export type { DenoisingSDEOptions, DenoiseOptions } from './denoising.js';
export { TASK_CONFIGS, createSDE } from './configs.js';
export type { TaskConfig, TaskId, TaskMethod, OptimizerConfig, LrScheduleConfig, EmaConfig } from './configs.js';
export { fillNormal, throwIfAborted } from './types.js';
export type { FloatArray, NoiseNetwork, NormalSource, SampleProgressEvent, SampleOptions } from './types.js';
