/**
 * Messages between the page and the restoration worker. Everything the worker reports is an `IrsdeEvent`
 * (the library's one event shape) tagged with the job id, so the page handles progress, results and errors
 * exactly as the CLI's `--json` lines describe them.
 */
import type { IrsdeEvent } from '../../src/common/events.js';

export type DeviceChoice = 'auto' | 'webgpu' | 'wasm';

export interface RestoreRequest {
  type: 'restore';
  id: number;
  /** The image file's bytes (PNG/JPEG decoded by the library; other formats by the browser). */
  bytes: Uint8Array;
  name: string;
  /** Registry name of a shipped model (see models.ts). */
  model: string;
  device: DeviceChoice;
  steps?: number;
  seed: number;
  tile?: number;
  overlap?: number;
}

export interface CancelRequest { type: 'cancel'; id: number }

export type WorkerRequest = RestoreRequest | CancelRequest;

/** The result event's payload (`type: 'result', stage: 'restore'`). */
export interface RestoreResultFields {
  /** PNG bytes of the restored image (16-bit when the input was a 16-bit PNG). */
  png: Uint8Array;
  width: number;
  height: number;
  channels: number;
  /** The ONNX Runtime backend that ran: 'webgpu' or 'wasm', and what it was (adapter, threads). */
  device: 'webgpu' | 'wasm';
  deviceDetail: string;
  /** Seconds for the restoration (model compile + sampling), and for the model compile alone. */
  seconds: number;
  compileSeconds: number;
  model: string;
  sampler: string;
  steps: number;
  tiles: number;
  seed: number;
  /** Denoising-SDE models: the noise σ used (8-bit units) and whether it was estimated from the image. */
  noiseLevel?: number;
  noiseEstimated?: boolean;
}

export type WorkerEvent = IrsdeEvent & { id: number };
