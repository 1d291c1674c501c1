/**
 * Makes the example images procedurally (no benchmark data): `examples/example.png`, a 256×256 photo-like
 * synthetic scene (sky gradient, sun, hills with grass texture, a house, a striped fence, a tree), and
 * `examples/noisy.png`, the same with additive Gaussian noise σ = 25 (0..255 scale), seed 0.
 *
 *     node --import tsx examples/make-example.ts      # then: npx irsde restore examples/noisy.png
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createImage, type FloatImage } from '../src/image/types.js';
import { writeImage } from '../src/image/node-io.js';
import { quantizeInPlace } from '../src/image/convert.js';
import { gaussianNoise } from '../src/degrade/noise.js';
import { DegradeRng } from '../src/degrade/random.js';
import { createRng } from '../src/runtime/rng.js';

const N = 256;

/** Smooth value noise in [0, 1] on a lattice of `cell` pixels (deterministic). */
function valueNoise(seed: number, cell: number): (x: number, y: number) => number {
  const rng = createRng(seed);
  const g = Math.ceil(N / cell) + 2;
  const lattice = new Float32Array(g * g);
  rng.fillUniform(lattice);
  const smooth = (t: number) => t * t * (3 - 2 * t);
  return (x, y) => {
    const fx = x / cell, fy = y / cell;
    const ix = Math.floor(fx), iy = Math.floor(fy);
    const tx = smooth(fx - ix), ty = smooth(fy - iy);
    const v = (i: number, j: number) => lattice[j * g + i]!;
    const a = v(ix, iy) + (v(ix + 1, iy) - v(ix, iy)) * tx;
    const b = v(ix, iy + 1) + (v(ix + 1, iy + 1) - v(ix, iy + 1)) * tx;
    return a + (b - a) * ty;
  };
}

export function makeScene(): FloatImage {
  const img = createImage(N, N, 3);
  const clouds = valueNoise(1, 32), clouds2 = valueNoise(2, 12);
  const grass = valueNoise(3, 3), grassLow = valueNoise(4, 20);
  const bark = valueNoise(5, 2), leaves = valueNoise(6, 5);
  const set = (x: number, y: number, r: number, g: number, b: number) => {
    const i = (y * N + x) * 3;
    img.data[i] = r; img.data[i + 1] = g; img.data[i + 2] = b;
  };
  const hill = (x: number) => 150 + 18 * Math.sin(x / 37) + 10 * Math.sin(x / 13 + 1);
  for (let y = 0; y < N; y++) {
    for (let x = 0; x < N; x++) {
      // sky: vertical gradient with soft clouds
      const t = y / N;
      const c = Math.max(0, 0.7 * clouds(x, y) + 0.3 * clouds2(x, y) - 0.45) * 1.6;
      let r = 0.35 + 0.35 * t + c, g = 0.55 + 0.3 * t + c, b = 0.95 - 0.1 * t + c * 0.6;
      // sun with a halo
      const d = Math.hypot(x - 200, y - 52);
      if (d < 18) { r = 1; g = 0.95; b = 0.7; } else if (d < 40) { const h = (40 - d) / 22 * 0.35; r += h; g += h * 0.9; b += h * 0.5; }
      // hills with grass texture
      if (y > hill(x)) {
        const depth = (y - hill(x)) / 100;
        const tex = 0.6 * grass(x, y) + 0.4 * grassLow(x, y);
        r = 0.18 + 0.15 * tex - 0.05 * depth; g = 0.45 + 0.25 * tex - 0.1 * depth; b = 0.12 + 0.08 * tex;
      }
      set(x, y, r, g, b);
    }
  }
  // house: wall, roof, door, window with frame
  for (let y = 120; y < 190; y++) for (let x = 40; x < 110; x++) {
    const brick = ((y >> 2) & 1) ? (x + 3) % 10 : x % 10;
    const mortar = y % 4 === 0 || brick === 0;
    set(x, y, mortar ? 0.8 : 0.7, mortar ? 0.78 : 0.35, mortar ? 0.72 : 0.25);
  }
  for (let y = 90; y < 120; y++) for (let x = 30; x < 120; x++) {
    if (Math.abs(x - 75) < (y - 90) * 1.5 + 1) set(x, y, 0.35 + 0.05 * ((x + y) % 3), 0.15, 0.12);
  }
  for (let y = 155; y < 190; y++) for (let x = 60; x < 78; x++) set(x, y, 0.3, 0.2, 0.1);
  for (let y = 130; y < 150; y++) for (let x = 85; x < 103; x++) {
    const frame = x === 85 || x === 102 || y === 130 || y === 149 || x === 93 || y === 139;
    set(x, y, frame ? 0.95 : 0.55, frame ? 0.95 : 0.75, frame ? 0.95 : 0.9);
  }
  // striped fence
  for (let x = 120; x < 256; x++) for (let y = 185; y < 215; y++) {
    const post = x % 9 < 4;
    const rail = y > 192 && y < 196 || y > 205 && y < 209;
    if (post || rail) set(x, y, 0.92, 0.9, 0.85);
  }
  // tree: trunk and a textured crown
  for (let y = 120; y < 180; y++) for (let x = 165; x < 175; x++) { const v = 0.25 + 0.15 * bark(x, y); set(x, y, v + 0.1, v, v * 0.6); }
  for (let y = 70; y < 135; y++) for (let x = 135; x < 205; x++) {
    const dx = (x - 170) / 35, dy = (y - 102) / 32;
    if (dx * dx + dy * dy < 1 + 0.25 * (leaves(x, y) - 0.5)) { const v = leaves(x, y); set(x, y, 0.1 + 0.1 * v, 0.3 + 0.3 * v, 0.08 + 0.05 * v); }
  }
  for (let i = 0; i < img.data.length; i++) img.data[i] = Math.min(1, Math.max(0, img.data[i]!));
  return quantizeInPlace(img);
}

const here = dirname(fileURLToPath(import.meta.url));
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const clean = makeScene();
  const noisy = gaussianNoise(clean, 25, new DegradeRng(0));
  await writeImage(join(here, 'example.png'), clean);
  await writeImage(join(here, 'noisy.png'), noisy);
  process.stdout.write(`wrote ${join(here, 'example.png')} and ${join(here, 'noisy.png')} (256×256; noisy: Gaussian σ 25, seed 0)\n`);
}
