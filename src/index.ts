/**
 * Public API of irsde (Node and the browser). Node-only helpers (image files, the model registry, data sets
 * and the evaluation harness) are in `irsde/node`.
 */
export { Graph, Tensor, type Dim, type DType, type Shape } from './graph/tensor.js';
export * as ops from './graph/ops.js';
export { emitModel, serializeModel } from './graph/emitter.js';
export { grad, lossDependsOn, type GradOptions } from './autodiff/grad.js';
export { getBackend, type Backend, type BackendName, type HostTensor, type Session } from './runtime/backend.js';
export { Program } from './runtime/program.js';
export { TrainingProgram } from './runtime/training.js';
export { ParamStore, init, type Init, type Param } from './runtime/params.js';
export { AdamW, Adam, Lion, SGD, clipGradNorm, type Optimizer } from './runtime/optim.js';
export { cosineLR, multiStepLR, constantLR, type LRSchedule, type CosineOptions, type MultiStepOptions } from './runtime/schedule.js';
export { EMA } from './runtime/ema.js';
export { Rng, createRng } from './runtime/rng.js';
export { encodeSafetensors, decodeSafetensors, type SafeTensor, type SafeTensorInput, type DecodedSafetensors } from './runtime/safetensors.js';
export { Scope, initParams, countParams, type ParamSpec } from './nn/scope.js';
export * from './nn/layers.js';
export * from './nn/blocks.js';
export { IrsdeError } from './common/errors.js';
export type { IrsdeEvent, EventSink } from './common/events.js';
export * from './restore/index.js';
// Image bytes ↔ pixels in any runtime; bundlers that do not rewrite `new URL(…, import.meta.url)` hand the JPEG
// WebAssembly modules in with setJpegWasm.
export { decodeImage, encodeImage, type EncodeOptions, type OrientedImage } from './image/codecs.js';
export { setJpegWasm, type JpegWasmSources, type CompiledWasmModule } from './image/jpeg.js';
export { psnr, ssim, scoreAll, type Scores, type MetricOptions } from './metrics/metrics.js';
export * as degrade from './degrade/index.js';
export { estimateNoiseLevel, canEstimateNoiseLevel, calibratedNoiseLevel, NOISE_CALIBRATION, type NoiseEstimateInput, type NoiseEstimateOptions } from './metrics/noise-level.js';
export { MeanRevertingSDE, DenoisingSDE, denoise, samplePosterior, sampleReverseSde, sampleReverseOde, sampleReducedSteps, stridedTimesteps, createSDE, asNoiseNetwork, noiseFromResidualNetwork, type Prediction } from './sde/index.js';
export { conditionalNAFNet, conditionalUNet, latentUNetEncode, latentUNetDecode, padToMultiple, cropTo, runPadded, type NAFNetConfig, type UNetConfig, type PadMode, type PadSpec } from './nn/networks.js';
