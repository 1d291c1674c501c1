/** Bytes from base64 (the kernels ship as base64 strings: no file loading in Node or the browser). */
export function base64Bytes(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(new ArrayBuffer(bin.length));
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Instantiates one of the small WebAssembly SIMD kernels (`src/{runtime,degrade,image,metrics}/wasm/*.wat`,
 * assembled to base64 by tools/build-wasm.mjs) synchronously, in Node and in the browser alike. Returns null
 * where WebAssembly or its SIMD extension is unavailable: every kernel has a TypeScript twin that gives the
 * same bits, which the callers use instead.
 */
export function instantiateSimd(base64: string): WebAssembly.Instance | null {
  if (typeof WebAssembly === 'undefined') return null;
  try {
    return new WebAssembly.Instance(new WebAssembly.Module(base64Bytes(base64)));
  } catch {
    return null; // no SIMD support
  }
}

/** The module's memory, grown to at least `bytes`. Views made before a grow are detached: make them after. */
export function wasmMemory(memory: WebAssembly.Memory, bytes: number): ArrayBuffer {
  const have = memory.buffer.byteLength;
  if (bytes > have) memory.grow(Math.ceil((bytes - have) / 65536));
  return memory.buffer;
}

let kernelsAllowed = true;

/**
 * For tests: `false` makes every kernel of `lazySimdKernel` report null, as on an engine without WebAssembly SIMD,
 * so that the TypeScript twins run everywhere at once (a whole pipeline, not one operator) in Node and in a browser;
 * `true` restores them. Both must give the same bits, which is what such a test checks.
 */
export function setSimdKernels(enabled: boolean): void { kernelsAllowed = enabled; }

/**
 * A lazily instantiated kernel module: the first call instantiates it, later calls return the same exports
 * (typed as `T`: its memory and functions by export name), or null without SIMD (or while `setSimdKernels(false)`).
 */
export function lazySimdKernel<T extends { memory: WebAssembly.Memory }>(base64: string): () => T | null {
  let kernel: T | null | undefined;
  return () => {
    if (!kernelsAllowed) return null;
    if (kernel === undefined) kernel = (instantiateSimd(base64)?.exports as unknown as T | undefined) ?? null;
    return kernel;
  };
}
