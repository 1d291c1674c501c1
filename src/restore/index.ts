/**
 * Restoration (browser-safe part): `restore`, the model config format, tiling and EXIF helpers. The Node-only
 * model registry is `./registry.js` (`restore` loads it on demand when given a model name).
 */
export { samplerSettingsWarning } from './advice.js';
export { restore, restoreImage, checkRestoreOptions, releaseModels, dihedral, DEFAULT_TILE, DEFAULT_OVERLAP } from './restore.js';
export type { PixelData, PixelImage, ModelSource, RestoreOptions, RestoreProgressEvent, RestoreInfo } from './restore.js';
export { validateModelConfig, MODEL_CONFIG_FORMAT } from './config.js';
export type { ModelConfig, ModelNetwork, ModelSDE, ModelMetric } from './config.js';
export { planTiles, planAxis, tilePositions, tileLength, rampWeights } from './tiles.js';
export type { TilePlan, AxisPlan } from './tiles.js';
export { applyOrientation, fileOrientation, jpegOrientation, pngOrientation, orientationFromTiff, orientedSize } from '../image/exif.js';
export type { Orientation } from '../image/exif.js';
export { headerSize } from '../image/codecs.js';
export { loadImageBytes, checkPixelCount, MAX_PIXELS, type LoadedImage } from './input.js';
