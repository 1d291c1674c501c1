/**
 * The browser demo. `npm run web` serves it (cross-origin isolated, so WebAssembly gets threads);
 * `npm run web:build` writes static files to web/dist that work from any static server (relative base;
 * without COOP/COEP headers WASM runs single-threaded).
 */
import { defineConfig } from 'vite';

const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  // The library source and the shipped models live one level up.
  server: { fs: { allow: ['..'] }, headers: isolation },
  preview: { headers: isolation },
  // onnxruntime-web and @jsquash locate their .wasm next to their own module: keep them out of pre-bundling.
  optimizeDeps: { exclude: ['onnxruntime-web', '@jsquash/jpeg'] },
  worker: { format: 'es' },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 4096, assetsInlineLimit: 0 },
});
