/**
 * Node-only part of the public API (`import { readImage, writeImage } from 'irsde/node'`): image files, the
 * model registry, the shared data sets and the evaluation harness behind `irsde eval`.
 */
export { readImage, readImageFile, writeImage, isImagePath } from './image/node-io.js';
export { readSafetensorsFile, writeSafetensorsFile } from './runtime/safetensors-node.js';
export { listModels, resolveModel, canonicalTask, renderModelCard, type ModelEntry, type ResolvedModel } from './restore/registry.js';
export { openDataset, pairFolders, defaultDataRoot, maskFamilyFiles, TASKS, type Task, type Dataset } from './metrics/datasets.js';
export { evaluateTask, evaluatePairs, formatMarkdown, type EvalReport, type Restorer } from './metrics/evaluate.js';
