/**
 * The package's public entry points: what `irsde` and `irsde/node` export, and that package.json maps each
 * export to the build output of a source file that exists (tests run on the sources, users on dist/).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import * as root from '../../src/index.js';
import * as node from '../../src/node.js';

test('irsde exports restore, metrics and degradations; irsde/node the file and registry helpers', () => {
  for (const name of ['restore', 'restoreImage', 'estimateNoiseLevel', 'calibratedNoiseLevel', 'psnr', 'ssim', 'scoreAll', 'Graph', 'grad', 'getBackend', 'AdamW', 'createRng', 'conditionalNAFNet'] as const) {
    assert.equal(typeof (root as Record<string, unknown>)[name], 'function', `irsde exports ${name}`);
  }
  for (const name of ['DegradeRng', 'gaussianNoise', 'poissonNoise', 'jpegCompress', 'filter2D', 'resize', 'matlabImresize', 'wildDegrade', 'applyOps', 'parseOps']) {
    assert.equal(typeof (root.degrade as Record<string, unknown>)[name], 'function', `irsde exports degrade.${name}`);
  }
  for (const name of ['readImage', 'writeImage', 'listModels', 'resolveModel', 'openDataset', 'evaluateTask', 'evaluatePairs']) {
    assert.equal(typeof (node as Record<string, unknown>)[name], 'function', `irsde/node exports ${name}`);
  }
  const img = { data: new Float32Array(12 * 12 * 3).fill(0.5), width: 12, height: 12, channels: 3 };
  assert.equal(root.psnr(img, img), Infinity);
});

test('package.json exports point at the build of existing sources; npm ci builds them (prepare)', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { exports: Record<string, { types: string; import: string } | string>; scripts: Record<string, string> };
  for (const [key, target] of Object.entries(pkg.exports)) {
    if (typeof target === 'string') continue;
    const src = target.import.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts');
    assert.ok(existsSync(src), `${key} → ${target.import}: ${src} exists`);
    assert.equal(target.types, target.import.replace(/\.js$/, '.d.ts'), `${key}: types beside the code`);
  }
  assert.ok(pkg.exports['./node'], 'irsde/node is exported');
  assert.match(pkg.scripts.prepare ?? '', /tsc -p tsconfig\.json/);
});
