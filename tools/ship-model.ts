/**
 * Install a trained run as a shipped model: `node --import tsx tools/ship-model.ts <run dir> <models/name>
 * [--name N] [--steps K] [--default] [--f16] [--from-checkpoint]`.
 * Copies the run's config.json (the trainer's model card) with the given name/steps/default flag, the EMA
 * weights (converted to float16 with --f16: half the size, outputs within 0.05/255 for the shipped
 * denoiser), the training config and log. MODEL_CARD.md and the measured "metrics" are written by hand
 * from `irsde eval` output. --from-checkpoint takes the latest checkpoint's EMA weights (a run in progress).
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../src/common/atomic.js';
import { modelCard } from '../src/train/trainer.js';
import { loadConfigFile } from '../src/train/config.js';
import { decodeSafetensors, encodeSafetensors, type SafeTensorInput } from '../src/runtime/safetensors.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { name: { type: 'string' }, steps: { type: 'string' }, default: { type: 'boolean' }, f16: { type: 'boolean' }, 'from-checkpoint': { type: 'boolean' } },
});
const [run, dest] = positionals;
if (!run || !dest) throw new Error('usage: ship-model.ts <run dir> <models/name> [--name N] [--steps K] [--default] [--f16] [--from-checkpoint]');
mkdirSync(dest, { recursive: true });

let weightsPath = join(run, 'model.safetensors');
let config: Record<string, unknown>;
if (values['from-checkpoint'] || !existsSync(join(run, 'config.json'))) {
  const latest = JSON.parse(readFileSync(join(run, 'ckpt', 'latest.json'), 'utf8')) as { step: number; files: { ema: string } };
  weightsPath = join(run, 'ckpt', latest.files.ema);
  // the trainer's own model card, for the checkpoint's step (no final loss or validation yet)
  config = modelCard(loadConfigFile(join(run, 'train-config.json')), latest.step, null, null);
  (config.training as Record<string, unknown>).checkpoint = true;
} else {
  config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')) as Record<string, unknown>;
}
if (values.name) config.name = values.name;
if (values.steps) (config.sampler as { steps: number }).steps = Number(values.steps);
if (values.default) config.default = true;

const decoded = decodeSafetensors(new Uint8Array(readFileSync(weightsPath)), { toFloat32: true });
const tensors: Record<string, SafeTensorInput> = {};
for (const [k, t] of Object.entries(decoded.tensors)) tensors[k] = { dtype: values.f16 ? 'F16' : 'F32', shape: t.shape, data: t.data };
await writeFileAtomic(join(dest, 'model.safetensors'), encodeSafetensors(tensors, decoded.metadata));
await writeFileAtomic(join(dest, 'config.json'), JSON.stringify(config, null, 1) + '\n');
for (const f of ['train-config.json', 'log.jsonl']) {
  if (existsSync(join(run, f))) copyFileSync(join(run, f), join(dest, f === 'log.jsonl' ? 'train-log.jsonl' : f));
}
console.log(`${dest}: ${Object.keys(tensors).length} tensors from ${weightsPath}${values.f16 ? ' (float16)' : ''}`);
