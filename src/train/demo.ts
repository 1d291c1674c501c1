/**
 * The engine demo: a small conv net learns a fixed image-to-image mapping (a frozen random "teacher" net)
 * with the whole stack — graph → autodiff → ONNX → ONNX Runtime → AdamW in TypeScript. Used by
 * `irsde demo` and by the end-to-end training test.
 */
import { Graph } from '../graph/tensor.js';
import * as G from '../graph/ops.js';
import { Scope, initParams } from '../nn/scope.js';
import { conv } from '../nn/layers.js';
import { createRng } from '../runtime/rng.js';
import { AdamW } from '../runtime/optim.js';
import { cosineLR } from '../runtime/schedule.js';
import { TrainingProgram } from '../runtime/training.js';
import { Program } from '../runtime/program.js';
import { getBackend, type BackendName } from '../runtime/backend.js';
import type { EventSink } from '../common/events.js';

export interface DemoOptions { steps?: number; batch?: number; size?: number; width?: number; seed?: number; lr?: number; backend?: BackendName; onEvent?: EventSink }
export interface DemoResult { losses: number[]; firstLoss: number; finalLoss: number; params: number; msPerStep: number }

function net(s: Scope, x: ReturnType<Graph['input']>, width: number): ReturnType<Graph['input']> {
  let h = G.silu(conv(s.sub('conv1'), x, 3, width, { k: 3 }));
  h = G.silu(conv(s.sub('conv2'), h, width, width, { k: 3 }));
  return G.add(x, conv(s.sub('conv3'), h, width, 3, { k: 3 }));
}

export async function runEngineDemo(opts: DemoOptions = {}): Promise<DemoResult> {
  const { steps = 300, batch = 4, size = 32, width = 16, seed = 0, lr = 3e-3 } = opts;
  const rng = createRng(seed);
  const backend = await getBackend(opts.backend ?? 'node');

  // The teacher: a fixed random net whose output the student must reproduce.
  const tg = new Graph();
  const ts = new Scope(tg);
  const tx = tg.input('x', [batch, 3, size, size]);
  const teacherOut = net(ts, tx, 8);
  const teacherParams = initParams(ts.specs, rng.fork('teacher'));
  const teacher = await Program.compile(backend, tg, { y: teacherOut }, { bake: new Map([...teacherParams].map((p) => [p.name, p.data])) });

  // The student and its training graph: loss = mean |student(x) − teacher(x)|.
  const g = new Graph();
  const s = new Scope(g);
  const x = g.input('x', [batch, 3, size, size]);
  const target = g.input('target', [batch, 3, size, size]);
  const loss = G.mean(G.abs(G.sub(net(s, x, width), target)));
  const params = initParams(s.specs, rng.fork('student'));
  const step = await TrainingProgram.create(backend, g, loss, params);
  const optim = new AdamW(params, { lr });
  const schedule = cosineLR({ baseLr: lr, totalSteps: steps, warmupSteps: Math.min(20, steps >> 3), minLr: lr * 0.01 });

  const dataRng = rng.fork('data');
  const xs = new Float32Array(batch * 3 * size * size);
  const losses: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) {
    dataRng.fillNormal(xs, 0, 0.5);
    const feedX = { data: xs, dims: [batch, 3, size, size], dtype: 'float32' as const };
    const y = (await teacher.run({ x: feedX })).y!;
    const r = await step.run({ x: feedX, target: y });
    optim.step(r.grads, schedule(i));
    losses.push(r.loss);
    opts.onEvent?.({ type: 'progress', stage: 'train', step: i + 1, steps, loss: r.loss });
  }
  const msPerStep = (performance.now() - t0) / steps;
  await step.release();
  await teacher.release();
  const head = losses.slice(0, 5), tail = losses.slice(-10);
  return {
    losses,
    firstLoss: head.reduce((a, b) => a + b, 0) / head.length,
    finalLoss: tail.reduce((a, b) => a + b, 0) / tail.length,
    params: [...params].reduce((n, p) => n + p.data.length, 0),
    msPerStep,
  };
}
