/** `irsde demo`: train a small conv net on ONNX Runtime and print the falling loss. */
import { parseArgs } from 'node:util';
import { runEngineDemo } from '../../train/demo.js';
import { eventPrinter } from '../progress.js';
import { intOption } from '../args.js';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      steps: { type: 'string', default: '300' }, seed: { type: 'string', default: '0' },
      json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write('usage: irsde demo [--steps N] [--seed N] [--json]\n\nTrains a 3-layer conv net to imitate a frozen random conv net (graph → autodiff → ONNX Runtime → AdamW) and prints the loss.\n');
    return 0;
  }
  const steps = intOption('--steps', values.steps!, 10, 100000);
  const seed = intOption('--seed', values.seed!, 0, 2 ** 31);
  const print = eventPrinter(values.json!);
  const every = Math.max(1, Math.floor(steps / 10));
  const res = await runEngineDemo({
    steps, seed,
    onEvent: (e) => {
      if (values.json) print(e);
      else if (e.type === 'progress' && e.step && (e.step % every === 0 || e.step === 1)) process.stdout.write(`step ${String(e.step).padStart(5)}  loss ${e.loss!.toFixed(5)}\n`);
    },
  });
  const summary = { type: 'result' as const, stage: 'demo', params: res.params, steps, firstLoss: res.firstLoss, finalLoss: res.finalLoss, reduction: res.firstLoss / res.finalLoss, msPerStep: res.msPerStep };
  if (values.json) print(summary);
  else process.stdout.write(`loss ${res.firstLoss.toFixed(5)} → ${res.finalLoss.toFixed(5)} (${(res.firstLoss / res.finalLoss).toFixed(1)}× lower) in ${steps} steps, ${res.msPerStep.toFixed(1)} ms/step, ${res.params} parameters\n`);
  return 0;
}
