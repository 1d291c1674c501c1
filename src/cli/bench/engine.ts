/**
 * `irsde bench engine`: forward and training-step times of the engine on the workloads of ENGINE.md,
 * optionally against PyTorch on the same machine (tools/torch_bench.py), plus the optimiser update over
 * 10 M parameters and the peak memory of a width-64 NAFNet block training step (measured in a child
 * process so the number is that step's alone). Prints measured numbers; asserts nothing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { Graph, type Tensor } from '../../graph/tensor.js';
import * as G from '../../graph/ops.js';
import { Scope, initParams } from '../../nn/scope.js';
import { conv } from '../../nn/layers.js';
import { nafBlock } from '../../nn/blocks.js';
import { createRng } from '../../runtime/rng.js';
import { AdamW } from '../../runtime/optim.js';
import { Program } from '../../runtime/program.js';
import { TrainingProgram } from '../../runtime/training.js';
import { getBackend, type HostTensor } from '../../runtime/backend.js';
import { benchOptim } from './optim.js';
import { nchwcBlockSize } from '../../runtime/nchwc.js';

/** How this machine runs training convolutions (runtime/nchwc.ts), for the bench headers. */
export function blockedConvsLine(block: number): string {
  if (block) return `onnxruntime's blocked-channel kernels, ${block} channels per block (IRSDE_NCHWC=0 turns them off)`;
  return typeof process !== 'undefined' && process.env?.IRSDE_NCHWC === '0' ? 'plain NCHW kernels (IRSDE_NCHWC=0)' : 'plain NCHW kernels (no blocked kernels on this CPU)';
}

export interface CaseSpec { name: string; label: string; batch: number; c: number; size: number; kind: 'conv2' | 'naf' }

export const engineCases: CaseSpec[] = [
  { name: 'conv2', label: '2× conv3×3, 64 ch, 4×64×64', batch: 4, c: 64, size: 64, kind: 'conv2' },
  { name: 'naf32', label: 'NAFNet block w32, 4×128×128', batch: 4, c: 32, size: 128, kind: 'naf' },
  { name: 'naf64', label: 'NAFNet block w64, 4×128×128', batch: 4, c: 64, size: 128, kind: 'naf' },
];
export const engineCaseNames: readonly string[] = engineCases.map((c) => c.name);

/** Forward FLOPs (multiply-adds × 2) of the convs and matmuls; element-wise ops are not counted. */
function forwardFlops(c: CaseSpec): number {
  const px = c.batch * c.size * c.size;
  if (c.kind === 'conv2') return 2 * (2 * px * c.c * c.c * 9);
  // conv1 c→2c, dw 3×3 on 2c, sca (tiny), conv3 c→c, conv4 c→2c, conv5 c→c
  return 2 * px * (c.c * 2 * c.c + 2 * c.c * 9 + c.c * c.c + c.c * 2 * c.c + c.c * c.c);
}

function build(c: CaseSpec, batch = c.batch): { g: Graph; s: Scope; out: Tensor; inputs: Record<string, number[]> } {
  const g = new Graph();
  const s = new Scope(g);
  const x = g.input('x', [batch, c.c, c.size, c.size]);
  if (c.kind === 'conv2') {
    const out = conv(s.sub('conv2'), G.relu(conv(s.sub('conv1'), x, c.c, c.c, { k: 3 })), c.c, c.c, { k: 3 });
    return { g, s, out, inputs: { x: [batch, c.c, c.size, c.size] } };
  }
  const tt = g.input('tt', [batch, 4 * c.c]);
  const out = nafBlock(s, x, tt, c.c, 4 * c.c);
  return { g, s, out, inputs: { x: [batch, c.c, c.size, c.size], tt: [batch, 4 * c.c] } };
}

/**
 * Fastest of `repeats` runs after warm-up. On a shared 2-core machine other processes only ever add time,
 * so the minimum is the most repeatable estimate of the idle-machine cost (both engines are measured alike).
 */
async function timeIt(fn: () => Promise<unknown>, warmup: number, repeats: number): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  let best = Infinity;
  for (let i = 0; i < repeats; i++) { const t0 = performance.now(); await fn(); best = Math.min(best, performance.now() - t0); }
  return best;
}

function feedsFor(inputs: Record<string, number[]>, seed: number): Record<string, HostTensor> {
  const rng = createRng(seed);
  const f: Record<string, HostTensor> = {};
  for (const [k, dims] of Object.entries(inputs)) {
    const a = new Float32Array(dims.reduce((p, d) => p * d, 1));
    rng.fillNormal(a, 0, 0.5);
    f[k] = { data: a, dims, dtype: 'float32' };
  }
  return f;
}

export interface CaseResult {
  label: string; forward_ms: number; train_ms: number; fwdbwd_ms: number; optim_ms: number;
  forward_gflops: number; train_gflops: number; params: number;
  torch?: { forward_ms: number; train_ms: number }; ratio?: { forward: number; train: number };
}

async function runCase(c: CaseSpec, repeats: number): Promise<CaseResult> {
  const backend = await getBackend('node');
  const rng = createRng(`bench-${c.name}`);
  // Inference: weights baked in as initialisers (ORT pre-packs them).
  const inf = build(c);
  const infParams = initParams(inf.s.specs, rng.fork('init'));
  for (const p of infParams) if (/beta|gamma/.test(p.name)) p.data.fill(0.1); // non-zero residual scales, as in training
  const fwd = await Program.compile(backend, inf.g, { y: inf.out }, { bake: new Map([...infParams].map((p) => [p.name, p.data])) });
  const feeds = feedsFor(inf.inputs, 1);
  const forward_ms = await timeIt(() => fwd.run(feeds), 2, repeats);
  await fwd.release();

  // Training: loss = mean |out − target|, all gradients, AdamW step.
  const tr = build(c);
  const target = tr.g.input('target', tr.inputs.x!);
  const loss = G.mean(G.abs(G.sub(tr.out, target)));
  const params = initParams(tr.s.specs, rng.fork('init'));
  for (const p of params) if (/beta|gamma/.test(p.name)) p.data.fill(0.1);
  const step = await TrainingProgram.create(backend, tr.g, loss, params);
  const opt = new AdamW(params, { lr: 1e-4, weightDecay: 1e-2 });
  const tfeeds = { ...feedsFor(tr.inputs, 2), target: feedsFor({ t: tr.inputs.x! }, 3).t! };
  let lastGrads: Map<string, Float32Array> | null = null;
  const fwdbwd_ms = await timeIt(async () => { lastGrads = (await step.run(tfeeds)).grads; }, 2, repeats);
  const optim_ms = await timeIt(async () => opt.step(lastGrads!), 1, repeats);
  const train_ms = await timeIt(async () => { const r = await step.run(tfeeds); opt.step(r.grads); }, 1, repeats);
  await step.release();
  const flops = forwardFlops(c);
  return {
    label: c.label, forward_ms, train_ms, fwdbwd_ms, optim_ms,
    forward_gflops: flops / forward_ms / 1e6, train_gflops: (3 * flops) / train_ms / 1e6,
    params: [...params].reduce((n, p) => n + p.data.length, 0),
  };
}

/** Child-process entry: one width-64 NAFNet block training step at batch 8×128², report peak RSS. */
export async function memoryChild(): Promise<void> {
  const c: CaseSpec = { name: 'naf64', label: '', batch: 8, c: 64, size: 128, kind: 'naf' };
  const before = process.memoryUsage().rss;
  const backend = await getBackend('node');
  const tr = build(c, 8);
  const target = tr.g.input('target', tr.inputs.x!);
  const loss = G.mean(G.abs(G.sub(tr.out, target)));
  const params = initParams(tr.s.specs, createRng('mem'));
  const step = await TrainingProgram.create(backend, tr.g, loss, params);
  const opt = new AdamW(params, { lr: 1e-4 });
  const feeds = { ...feedsFor(tr.inputs, 2), target: feedsFor({ t: tr.inputs.x! }, 3).t! };
  for (let i = 0; i < 3; i++) { const r = await step.run(feeds); opt.step(r.grads); }
  const peakKb = process.resourceUsage().maxRSS;
  process.stdout.write(JSON.stringify({ peak_rss_mb: peakKb / 1024, baseline_rss_mb: before / 2 ** 20 }) + '\n');
}

function runMemoryChild(): Promise<{ peak_rss_mb: number; baseline_rss_mb: number } | { error: string }> {
  const bin = fileURLToPath(new URL('../../../bin/irsde.js', import.meta.url));
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [bin, 'bench', 'engine-memory-child'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('close', (code) => {
      try { resolve(JSON.parse(out.trim().split('\n').pop()!)); } catch { resolve({ error: `memory child exited ${code}: ${err.trim().slice(0, 300)}` }); }
    });
  });
}

/** Run tools/torch_bench.py; null with a reason when Python or torch is missing. */
function runTorch(cases: string[], repeats: number): { cases?: Record<string, { forward_ms: number; train_ms: number }>; torch?: string; error?: string } {
  const script = fileURLToPath(new URL('../../../tools/torch_bench.py', import.meta.url));
  if (!existsSync(script)) return { error: 'tools/torch_bench.py is not in this installation' };
  const python = process.env.IRSDE_PYTHON ?? 'python3';
  const r = spawnSync(python, [script, '--cases', cases.join(','), '--repeats', String(repeats), '--threads', '2'], { encoding: 'utf8', timeout: 15 * 60_000 });
  if (r.error) return { error: `cannot run ${python}: ${r.error.message} (set IRSDE_PYTHON to an interpreter with torch, e.g. /usr/bin/python3)` };
  try {
    const j = JSON.parse(r.stdout.trim().split('\n').pop() ?? '');
    if (j.error) return { error: `${j.error} (interpreter ${python}; set IRSDE_PYTHON to one with torch)` };
    return j;
  } catch {
    return { error: `${python} tools/torch_bench.py failed: ${(r.stderr || r.stdout).trim().slice(0, 300)}` };
  }
}

/** Rounds alternating with PyTorch (bench engine, bench sde): as asked, else 2 with --torch and 1 without. */
export function benchRounds(opts: { torch: boolean; rounds?: number }): number {
  return Math.max(1, opts.rounds ?? (opts.torch ? 2 : 1));
}

/** Field by field, the faster of two rounds' figures (the first round's where only one exists). */
export function keepMin<T extends Record<string, number>>(a: T | undefined, b: T): T {
  if (!a) return b;
  const out = { ...a };
  for (const k of Object.keys(b) as (keyof T)[]) if (typeof b[k] === 'number') (out[k] as number) = Math.min(a[k] as number, b[k] as number);
  return out;
}

export interface EngineBenchOptions { json: boolean; torch: boolean; repeats: number; cases?: string[]; memory?: boolean; rounds?: number }

function threadCount(): number {
  return Math.max(1, (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 2);
}

export async function benchEngine(opts: EngineBenchOptions): Promise<number> {
  const say = (s: string): void => { if (!opts.json) process.stdout.write(s + '\n'); };
  const cases = engineCases.filter((c) => !opts.cases || opts.cases.includes(c.name));
  const results: Record<string, CaseResult> = {};
  const rounds = benchRounds(opts);
  say(`irsde bench engine — onnxruntime-node, ${threadCount()} threads; best of ${opts.repeats} runs × ${rounds} round(s)${opts.torch ? ', alternating with PyTorch' : ''}`);
  const nchwcBlock = await nchwcBlockSize(await getBackend('node'));
  say(`  training convolutions: ${blockedConvsLine(nchwcBlock)}`);
  let torchInfo: ReturnType<typeof runTorch> | undefined;
  for (let round = 0; round < rounds; round++) {
    for (const c of cases) {
      const r = await runCase(c, opts.repeats);
      const prev = results[c.name];
      results[c.name] = prev ? { ...keepMin(prev as unknown as Record<string, number>, r as unknown as Record<string, number>), label: r.label } as unknown as CaseResult : r;
    }
    if (opts.torch) {
      const t = runTorch(cases.map((c) => c.name), opts.repeats);
      if (t.error) { torchInfo = t; break; }
      torchInfo = { ...t, cases: Object.fromEntries(Object.entries(t.cases ?? {}).map(([k, v]) => [k, keepMin(torchInfo?.cases?.[k], v)])) };
    }
  }
  for (const c of cases) {
    const r = results[c.name]!;
    const flops = forwardFlops(c);
    r.forward_gflops = flops / r.forward_ms / 1e6;
    r.train_gflops = (3 * flops) / r.train_ms / 1e6;
    say(`  ${r.label.padEnd(30)} forward ${r.forward_ms.toFixed(1).padStart(7)} ms (${r.forward_gflops.toFixed(0)} GFLOP/s)   train step ${r.train_ms.toFixed(1).padStart(7)} ms (${r.train_gflops.toFixed(0)} GFLOP/s; fwd+bwd ${r.fwdbwd_ms.toFixed(1)}, AdamW ${r.optim_ms.toFixed(2)})`);
  }
  if (opts.torch && torchInfo) {
    if (torchInfo.error) say(`  PyTorch skipped: ${torchInfo.error}`);
    else {
      for (const c of cases) {
        const t = torchInfo.cases?.[c.name];
        if (!t) continue;
        const r = results[c.name]!;
        r.torch = t;
        r.ratio = { forward: r.forward_ms / t.forward_ms, train: r.train_ms / t.train_ms };
        say(`  ${r.label.padEnd(30)} PyTorch ${torchInfo.torch}: forward ${t.forward_ms.toFixed(1)} ms, train ${t.train_ms.toFixed(1)} ms → ratio ours/torch forward ${r.ratio.forward.toFixed(2)}, train ${r.ratio.train.toFixed(2)}`);
      }
    }
  }
  const optim = await benchOptim({ json: true, params: 10_000_000 });
  say(`  optimiser update, 10 M parameters: AdamW ${optim.adamw_ms.toFixed(1)} ms, Lion ${optim.lion_ms.toFixed(1)} ms, SGD ${optim.sgd_ms.toFixed(1)} ms`);
  let memory: Awaited<ReturnType<typeof runMemoryChild>> | undefined;
  if (opts.memory !== false) {
    memory = await runMemoryChild();
    if ('error' in memory) say(`  memory: ${memory.error}`);
    else say(`  peak RSS, NAFNet block w64 training step at 8×128×128 (own process): ${memory.peak_rss_mb.toFixed(0)} MB (process baseline ${memory.baseline_rss_mb.toFixed(0)} MB)`);
  }
  if (opts.json) {
    process.stdout.write(JSON.stringify({ type: 'result', stage: 'bench-engine', nchwc_block: nchwcBlock, cases: results, optimizer_10M: optim, memory, torch: torchInfo ? { version: torchInfo.torch, error: torchInfo.error } : undefined, statistic: 'min' }) + '\n');
  }
  return 0;
}
