/**
 * `irsde bench optim`: one optimiser update over ~10 M float32 parameters (AdamW, Lion, SGD with momentum),
 * median of repeated timed runs after warm-up. Target (ENGINE.md): AdamW under 50 ms for 10 M parameters.
 */
import { AdamW, Lion, SGD } from '../../runtime/optim.js';
import type { Optimizer } from '../../runtime/optim.js';
import { Rng } from '../../runtime/rng.js';

export interface OptimBenchResult {
  adamw_ms: number;
  lion_ms: number;
  sgd_ms: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** A realistic layout: many tensors of mixed sizes (large conv weights plus small biases/norms). */
function makeTensors(total: number, rng: Rng): { params: Map<string, Float32Array>; grads: Map<string, Float32Array> } {
  const params = new Map<string, Float32Array>();
  const grads = new Map<string, Float32Array>();
  const sizes = [589_824, 147_456, 36_864, 4_096, 256, 64, 64];
  let left = total;
  for (let i = 0; left > 0; i++) {
    const n = Math.min(left, sizes[i % sizes.length]!);
    params.set(`p${i}`, rng.fillNormal(new Float32Array(n), 0, 0.02));
    grads.set(`p${i}`, rng.fillNormal(new Float32Array(n), 0, 1e-3));
    left -= n;
  }
  return { params, grads };
}

function timeOne(opt: Optimizer, grads: Map<string, Float32Array>, warmup: number, runs: number): number {
  for (let i = 0; i < warmup; i++) opt.step(grads);
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    opt.step(grads);
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

export async function benchOptim(opts: { json: boolean; params?: number; runs?: number }): Promise<OptimBenchResult> {
  const total = opts.params ?? 10_000_000;
  const runs = Math.max(5, opts.runs ?? 7);
  const { params, grads } = makeTensors(total, new Rng('bench-optim'));
  const out: OptimBenchResult = { adamw_ms: 0, lion_ms: 0, sgd_ms: 0 };
  const cases: [keyof OptimBenchResult, string, () => Optimizer][] = [
    ['adamw_ms', 'AdamW', () => new AdamW(params, { lr: 1e-4, weightDecay: 0.01 })],
    ['lion_ms', 'Lion', () => new Lion(params, { lr: 1e-5, weightDecay: 0.01 })],
    ['sgd_ms', 'SGD (momentum 0.9)', () => new SGD(params, { lr: 1e-3, momentum: 0.9 })],
  ];
  for (const [key, label, make] of cases) {
    let opt: Optimizer | null = make();
    out[key] = Math.round(timeOne(opt, grads, 2, runs) * 100) / 100;
    opt = null; // let its moments go before the next optimiser allocates
    if (!opts.json) {
      process.stdout.write(`${label.padEnd(20)} ${out[key].toFixed(1).padStart(7)} ms / update over ${(total / 1e6).toFixed(1)} M params (median of ${runs})\n`);
    }
  }
  return out;
}
