/**
 * `irsde models [--json] [--models-dir DIR]`: the installed restoration models (name, task, network,
 * recommended sampler/steps, measured PSNR/SSIM). `*` marks the default model of each task. Unusable model
 * folders are listed with the reason, and make the exit code 1.
 */
import { parseArgs } from 'node:util';
import { IrsdeError } from '../../common/errors.js';
import { defaultModelNames, describeNetwork, listModels, modelRows, modelsRoot } from '../../restore/registry.js';

const USAGE = `usage: irsde models [--json] [--models-dir DIR]

  Lists the models in the models folder ($IRSDE_MODELS_DIR, else the package's models/). Each model is a
  folder <name>/ with config.json, model.safetensors and MODEL_CARD.md. * marks the default model of a task.
  --json            one JSON event per model on stdout ({"type":"result","stage":"model",...})
  --models-dir DIR  list this folder instead
`;

export interface CommandIO { out(s: string): void; err(s: string): void }
const processIO: CommandIO = { out: (s) => { process.stdout.write(s); }, err: (s) => { process.stderr.write(s); } };

export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

export async function run(argv: string[], io: CommandIO = processIO): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args: argv, allowPositionals: false,
      options: { json: { type: 'boolean', default: false }, 'models-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }).values;
  } catch (e) {
    throw new IrsdeError('bad-option', (e as Error).message.replace(/\s*\n\s*/g, ' '), { hint: 'see `irsde models --help`' });
  }
  if (values.help) { io.out(USAGE); return 0; }
  const opts = { modelsDir: values['models-dir'] };
  const root = modelsRoot(opts);
  const entries = listModels(opts);
  const broken = entries.filter((e) => e.error);
  if (values.json) {
    const defaults = defaultModelNames(entries);
    for (const e of entries) {
      io.out(JSON.stringify({
        type: 'result', stage: 'model', name: e.name, dir: e.dir, usable: !e.error, ...(e.error ? { error: e.error } : {}),
        ...(e.config ? { task: e.config.task, description: e.config.description, default: defaults.has(e.name), network: describeNetwork(e.config), params: e.params, sampler: e.config.sampler, tile: e.config.tile, metrics: e.config.metrics ?? [] } : {}),
        hasCard: e.hasCard,
      }) + '\n');
    }
    return broken.length ? 1 : 0;
  }
  if (entries.length === 0) {
    io.err(`irsde: no models in ${root} (put each model in ${root}/<name>/ as config.json + model.safetensors + MODEL_CARD.md, or set IRSDE_MODELS_DIR)\n`);
    return 1;
  }
  io.out(`models in ${root} (* = default for its task)\n\n`);
  io.out(formatTable(['name', 'task', 'network', 'sampler', 'PSNR / SSIM', 'measured on', 'description'], modelRows(entries)));
  for (const e of entries) if (!e.error && !e.hasCard) io.err(`irsde: ${e.name}: no MODEL_CARD.md\n`);
  return broken.length ? 1 : 0;
}
