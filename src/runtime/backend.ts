/**
 * One interface over ONNX Runtime builds: onnxruntime-node (native, fastest) and onnxruntime-web (WASM or
 * WebGPU; also runs in Node, which is how the browser path is tested). Both speak onnxruntime-common's API,
 * so a Backend only differs in which module it loads and which execution providers it asks for.
 */
import { IrsdeError } from '../common/errors.js';

export type BackendName = 'node' | 'wasm' | 'webgpu';

export type HostData = Float32Array | BigInt64Array | Int32Array | Uint8Array | Uint16Array | Float64Array;
export type HostDType = 'float32' | 'int64' | 'int32' | 'uint8' | 'bool' | 'float16' | 'float64';

/** A tensor on the host side of a run: plain typed array + dims. Feeding it does not copy the array. */
export interface HostTensor { data: HostData; dims: readonly number[]; dtype: HostDType }

export interface SessionOptions {
  /** Training graphs: turn ORT's memory pattern off (≈35 % less peak memory, same speed: ENGINE.md). */
  training?: boolean;
  threads?: number;
  optimization?: 'basic' | 'extended' | 'all';
  /** Keep onnxruntime's own error log quiet (capability probes that are expected to fail on some machines). */
  quiet?: boolean;
}

export interface Session {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, HostTensor>, outputs?: readonly string[]): Promise<Record<string, HostTensor>>;
  release(): Promise<void>;
}

export interface Backend {
  readonly name: BackendName;
  createSession(model: Uint8Array, opts?: SessionOptions): Promise<Session>;
}

type OrtModule = typeof import('onnxruntime-common');

function defaultThreads(): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return Math.max(1, nav?.hardwareConcurrency ?? 2);
}

class OrtBackend implements Backend {
  constructor(readonly name: BackendName, private readonly ort: OrtModule, private readonly providers: string[]) {}

  async createSession(model: Uint8Array, opts: SessionOptions = {}): Promise<Session> {
    const ort = this.ort;
    const session = await ort.InferenceSession.create(model, {
      executionProviders: this.providers,
      graphOptimizationLevel: opts.optimization ?? 'all',
      enableMemPattern: !opts.training,
      enableCpuMemArena: true,
      intraOpNumThreads: this.name === 'node' ? (opts.threads ?? defaultThreads()) : undefined,
      executionMode: 'sequential',
      // onnxruntime-web reports expected placement notes ("some nodes were not assigned to the preferred execution
      // providers": shape ops stay on the CPU under WebGPU) as console errors; errors only, there
      ...(opts.quiet ? { logSeverityLevel: 4 as const } : this.name !== 'node' ? { logSeverityLevel: 3 as const } : {}),
    });
    return {
      inputNames: session.inputNames,
      outputNames: session.outputNames,
      async run(feeds, outputs) {
        const ortFeeds: Record<string, InstanceType<OrtModule['Tensor']>> = {};
        for (const [k, v] of Object.entries(feeds)) ortFeeds[k] = new ort.Tensor(v.dtype as 'float32', v.data as Float32Array, v.dims);
        const res = outputs ? await session.run(ortFeeds, outputs as string[]) : await session.run(ortFeeds);
        const out: Record<string, HostTensor> = {};
        for (const [k, v] of Object.entries(res)) out[k] = { data: v.data as HostData, dims: v.dims, dtype: v.type as HostDType };
        return out;
      },
      async release() { await session.release(); },
    };
  }
}

const cache = new Map<BackendName, Promise<Backend>>();

/**
 * The backend by name. 'node' loads onnxruntime-node; 'wasm' and 'webgpu' load onnxruntime-web.
 * Modules are loaded on first use, so code that never runs a network never loads ONNX Runtime.
 */
export function getBackend(name: BackendName = 'node'): Promise<Backend> {
  if (!(['node', 'wasm', 'webgpu'] as unknown[]).includes(name)) {
    return Promise.reject(new IrsdeError('bad-option', `unknown backend ${JSON.stringify(name)}: expected "node" (onnxruntime-node, CPU), "wasm" or "webgpu" (onnxruntime-web)`));
  }
  let b = cache.get(name);
  if (!b) {
    b = (async () => {
      if (name === 'node') {
        // A computed specifier keeps bundlers from pulling the native module into browser builds.
        const nodeModule = 'onnxruntime-node';
        const ort = (await import(/* @vite-ignore */ nodeModule)) as unknown as OrtModule;
        return new OrtBackend('node', ort, ['cpu']);
      }
      const ort = (await import('onnxruntime-web')) as unknown as OrtModule & { env: { wasm: { numThreads?: number } } };
      if (typeof (globalThis as { window?: unknown }).window === 'undefined') ort.env.wasm.numThreads = 1; // Node: no worker threads for wasm
      return new OrtBackend(name, ort, name === 'webgpu' ? ['webgpu', 'wasm'] : ['wasm']);
    })();
    cache.set(name, b);
  }
  return b;
}
