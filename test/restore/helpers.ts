/** Test helpers: tiny randomly initialised models written to a temp models folder. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nafnetParamSpecs, unetParamSpecs } from '../../src/nn/networks.js';
import { initParams } from '../../src/nn/scope.js';
import { createRng } from '../../src/runtime/rng.js';
import type { ModelConfig } from '../../src/restore/config.js';

export const TINY_NAF = { imgChannel: 3, width: 8, middleBlkNum: 1, encBlkNums: [1, 1], decBlkNums: [1, 1] };

export function tinyConfig(name: string, over: Partial<ModelConfig> = {}): ModelConfig {
  return {
    format: 'irsde-model', version: 1, name, task: 'denoising', description: `tiny random ${name}`,
    network: { kind: 'nafnet', config: TINY_NAF },
    sde: { kind: 'irsde', maxSigma: 50, T: 20, schedule: 'cosine', eps: 0.005 },
    valueRange: [0, 1], training: { note: 'random weights (test)' }, sampler: { mode: 'posterior', steps: 5 },
    tile: { size: 64, overlap: 8 },
    ...over,
  };
}

/** Write `<root>/<name>/{config.json, model.safetensors, MODEL_CARD.md}` with random weights. */
export function writeModel(root: string, config: ModelConfig, seed = 1, opts: { card?: boolean; weights?: boolean; zero?: boolean } = {}): string {
  const dir = join(root, config.name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
  const n = config.network;
  const specs = n.kind === 'nafnet' ? nafnetParamSpecs(n.config, { conditional: n.conditional !== false }) : unetParamSpecs(n.config, { conditional: n.conditional !== false });
  if (opts.weights !== false) {
    const store = initParams(specs, createRng(seed));
    if (opts.zero) for (const p of store) p.data.fill(0);
    writeFileSync(join(dir, 'model.safetensors'), store.toSafetensors());
  }
  if (opts.card !== false) writeFileSync(join(dir, 'MODEL_CARD.md'), `# ${config.name}\n\nTest model.\n`);
  return dir;
}

/** A temp models folder with the tiny NAFNet model "tiny" (task denoising, default). */
export function tinyModelsDir(): string {
  const root = mkdtempSync(join(tmpdir(), 'irsde-models-'));
  writeModel(root, tinyConfig('tiny', { default: true }));
  return root;
}

/** A deterministic photo-like RGB(A)/grey test image as bytes. */
export function testPixels(width: number, height: number, channels: number): Uint8Array {
  const d = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        const v = c === 3 ? (x * 7 + y * 3) % 256 : 128 + 90 * Math.sin(0.13 * x + 0.07 * y + c) + ((x * 31 + y * 17 + c * 5) % 23) - 11;
        d[(y * width + x) * channels + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return d;
}

/** CRC-32 (PNG chunks). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** A TIFF block with IFD0 holding only the orientation tag. */
export function tiffOrientation(o: number, littleEndian: boolean): Uint8Array {
  const b = new Uint8Array(26);
  const dv = new DataView(b.buffer);
  b.set(littleEndian ? [0x49, 0x49] : [0x4d, 0x4d], 0);
  dv.setUint16(2, 42, littleEndian);
  dv.setUint32(4, 8, littleEndian);
  dv.setUint16(8, 1, littleEndian);
  dv.setUint16(10, 0x0112, littleEndian);
  dv.setUint16(12, 3, littleEndian);
  dv.setUint32(14, 1, littleEndian);
  dv.setUint16(18, o, littleEndian);
  dv.setUint32(22, 0, littleEndian);
  return b;
}

/** Insert an APP1 Exif segment with an orientation tag right after the JPEG SOI marker. */
export function withJpegOrientation(jpeg: Uint8Array, o: number, littleEndian = false): Uint8Array {
  const tiff = tiffOrientation(o, littleEndian);
  const seg = new Uint8Array(4 + 6 + tiff.length);
  seg.set([0xff, 0xe1, (seg.length - 2) >> 8, (seg.length - 2) & 0xff, 0x45, 0x78, 0x69, 0x66, 0, 0], 0);
  seg.set(tiff, 10);
  const out = new Uint8Array(jpeg.length + seg.length);
  out.set(jpeg.subarray(0, 2), 0);
  out.set(seg, 2);
  out.set(jpeg.subarray(2), 2 + seg.length);
  return out;
}

/** Insert an eXIf chunk with an orientation tag after the PNG IHDR chunk. */
export function withPngOrientation(png: Uint8Array, o: number, afterImageData = false): Uint8Array {
  const tiff = tiffOrientation(o, true);
  const chunk = new Uint8Array(12 + tiff.length);
  const dv = new DataView(chunk.buffer);
  dv.setUint32(0, tiff.length);
  chunk.set([0x65, 0x58, 0x49, 0x66], 4); // eXIf
  chunk.set(tiff, 8);
  dv.setUint32(8 + tiff.length, crc32(chunk.subarray(4, 8 + tiff.length)));
  const at = afterImageData ? png.length - 12 : 8 + 25; // before IEND, or after the signature + IHDR
  const out = new Uint8Array(png.length + chunk.length);
  out.set(png.subarray(0, at), 0);
  out.set(chunk, at);
  out.set(png.subarray(at), at + chunk.length);
  return out;
}
