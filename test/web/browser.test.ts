/**
 * End to end: the browser demo (web/) built with Vite, served by a plain static server, driven in Debian's
 * Chromium by playwright-core. The example image is restored in the page with the WASM backend and with
 * WebGPU (Chromium's software adapter), and each result must match the Node CLI's output for the same seed
 * within 1/255 per sample. Also: cancelling a restoration and a file that is not an image.
 * Screenshots go to test-artifacts/. Skipped (with the reason) when Chromium is missing: `.ci/run`
 * installs Debian's `chromium` package; set IRSDE_CHROMIUM to use another binary.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { decodePng } from '../../src/image/png.js';
import { chromiumPath, chromiumSkip, serve } from '../helpers/web.js';

const root = resolve(import.meta.dirname, '../..');
const skip = chromiumSkip;
const artifacts = join(root, 'test-artifacts');
const SEED = 7;
const STEPS = 10;
const GPU_STEPS = Number(process.env.IRSDE_WEBGPU_STEPS ?? 1);
// WebGPU on SwiftShader emulates the GPU on the CPU (minutes per step): the GPU kernels are checked on the
// small IR-SDE model and its 1-step posterior (which amplifies network error the most); the default model's
// whole path is checked on WASM above.
const GPU_MODEL = process.env.IRSDE_WEBGPU_MODEL ?? 'denoise-sigma25';



/** The Node CLI's restoration of the example image, decoded to 8-bit samples. */
function cliRestore(steps: number, out: string, model?: string): { data: Uint8Array; width: number; height: number } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'restore', 'examples/noisy.png', '-o', out, '--seed', String(SEED), '--steps', String(steps), '--force', ...(model ? ['--model', model] : [])], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, `irsde restore failed: ${r.stderr}`);
  return pngBytes(readFileSync(out));
}

function pngBytes(bytes: Uint8Array): { data: Uint8Array; width: number; height: number } {
  const d = decodePng(bytes);
  return { data: Uint8Array.from(d.image.data, (v) => Math.round(v * 255)), width: d.image.width, height: d.image.height };
}

function maxDiff(a: Uint8Array, b: Uint8Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

let tmp = '', site = '', server: Server | null = null;

before(async () => {
  if (skip) return;
  tmp = mkdtempSync(join(tmpdir(), 'irsde-web-'));
  mkdirSync(artifacts, { recursive: true });
  const { build } = await import('vite');
  site = join(tmp, 'site');
  await build({ configFile: join(root, 'web/vite.config.ts'), logLevel: 'error', build: { outDir: site, emptyOutDir: true } });
  const s = await serve(site);
  server = s.server;
  site = s.url;
});

after(() => {
  server?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

type Page = import('playwright-core').Page;

async function withPage(flags: string[], query: string, fn: (page: Page) => Promise<void>): Promise<void> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    // No network beyond localhost here: keep Chromium from trying to reach its services.
    args: ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...flags],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 1000 } });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${site}?${query}`);
    await fn(page);
    assert.deepEqual(problems, [], 'no uncaught errors in the page');
  } finally {
    await browser.close();
  }
}

async function restoreExample(page: Page): Promise<{ png: Uint8Array; device: string; deviceDetail: string; seconds: number; steps: number }> {
  await page.click('#example');
  await page.waitForSelector('#restore:not([disabled])');
  await page.click('#restore');
  await page.waitForFunction(() => ['done', 'error'].includes(document.querySelector<HTMLElement>('#status')!.dataset.state!), null, { timeout: 15 * 60_000 });
  const state = await page.evaluate(() => {
    const d = (window as unknown as { irsdeDemo: { result: { png: Uint8Array } & Record<string, unknown> | null; error: unknown } }).irsdeDemo;
    return { error: d.error, result: d.result ? { ...d.result, png: Array.from(d.result.png) } : null };
  });
  assert.equal(state.error, null, `restoration failed in the page: ${JSON.stringify(state.error)}`);
  const r = state.result as unknown as Record<string, unknown> & { png: number[] };
  return { png: Uint8Array.from(r.png as number[]), device: String(r.device), deviceDetail: String(r.deviceDetail), seconds: Number(r.seconds), steps: Number(r.steps) };
}

test('browser demo: WASM restores the example like the Node CLI (±1/255), cancels, rejects a non-image', { skip, timeout: 20 * 60_000 }, async (t) => {
  const t0 = performance.now();
  const ref = cliRestore(STEPS, join(tmp, 'cli.png'));
  const cliSeconds = (performance.now() - t0) / 1000;
  await withPage(['--disable-gpu'], `device=wasm&seed=${SEED}&steps=${STEPS}`, async (page) => {
    const r = await restoreExample(page);
    await page.screenshot({ path: join(artifacts, 'web-wasm.png'), fullPage: true });
    assert.equal(r.device, 'wasm');
    assert.equal(r.steps, STEPS);
    const got = pngBytes(r.png);
    assert.deepEqual([got.width, got.height], [ref.width, ref.height], 'same size as the CLI output');
    const d = maxDiff(got.data, ref.data);
    t.diagnostic(`WASM (${r.deviceDetail}): ${r.seconds.toFixed(2)} s in the page; Node CLI ${cliSeconds.toFixed(2)} s (process incl. start-up); max |page − CLI| = ${d}/255`);
    assert.ok(d <= 1, `page and CLI differ by ${d}/255 (allowed 1)`);

    // Cancel: stop a second restoration after its first step.
    await page.click('#restore');
    await page.waitForFunction(() => /step [1-9]/.test(document.querySelector('#progress-text')!.textContent ?? ''), null, { timeout: 5 * 60_000 });
    await page.click('#cancel');
    await page.waitForFunction(() => document.querySelector<HTMLElement>('#status')!.dataset.state !== 'running', null, { timeout: 5 * 60_000 });
    assert.equal(await page.getAttribute('#status', 'data-state'), 'cancelled', 'cancel stops the restoration');
    assert.equal(await page.isEnabled('#restore'), true, 'restore is enabled again after cancelling');

    // Another image chosen while one restores: the running job ends, and the next result carries its own name.
    await page.click('#restore');
    await page.waitForFunction(() => /step [1-9]/.test(document.querySelector('#progress-text')!.textContent ?? ''), null, { timeout: 5 * 60_000 });
    const small = readFileSync(join(root, 'examples', 'noisy.png'));
    await page.setInputFiles('#file', { name: 'second.png', mimeType: 'image/png', buffer: small });
    // (the page reads the file asynchronously: wait for it, then check that the old job is gone)
    await page.waitForFunction(() => document.querySelector('#filename')!.textContent?.startsWith('second.png'), null, { timeout: 60_000 });
    assert.equal(await page.getAttribute('#status', 'data-state'), 'idle', 'choosing a new image ends the running restoration');
    assert.equal(await page.isEnabled('#restore'), true);
    await page.click('#restore');
    await page.waitForFunction(() => ['done', 'error'].includes(document.querySelector<HTMLElement>('#status')!.dataset.state!), null, { timeout: 5 * 60_000 });
    assert.equal(await page.evaluate(() => (window as unknown as { irsdeDemo: { result: { name: string } | null } }).irsdeDemo.result?.name), 'second.png');
    assert.equal(await page.getAttribute('#download', 'download'), 'second.restored.png');

    // Not an image: one clear line, no crash.
    // (reported as soon as it is chosen: the preview fails to decode, and Restore stays disabled)
    await page.setInputFiles('#file', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello, not an image') });
    await page.waitForFunction(() => document.querySelector<HTMLElement>('#status')!.dataset.state === 'error', null, { timeout: 60_000 });
    const msg = await page.textContent('#status');
    assert.match(msg ?? '', /notes\.txt: not an image/, `error line names the file: ${msg}`);
    assert.equal(await page.isEnabled('#restore'), false, 'nothing to restore');
    await page.click('#example');
    await page.waitForSelector('#restore:not([disabled])');
    assert.equal(await page.getAttribute('#status', 'data-state'), 'idle', 'a good image makes the page usable again');
  });
});

test('browser demo: WebGPU restores the example like the Node CLI (±1/255)', { skip, timeout: 30 * 60_000 }, async (t) => {
  const ref = cliRestore(GPU_STEPS, join(tmp, 'cli-gpu.png'), GPU_MODEL);
  await withPage(['--enable-unsafe-webgpu'], `device=webgpu&seed=${SEED}&steps=${GPU_STEPS}&model=${GPU_MODEL}`, async (page) => {
    const hasAdapter = await page.evaluate(async () => !!(await (navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu?.requestAdapter()));
    if (!hasAdapter) { t.skip('this Chromium exposes no WebGPU adapter even with --enable-unsafe-webgpu'); return; }
    const r = await restoreExample(page);
    await page.screenshot({ path: join(artifacts, 'web-webgpu.png'), fullPage: true });
    assert.equal(r.device, 'webgpu', `ran on ${r.deviceDetail}`);
    const got = pngBytes(r.png);
    const d = maxDiff(got.data, ref.data);
    t.diagnostic(`WebGPU (${r.deviceDetail}): ${GPU_MODEL}, ${r.seconds.toFixed(2)} s in the page for ${GPU_STEPS} steps; max |page − CLI| = ${d}/255`);
    assert.ok(d <= 1, `page and CLI differ by ${d}/255 (allowed 1)`);
  });
});
