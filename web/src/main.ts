/**
 * The page: pick or drop an image, choose a model/device/steps/seed, restore in a Web Worker, compare with a
 * before/after slider, download. All state changes go through the worker's events (protocol.ts).
 */
import exampleUrl from '../../examples/noisy.png?url';
import { DEFAULT_MODEL, MODELS } from './models.js';
import type { DeviceChoice, RestoreRequest, RestoreResultFields, WorkerEvent } from './protocol.js';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const fileInput = $<HTMLInputElement>('file'), drop = $<HTMLLabelElement>('drop'), filenameEl = $('filename');
const modelSel = $<HTMLSelectElement>('model'), deviceSel = $<HTMLSelectElement>('device');
const stepsIn = $<HTMLInputElement>('steps'), seedIn = $<HTMLInputElement>('seed');
const restoreBtn = $<HTMLButtonElement>('restore'), cancelBtn = $<HTMLButtonElement>('cancel'), download = $<HTMLAnchorElement>('download');
const progress = $<HTMLProgressElement>('progress'), progressText = $('progress-text'), statusEl = $('status'), modelInfo = $('model-info');
const compare = $('compare'), before = $<HTMLImageElement>('before'), after = $<HTMLImageElement>('after');
const slider = $<HTMLInputElement>('slider'), divider = $('divider');

/** What the last restoration produced (also read by the end-to-end test). */
interface DemoState { result: (RestoreResultFields & { name: string }) | null; error: { code: string; message: string; hint?: string } | null }
const demo: DemoState = { result: null, error: null };
(window as unknown as { irsdeDemo: DemoState }).irsdeDemo = demo;

let input: { bytes: Uint8Array; name: string } | null = null;
let beforeUrl: string | null = null, afterUrl: string | null = null;
let jobId = 0, running = 0;
/** The input file name of the running job (the result is named after it, whatever is chosen meanwhile). */
let runningName = '';
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

let worker = startWorker();

function startWorker(): Worker {
  const w = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  w.onmessage = onWorkerEvent;
  w.onerror = (ev) => {
    demo.error = { code: 'worker', message: ev.message };
    setStatus('error', `The restoration worker failed: ${ev.message}`);
    finish();
  };
  return w;
}

// ---- controls
for (const m of MODELS) {
  const o = document.createElement('option');
  o.value = m.name;
  o.textContent = `${m.name} — ${m.task}`;
  modelSel.append(o);
}
const params = new URLSearchParams(location.search);
modelSel.value = params.get('model') ?? DEFAULT_MODEL;
if (!modelSel.value && MODELS[0]) modelSel.value = MODELS[0].name;
const dev = params.get('device');
if (dev === 'wasm' || dev === 'webgpu' || dev === 'auto') deviceSel.value = dev;
if (params.get('seed')) seedIn.value = params.get('seed')!;

function showModel(): void {
  const m = MODELS.find((x) => x.name === modelSel.value);
  if (!m) return;
  stepsIn.value = String(m.config.sampler.steps);
  stepsIn.max = String(m.config.sde.T);
  modelInfo.textContent = `${m.description} Default: ${m.config.sampler.mode} sampling, ${plural(m.config.sampler.steps, 'step')}.`;
}
modelSel.addEventListener('change', showModel);
showModel();
if (params.get('steps')) stepsIn.value = params.get('steps')!;

/** The Download link is a real link only while it holds the shown image's result (mouse and keyboard alike). */
function setDownload(url: string | null, name = ''): void {
  if (url) {
    download.href = url;
    download.download = name;
    download.classList.remove('disabled');
    download.removeAttribute('aria-disabled');
    download.removeAttribute('tabindex');
  } else {
    download.removeAttribute('href');
    download.classList.add('disabled');
    download.setAttribute('aria-disabled', 'true');
    download.tabIndex = -1;
  }
}

let warnings: string[] = [];

function setStatus(state: 'idle' | 'running' | 'done' | 'error' | 'cancelled', text: string): void {
  statusEl.dataset.state = state;
  statusEl.textContent = text;
}

function setInput(bytes: Uint8Array, name: string): void {
  // A new image ends the restoration of the old one: its result would otherwise arrive under the new name.
  if (running) stopWorker();
  input = { bytes, name };
  filenameEl.textContent = `${name} (${(bytes.length / 1024).toFixed(0)} KB)`;
  if (beforeUrl) URL.revokeObjectURL(beforeUrl);
  beforeUrl = URL.createObjectURL(new Blob([bytes as BlobPart]));
  // The preview is the first decode: a file the browser cannot show is reported now, not after pressing Restore.
  before.onerror = () => {
    if (input?.name !== name || running) return;
    setStatus('error', bytes.length === 0 ? `${name}: empty file (0 bytes)` : `${name}: not an image this browser can decode — use a PNG or JPEG file`);
    restoreBtn.disabled = true;
  };
  before.src = beforeUrl;
  after.removeAttribute('src');
  compare.hidden = false;
  restoreBtn.disabled = running !== 0;
  setDownload(null);
  progress.value = 0;
  setStatus('idle', 'Ready: press Restore.');
}

async function readFile(f: File): Promise<void> { setInput(new Uint8Array(await f.arrayBuffer()), f.name); }

fileInput.addEventListener('change', () => { const f = fileInput.files?.[0]; if (f) void readFile(f); });
drop.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); fileInput.click(); }
});
drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const f = e.dataTransfer?.files[0];
  if (f) void readFile(f);
});
$('example').addEventListener('click', async () => {
  const res = await fetch(exampleUrl);
  setInput(new Uint8Array(await res.arrayBuffer()), 'noisy.png');
});

function setSlider(): void {
  const v = Number(slider.value);
  after.style.clipPath = `inset(0 0 0 ${v}%)`;
  divider.style.left = `${v}%`;
}
slider.addEventListener('input', setSlider);
setSlider();

// ---- restoration
restoreBtn.addEventListener('click', () => {
  if (!input) return;
  const steps = Number(stepsIn.value), seed = Number(seedIn.value);
  // The CLI's --seed range, so that a result of the page can be reproduced with `irsde restore --seed`.
  if (seedIn.value.trim() === '' || !Number.isSafeInteger(seed) || seed < 0) {
    const message = `Seed must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER}, got "${seedIn.value}".`;
    demo.error = { code: 'bad-option', message };
    setStatus('error', message);
    return;
  }
  warnings = [];
  const id = ++jobId;
  running = id;
  runningName = input.name;
  demo.result = null;
  demo.error = null;
  restoreBtn.disabled = true;
  cancelBtn.disabled = false;
  progress.value = 0;
  progressText.textContent = '';
  setStatus('running', 'Restoring…');
  cancelBtn.focus(); // the focused Restore button is now disabled
  const req: RestoreRequest = {
    type: 'restore', id, bytes: input.bytes.slice(), name: input.name, model: modelSel.value,
    device: deviceSel.value as DeviceChoice, steps: Number.isFinite(steps) && stepsIn.value !== '' ? steps : undefined, seed,
  };
  worker.postMessage(req, [req.bytes.buffer]);
});

// Cancel: ONNX Runtime Web computes a network step without yielding to the worker's event loop, so a cancel
// message would only be seen between steps; ending the worker stops at once (the next run recompiles, ~2 s).
cancelBtn.addEventListener('click', () => {
  if (!running) return;
  stopWorker();
  setStatus('cancelled', 'Cancelled.');
});

function stopWorker(): void {
  worker.terminate();
  worker = startWorker();
  demo.error = { code: 'aborted', message: 'restoration was cancelled' };
  progressText.textContent = '';
  progress.value = 0;
  finish();
}

function finish(): void {
  running = 0;
  restoreBtn.disabled = !input;
  const hadFocus = document.activeElement === cancelBtn;
  cancelBtn.disabled = true;
  if (hadFocus) restoreBtn.focus(); // keyboard users keep a place on the page
}

function onWorkerEvent(ev: MessageEvent<WorkerEvent>): void {
  const e = ev.data;
  if (e.id !== running) return;
  switch (e.type) {
    case 'progress': {
      if (e.stage === 'restore' && e.tiles && e.steps) {
        const done = ((e.tile! - 1) * e.steps + e.step!) / (e.tiles * e.steps);
        progress.value = done;
        progressText.textContent = `tile ${e.tile}/${e.tiles} · step ${e.step}/${e.steps} · ${String(e.device)}`;
      } else if (e.message) progressText.textContent = e.message;
      break;
    }
    case 'warning':
      warnings.push(e.message);
      progressText.textContent = e.message;
      break;
    case 'result': {
      const r = e as unknown as RestoreResultFields;
      progress.value = 1;
      progressText.textContent = '';
      demo.result = { ...r, name: runningName };
      if (afterUrl) URL.revokeObjectURL(afterUrl);
      afterUrl = URL.createObjectURL(new Blob([r.png as BlobPart], { type: 'image/png' }));
      after.src = afterUrl;
      const stem = runningName.replace(/\.[^.]+$/, '');
      setDownload(afterUrl, `${stem}.restored.png`);
      // The Denoising-SDE's ODE (results with a noise level) starts from the image itself: no random draw, so the
      // seed plays no part (IR-SDE's ODE starts from μ + noise and uses it); and with
      // (almost) no noise detected it starts at step 0, i.e. returns the image as it is.
      const seedNote = r.sampler === 'ode' && r.noiseLevel !== undefined ? 'deterministic, seed unused' : `seed ${r.seed}`;
      const noneNote = warnings.length ? ` Note: ${warnings.join(' ')}` : r.steps === 0 ? ' No noise was detected, so the image is returned as it was.' : '';
      setStatus('done', `Restored ${r.width}×${r.height} with ${r.model} (${r.sampler}, ${plural(r.steps, 'step')}, ${plural(r.tiles, 'tile')}, ${seedNote}${r.noiseLevel !== undefined ? `, noise σ ${r.noiseLevel.toFixed(1)}${r.noiseEstimated ? ' estimated' : ''}` : ''}) on ${r.deviceDetail} in ${r.seconds.toFixed(2)} s (model compile ${r.compileSeconds.toFixed(2)} s).${noneNote}`);
      finish();
      break;
    }
    case 'error': {
      progressText.textContent = '';
      demo.error = { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
      if (e.code === 'aborted') setStatus('cancelled', 'Cancelled.');
      else setStatus('error', `${e.message}${e.hint ? ` — ${e.hint}` : ''}`);
      finish();
      break;
    }
  }
}
