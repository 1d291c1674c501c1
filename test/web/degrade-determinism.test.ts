/**
 * The promise "each operator is a seeded, deterministic function that gives the same result in Node and in the
 * browser", checked in a real browser: test/web/degrade-suite.ts (the wild pipeline for 40 seeds on a 96×80 image,
 * every operator family, edge sizes) runs in Node and, bundled by Vite, in Debian's headless Chromium (V8 there is
 * not Node's), in three modes each: the WebAssembly SIMD kernels, their TypeScript twins everywhere (as on an engine
 * without SIMD), and the per-kernel switches. Every case's SHA-256 must be the same in all six runs.
 * Skipped (with the reason) when Chromium is missing: `.ci/run` installs Debian's `chromium` package; set
 * IRSDE_CHROMIUM to use another binary.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runSuite, SUITE_MODES, HISTORY_DEPENDENT, type SuiteMode, type SuiteResult } from './degrade-suite.js';
import { chromiumPath, chromiumSkip, serve } from '../helpers/web.js';

const root = resolve(import.meta.dirname, '../..');
const skip = chromiumSkip;

const mime: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };


let tmp = '', url = '', server: Server | null = null, buildMs = 0;

before(async () => {
  if (skip) return;
  tmp = mkdtempSync(join(tmpdir(), 'irsde-degrade-web-'));
  const t0 = performance.now();
  const { build } = await import('vite');
  // Library mode: one ES module exporting runSuite; @jsquash's .wasm files come along as assets it fetches
  // next to itself, exactly as in an application bundle.
  await build({
    configFile: false, root, logLevel: 'error',
    build: { outDir: tmp, emptyOutDir: true, target: 'es2022', minify: false, assetsInlineLimit: 0, lib: { entry: join(root, 'test/web/degrade-suite.ts'), formats: ['es'], fileName: 'suite' } },
  });
  writeFileSync(join(tmp, 'index.html'), '<!doctype html><meta charset="utf-8"><title>irsde degradation determinism</title>\n'
    + '<script type="module">import * as suite from "./suite.js"; window.irsdeSuite = suite; document.title = "ready";</script>\n');
  buildMs = performance.now() - t0;
  const s = await serve(tmp);
  server = s.server;
  url = s.url;
});

after(() => {
  server?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function inChromium(): Promise<Record<SuiteMode, SuiteResult>> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    // No network beyond localhost here: keep Chromium from trying to reach its services.
    args: ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-gpu'],
  });
  try {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(url);
    await page.waitForFunction(() => document.title === 'ready', null, { timeout: 60_000 });
    const out = {} as Record<SuiteMode, SuiteResult>;
    for (const mode of SUITE_MODES) {
      out[mode] = await page.evaluate(async (m) => {
        const s = (window as unknown as { irsdeSuite: { runSuite(mode: string): Promise<SuiteResult> } }).irsdeSuite;
        return s.runSuite(m);
      }, mode);
    }
    assert.deepEqual(problems, [], 'no uncaught errors in the page');
    return out;
  } finally {
    await browser.close();
  }
}

test('degradations: Node and headless Chromium give the same bytes, with the SIMD kernels, their TypeScript twins and the per-kernel switches', { skip, timeout: 5 * 60_000 }, async (t) => {
  const t0 = performance.now();
  const node = {} as Record<SuiteMode, SuiteResult>;
  for (const mode of SUITE_MODES) node[mode] = await runSuite(mode);
  const tNode = performance.now();
  const web = await inChromium();
  const tWeb = performance.now();

  const names = Object.keys(node.simd.hashes);
  assert.ok(names.length > 250, `the suite has ${names.length} cases`);
  assert.ok(names.filter((n) => n.startsWith('wild/')).length >= 40, 'a few dozen wild-pipeline seeds');
  // Where the engine lacks SIMD the `simd` mode runs the twins too: both engines here have it, and the test says so.
  assert.ok(node.simd.simdKernels && web.simd.simdKernels, 'WebAssembly SIMD available in Node and in Chromium');
  const runs: Array<[string, SuiteResult]> = SUITE_MODES.flatMap((m) => [[`node/${m}`, node[m]], [`chromium/${m}`, web[m]]] as Array<[string, SuiteResult]>);
  const bad: string[] = [];
  for (const [run, r] of runs) {
    assert.deepEqual(Object.keys(r.hashes), names, `${run}: the same cases in the same order`);
    const mode = run.slice(run.indexOf('/') + 1) as SuiteMode;
    for (const name of names) {
      // a case whose bytes depend on earlier calls is compared between engines in the same mode only
      const ref = HISTORY_DEPENDENT.has(name) ? node[mode] : node.simd;
      if (r.hashes[name] !== ref.hashes[name]) bad.push(`${run}: ${name}`);
    }
  }
  t.diagnostic(`${names.length} cases × 3 modes; Node ${((tNode - t0) / 1000).toFixed(1)} s, Chromium ${((tWeb - tNode) / 1000).toFixed(1)} s (in page: ${SUITE_MODES.map((m) => `${m} ${(web[m].ms / 1000).toFixed(2)} s`).join(', ')}), bundle ${(buildMs / 1000).toFixed(1)} s`);
  assert.deepEqual(bad, [], `outputs that differ from Node's SIMD run:\n${bad.join('\n')}`);
});
