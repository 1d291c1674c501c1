/** `irsde bench <what>`: measured numbers for the engine, optimisers and degradations. */
import { parseArgs } from 'node:util';
import { IrsdeError } from '../../common/errors.js';
import { intOption } from '../args.js';

const targets = ['engine', 'sde', 'optim', 'degrade'] as const;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false }, torch: { type: 'boolean', default: false },
      repeats: { type: 'string', default: '5' }, cases: { type: 'string' }, 'no-memory': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const what = positionals[0];
  if (values.help || !what) {
    process.stdout.write(`usage: irsde bench <${targets.join('|')}> [--json] [--torch] [--repeats N] [--cases conv2,naf32,naf64] [--no-memory]\n\n  engine   forward / training-step time and GFLOP/s; --torch also runs PyTorch (IRSDE_PYTHON, default python3)\n  sde      ConditionalNAFNet training step and 100-step posterior sampling (--torch compares)\n  optim    optimiser update over 10 M parameters\n  degrade  degradation pipeline and metrics speed\n`);
    return values.help ? 0 : 1; // --help asked for it; a bare `irsde bench` is a usage error
  }
  const repeats = intOption('--repeats', values.repeats!, 1, 1000);
  if (what === 'engine') {
    const { benchEngine } = await import('../bench/engine.js');
    return benchEngine({ json: values.json!, torch: values.torch!, repeats, cases: values.cases?.split(','), memory: !values['no-memory'] });
  }
  if (what === 'sde') {
    const { benchSde } = await import('../bench/sde.js');
    return benchSde({ json: values.json!, torch: values.torch!, repeats });
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
  if (what === 'degrade') {
    const { benchDegrade } = await import('../bench/degrade.js');
    return benchDegrade({ json: values.json! });
  }
  throw new IrsdeError('bad-option', `unknown benchmark "${what}"`, { hint: `choose one of: ${targets.join(', ')}` });
}
