import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { openDataset } from '../../src/metrics/datasets.js';
import { evaluateTask, formatMarkdown, type Restorer } from '../../src/metrics/evaluate.js';
import { matlabImresize } from '../../src/degrade/resize.js';
import { filter2D } from '../../src/degrade/filter.js';
import { gaussianKernel } from '../../src/degrade/kernels.js';

const SHARED = '../shared/data';

test('task harness: seeded degradation of a clean set, baselines and a pluggable restorer', { skip: !existsSync(SHARED) }, async () => {
  const dataset = await openDataset('FFHQ256', { dataRoot: SHARED });
  // a toy restorer: a light blur reduces noise, so it must beat the noisy input
  const restorer: Restorer = async (lq, info) => { assert.equal(info.task, 'denoise'); return filter2D(lq, gaussianKernel(5, 0.8)); };
  const r1 = await evaluateTask({ task: 'denoise', dataset, restorer, modelName: 'blur', seed: 1, sigma: 25, limit: 2 });
  const r2 = await evaluateTask({ task: 'denoise', dataset, seed: 1, sigma: 25, limit: 2 });
  assert.equal(r1.rows.length, 4);
  const inp = r1.means.find((m) => m.method === 'input')!, mod = r1.means.find((m) => m.method === 'blur')!;
  assert.ok(mod.psnr > inp.psnr, `restorer ${mod.psnr} vs input ${inp.psnr}`);
  assert.ok(inp.psnr > 19 && inp.psnr < 22, `sigma 25 input PSNR ${inp.psnr}`);
  assert.equal(r2.means[0]!.psnr, inp.psnr); // same seed -> same degradation
  const r3 = await evaluateTask({ task: 'denoise', dataset, seed: 2, sigma: 25, limit: 2 });
  assert.notEqual(r3.means[0]!.psnr, inp.psnr);
  assert.ok((r1.degradations['00003'] as { sigma255: number }).sigma255 === 25);
  const md = formatMarkdown(r1);
  assert.match(md, /\| 00003 \| input \| \d+\.\d\d \| 0\.\d{4} \|/);
  assert.match(md, /\| \*\*mean\*\* \| blur \|/);
});

test('SR on a paired set: bicubic baseline, crop = scale, restorer gets the scale', { skip: !existsSync(SHARED) }, async () => {
  const dataset = await openDataset('Set5', { dataRoot: SHARED, scale: 4 });
  let scaleSeen = 0;
  const restorer: Restorer = async (lq, info) => { scaleSeen = info.scale!; return matlabImresize(lq, 4); };
  const r = await evaluateTask({ task: 'sr', dataset, restorer, limit: 2 });
  assert.equal(scaleSeen, 4); assert.equal(r.crop, 4);
  const bic = r.rows.filter((x) => x.method === 'bicubic'), mod = r.rows.filter((x) => x.method === 'model');
  assert.equal(bic.length, 2);
  assert.deepEqual(bic.map((x) => x.psnrY), mod.map((x) => x.psnrY));
  // wrong-size output is reported as a problem, the rest still scores
  const bad: Restorer = async (lq) => lq;
  const r2 = await evaluateTask({ task: 'sr', dataset, restorer: bad, limit: 1 });
  assert.equal(r2.rows.length, 1);
  assert.match(r2.problems[0]!.why, /model output is \d+x\d+, ground truth is/);
});
