/// <reference lib="webworker" />
/**
 * The restoration worker: the same `restoreImage` as the Node CLI (tiling, samplers, seeded RNG), on
 * onnxruntime-web — WebGPU when the browser has an adapter, WebAssembly (SIMD; threads when the page is
 * cross-origin isolated) otherwise. Input decoding (PNG/JPEG, EXIF orientation) and PNG encoding are the
 * library's too, so for the same seed the page and `irsde restore` produce the same pixels up to float rounding.
 */
import * as ort from 'onnxruntime-web';
import jpegDecWasm from '@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm?url';
import jpegEncWasm from '@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm?url';
import { IrsdeError, isIrsdeError } from '../../src/common/errors.js';
import { setJpegWasm } from '../../src/image/jpeg.js';
import { encodePng } from '../../src/image/png.js';
import type { FloatImage } from '../../src/image/types.js';
import { loadImageBytes } from '../../src/restore/input.js';
import { checkRestoreOptions, restoreImage, releaseModels, type ModelSource } from '../../src/restore/restore.js';
import { samplerSettingsWarning } from '../../src/restore/advice.js';
import { canEstimateNoiseLevel } from '../../src/metrics/noise-level.js';
import { MODELS } from './models.js';
import type { RestoreRequest, RestoreResultFields, WorkerEvent, WorkerRequest } from './protocol.js';

declare const self: DedicatedWorkerGlobalScope;

const compile = (url: string) => () => WebAssembly.compileStreaming(fetch(url));
setJpegWasm({ decoder: compile(jpegDecWasm), encoder: compile(jpegEncWasm) });

// WebAssembly threads need SharedArrayBuffer, i.e. a cross-origin-isolated page (COOP/COEP headers).
const threads = self.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
ort.env.wasm.numThreads = threads;
ort.env.logLevel = 'error';

function post(e: WorkerEvent, transfer: Transferable[] = []): void { self.postMessage(e, transfer); }

let gpuInfo: Promise<{ name: string; fallback: boolean } | null> | null = null;

/**
 * A description of the WebGPU adapter, or null when there is none (then WASM runs). A software fallback adapter
 * (SwiftShader) runs the networks ~200× slower than WASM: only taken when WebGPU is asked for by name.
 */
async function webgpuAdapter(allowFallback: boolean): Promise<string | null> {
  gpuInfo ??= (async () => {
    const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<{ info?: { vendor?: string; architecture?: string; description?: string }; features: Set<string> } | null> } }).gpu;
    if (!gpu) return null;
    try {
      const adapter = await gpu.requestAdapter();
      if (!adapter) return null;
      const flags = adapter as unknown as { isFallbackAdapter?: boolean; info?: { isFallbackAdapter?: boolean } };
      const fallback = Boolean(flags.info?.isFallbackAdapter || flags.isFallbackAdapter);
      const i = adapter.info ?? {};
      const name = [i.vendor, i.architecture, i.description].filter(Boolean).join(' ') || 'unknown adapter';
      // The networks run in float32; shader-f16 is only reported (fp16 would need the feature).
      return { name: `${name}${adapter.features.has('shader-f16') ? ', shader-f16' : ''}${fallback ? ', software fallback' : ''}`, fallback };
    } catch {
      return null;
    }
  })();
  const a = await gpuInfo;
  return a && (allowFallback || !a.fallback) ? a.name : null;
}

const weightCache = new Map<string, Promise<ModelSource>>();

function modelSource(name: string): Promise<ModelSource> {
  let p = weightCache.get(name);
  if (!p) {
    const m = MODELS.find((x) => x.name === name);
    if (!m) throw new IrsdeError('unknown-model', `unknown model "${name}"`, { hint: `choose one of ${MODELS.map((x) => x.name).join(', ')}` });
    p = (async () => {
      const res = await fetch(m.weightsUrl);
      if (!res.ok) throw new IrsdeError('model-load', `model "${name}": weights not found (${res.status} ${res.statusText})`, { hint: 'serve the built web/ folder as a whole' });
      return { config: m.config, weights: new Uint8Array(await res.arrayBuffer()), key: name };
    })();
    p.catch(() => weightCache.delete(name));
    weightCache.set(name, p);
  }
  return p;
}

/** Formats the library does not decode (WebP, GIF, BMP, AVIF…) go through the browser's decoder. */
async function browserDecode(bytes: Uint8Array, name: string): Promise<FloatImage> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes as BlobPart]), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch {
    throw new IrsdeError('bad-image', `${name}: not an image this browser can decode`, { hint: 'use a PNG or JPEG file' });
  }
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(bitmap, 0, 0);
  const rgba = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
  // The canvas always has alpha: keep it only when the image uses it (an opaque BMP/WebP comes back RGB).
  let opaque = true;
  for (let i = 3; i < rgba.length && opaque; i += 4) opaque = rgba[i] === 255;
  const C = opaque ? 3 : 4, n = bitmap.width * bitmap.height;
  const data = new Float32Array(n * C);
  for (let p = 0; p < n; p++) for (let c = 0; c < C; c++) data[p * C + c] = rgba[p * 4 + c]! / 255;
  return { data, width: bitmap.width, height: bitmap.height, channels: C };
}

async function decode(bytes: Uint8Array, name: string): Promise<{ image: FloatImage; bitDepth: number }> {
  try {
    const r = await loadImageBytes(bytes, name);
    return { image: r.image, bitDepth: r.bitDepth };
  } catch (e) {
    if (isIrsdeError(e) && /unrecognised signature/.test(e.message)) return { image: await browserDecode(bytes, name), bitDepth: 8 };
    throw e;
  }
}

function hasNonFinite(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return true;
  return false;
}

const jobs = new Map<number, AbortController>();

async function run(req: RestoreRequest): Promise<void> {
  const ctrl = new AbortController();
  jobs.set(req.id, ctrl);
  const t0 = performance.now();
  try {
    post({ id: req.id, type: 'progress', stage: 'load', message: 'decoding image' });
    const { image, bitDepth } = await decode(req.bytes, req.name);
    post({ id: req.id, type: 'progress', stage: 'load', message: `loading model ${req.model}` });
    const model = await modelSource(req.model);
    const adapter = req.device === 'wasm' ? null : await webgpuAdapter(req.device === 'webgpu');
    if (req.device === 'webgpu' && !adapter) throw new IrsdeError('no-webgpu', 'this browser has no WebGPU adapter', { hint: 'choose WASM or Auto' });
    let device: 'webgpu' | 'wasm' = adapter ? 'webgpu' : 'wasm';
    const detail = (d: 'webgpu' | 'wasm'): string => (d === 'webgpu' ? `WebGPU (${adapter})` : `WASM (SIMD, ${threads} thread${threads > 1 ? 's' : ''})`);
    let compileSeconds = 0;
    const attempt = async (d: 'webgpu' | 'wasm') => {
      let first = true;
      const start = performance.now();
      return restoreImage(image, {
        model, device: d, steps: req.steps, seed: req.seed, tile: req.tile, overlap: req.overlap, signal: ctrl.signal,
        onProgress: (e) => {
          if (first) { first = false; compileSeconds = (performance.now() - start) / 1000; }
          post({ id: req.id, ...e, device: d });
        },
      });
    };
    const check = await checkRestoreOptions({ model, steps: req.steps });
    const advice = samplerSettingsWarning(check);
    if (advice) post({ id: req.id, type: 'warning', message: advice });
    let out = await attempt(device);
    // WebGPU kernels can produce NaN/Inf where the CPU does not; never hand those out: rerun on WASM.
    if (device === 'webgpu' && hasNonFinite(out.image.data as Float32Array)) {
      post({ id: req.id, type: 'warning', message: 'WebGPU produced non-finite values; restoring again with WASM' });
      device = 'wasm';
      out = await attempt('wasm');
    }
    if (out.info.noiseEstimated && out.info.steps === 0 && !canEstimateNoiseLevel(image)) {
      post({ id: req.id, type: 'warning', message: `${req.name} is too small to estimate its noise (about ${image.channels <= 2 ? '16×16' : '24×24'} pixels are needed), so it is returned as it was` });
    }
    const img = out.image as FloatImage;
    const png = encodePng(img, { bitDepth: bitDepth === 16 ? 16 : 8 });
    const fields: RestoreResultFields = {
      png, width: img.width, height: img.height, channels: img.channels, device, deviceDetail: detail(device),
      seconds: (performance.now() - t0) / 1000, compileSeconds, model: out.info.model, sampler: out.info.sampler,
      steps: out.info.steps, tiles: out.info.tiles, seed: req.seed,
      ...(out.info.noiseLevel !== undefined ? { noiseLevel: out.info.noiseLevel, noiseEstimated: out.info.noiseEstimated } : {}),
    };
    post({ id: req.id, type: 'result', stage: 'restore', ...fields }, [png.buffer]);
  } catch (e) {
    if (isIrsdeError(e)) post({ id: req.id, type: 'error', code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) });
    else post({ id: req.id, type: 'error', code: 'internal', message: `restoration failed: ${(e as Error)?.message ?? String(e)}` });
  } finally {
    jobs.delete(req.id);
  }
}

self.onmessage = (ev: MessageEvent<WorkerRequest>) => {
  const m = ev.data;
  if (m.type === 'cancel') jobs.get(m.id)?.abort();
  else if (m.type === 'restore') void run(m);
};

self.addEventListener('unload', () => { void releaseModels(); });
