/** Browser-safe image helpers (Node file IO lives in `node-io.ts`). */
export * from './types.js';
export * from './convert.js';
export * from './color.js';
export * from './pad.js';
export * from './png.js';
export * from './jpeg.js';
export * from './codecs.js';
export { encodeJpegBaseline, quantTables } from './jpeg-encoder.js';
