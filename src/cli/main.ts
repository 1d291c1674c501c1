/**
 * The `irsde` command. Each subcommand lives in `commands/<name>.ts` and is loaded only when used, so
 * `irsde degrade` never pays for loading ONNX Runtime. Every failure a user can fix ends as one line on
 * stderr (or one `error` event with --json) and a non-zero exit code, never a stack trace.
 */
import { IrsdeError, isIrsdeError } from '../common/errors.js';
import type { CommandModule } from './command.js';

const commands: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  demo: { summary: 'train a small conv net on ONNX Runtime and print the falling loss (engine demo)', load: () => import('./commands/demo.js') },
  bench: { summary: 'measure speed: `irsde bench engine [--torch] [--json]`', load: () => import('./commands/bench.js') },
  degrade: { summary: 'apply degradations to images: `irsde degrade <in...> -o <out> --ops ... | --wild --seed N`', load: () => import('./commands/degrade.js') },
  eval: { summary: 'score restorations: `irsde eval --pred <dir> --gt <dir>`', load: () => import('./commands/eval.js') },
  restore: { summary: 'restore images with a trained model: `irsde restore <in...> [-o out] [--task|--model]`', load: () => import('./commands/restore.js') },
  models: { summary: 'list the installed restoration models: `irsde models [--json]`', load: () => import('./commands/models.js') },
  train: { summary: 'train a restoration model: `irsde train --config configs/<task>.json [--set k=v] | --resume <out>`', load: () => import('./commands/train.js') },
};

function usage(): string {
  const lines = ['usage: irsde <command> [options]', '', 'commands:'];
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(9)} ${c.summary}`);
  lines.push('', 'Run `irsde <command> --help` for the options of one command.');
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const json = rest.includes('--json');
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 1;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    const { readFileSync } = await import('node:fs');
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`irsde ${pkg.version}\n`);
    return 0;
  }
  const entry = commands[name];
  try {
    if (!entry) throw new IrsdeError('unknown-command', `unknown command "${name}"`, { hint: `commands: ${Object.keys(commands).join(', ')}` });
    const mod = await entry.load();
    return await mod.run(rest);
  } catch (e) {
    reportError(e, json);
    const code = (e as { code?: unknown } | null)?.code;
    return isIrsdeError(e) || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) ? 2 : 1;
  }
}

export function reportError(e: unknown, json: boolean): void {
  // node:util parseArgs errors (unknown option, missing value) are user errors too.
  const code = (e as { code?: unknown } | null)?.code;
  if (!isIrsdeError(e) && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
    e = new IrsdeError('bad-option', (e as Error).message.replace(/\. To specify a positional argument.*$/s, ''), { hint: 'run with --help for the options' });
  }
  if (isIrsdeError(e)) {
    if (json) process.stdout.write(JSON.stringify({ type: 'error', code: e.code, message: e.message, file: e.file, hint: e.hint }) + '\n');
    else process.stderr.write(`irsde: ${e.message}${e.hint ? ` (${e.hint})` : ''}\n`);
    return;
  }
  // Not a user error: a bug or an environment problem. Still one line by default; the stack on request.
  const msg = e instanceof Error ? e.message : String(e);
  if (json) process.stdout.write(JSON.stringify({ type: 'error', code: 'internal', message: msg }) + '\n');
  else process.stderr.write(`irsde: internal error: ${msg}${process.env.IRSDE_DEBUG ? '\n' + (e as Error).stack : ' (set IRSDE_DEBUG=1 for details)'}\n`);
}

const isEntry = process.argv[1] !== undefined && /(?:main\.[jt]s|irsde(?:\.js)?)$/.test(process.argv[1]);
if (isEntry) {
  // `irsde … | head` closes the pipe early: stop quietly instead of crashing on EPIPE.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(0); throw e; });
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
