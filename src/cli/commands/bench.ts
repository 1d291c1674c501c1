/** `irsde bench <what>`: measured numbers for the engine, optimisers and degradations. */
import { parseArgs } from 'node:util';
import { IrsdeError } from '../../common/errors.js';
import { intOption } from '../args.js';

const targets = ['engine', 'sde', 'optim', 'degrade'] as const;

const USAGE = `usage: irsde bench <${targets.join('|')}> [--json] [--torch] [--repeats N] [--rounds N] [--cases conv2,naf32,naf64] [--no-memory]

  engine   forward / training-step time and GFLOP/s; --torch also runs PyTorch (IRSDE_PYTHON, default python3);
           --cases picks workloads (conv2, naf32, naf64), --no-memory skips the peak-memory child process
  sde      ConditionalNAFNet training step and 100-step posterior sampling (--torch compares)
  optim    optimiser update over 10 M parameters
  degrade  degradation pipeline and metrics speed
  --repeats N  runs per measurement (engine, sde; default 5)
  --rounds N   rounds alternating with PyTorch, fastest kept (engine, sde; default 2 with --torch, else 1)
`;

/** Which options each benchmark reads; any other given option is refused rather than ignored. */
const takes: Record<string, readonly string[]> = {
  engine: ['torch', 'repeats', 'rounds', 'cases', 'no-memory'], sde: ['torch', 'repeats', 'rounds'], optim: [], degrade: [], 'engine-memory-child': [],
};

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false }, torch: { type: 'boolean' },
        repeats: { type: 'string' }, rounds: { type: 'string' }, cases: { type: 'string' }, 'no-memory': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new IrsdeError('bad-option', (e as Error).message.replace(/\s*\n\s*/g, ' '), { hint: 'see `irsde bench --help`' });
  }
  const { values, positionals } = parsed;
  const what = positionals[0];
  if (values.help) { process.stdout.write(USAGE); return 0; }
  if (!what) throw new IrsdeError('bad-option', `which benchmark? give one of: ${targets.join(', ')}`, { hint: 'see `irsde bench --help`' });
  if (positionals.length > 1) throw new IrsdeError('bad-option', `one benchmark at a time, got ${positionals.join(' ')}`);
  if (!Object.hasOwn(takes, what)) throw new IrsdeError('bad-option', `unknown benchmark "${what}"`, { hint: `choose one of: ${targets.join(', ')}` });
  for (const opt of ['torch', 'repeats', 'rounds', 'cases', 'no-memory'] as const) {
    if (values[opt] !== undefined && !takes[what]!.includes(opt)) {
      throw new IrsdeError('bad-option', `--${opt} does not apply to \`bench ${what}\``, { hint: `options of bench ${what}: ${takes[what]!.map((o) => `--${o}`).join(', ') || '--json only'}` });
    }
  }
  const repeats = intOption('--repeats', values.repeats ?? '5', 1, 1000);
  const rounds = values.rounds === undefined ? undefined : intOption('--rounds', values.rounds, 1, 100);
  const torch = values.torch === true;
  if (what === 'engine') {
    const { benchEngine, engineCaseNames } = await import('../bench/engine.js');
    const cases = values.cases?.split(',').map((c) => c.trim()).filter(Boolean);
    const unknown = cases?.filter((c) => !engineCaseNames.includes(c)) ?? [];
    if (cases && (cases.length === 0 || unknown.length)) {
      throw new IrsdeError('bad-option', `--cases: unknown workload${unknown.length > 1 ? 's' : ''} ${unknown.map((c) => `"${c}"`).join(', ') || '(none given)'}`, { hint: `workloads: ${engineCaseNames.join(', ')}` });
    }
    return benchEngine({ json: values.json!, torch, repeats, rounds, cases, memory: !values['no-memory'] });
  }
  if (what === 'sde') {
    const { benchSde } = await import('../bench/sde.js');
    return benchSde({ json: values.json!, torch, repeats, rounds });
  }
  if (what === 'engine-memory-child') {
    const { memoryChild } = await import('../bench/engine.js');
    await memoryChild();
    return 0;
  }
  if (what === 'optim') {
    const { benchOptim } = await import('../bench/optim.js');
    const r = await benchOptim({ json: values.json!, params: 10_000_000 });
    if (values.json) process.stdout.write(JSON.stringify({ type: 'result', stage: 'bench-optim', ...r }) + '\n');
    return 0;
  }
  const { benchDegrade } = await import('../bench/degrade.js');
  return benchDegrade({ json: values.json! });
}
