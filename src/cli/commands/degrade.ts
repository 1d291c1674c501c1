/**
 * `irsde degrade <in...> -o <out> --ops "blur:aniso,resize:0.5,noise:15,jpeg:40" | --wild [--seed N]`
 *
 * Writes each degraded image and a JSON sidecar (`<name>.json`) with every sampled parameter. Each image has
 * its own random stream derived from (seed, file name), so a file degrades the same way alone or in a batch.
 * A bad input file is reported and skipped; the command exits non-zero at the end if any file failed. Existing
 * outputs are never overwritten without --force.
 */
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { IrsdeError, isIrsdeError } from '../../common/errors.js';
import type { IrsdeEvent } from '../../common/events.js';
import { writeFileAtomic } from '../../common/atomic.js';
import { intOption } from '../args.js';
import { signalCounter } from '../signals.js';
import { expandInputs, finishBatch, reportProblems, type Problem } from '../batch.js';
import { checkOutputPath, isFolderPath, isImagePath, readImage, readImageFile, writeImage } from '../../image/node-io.js';
import { toRGB } from '../../image/convert.js';
import { DegradeRng, hashString } from '../../degrade/random.js';
import { applyOps, parseOps, OPS_HELP, type ParsedOp } from '../../degrade/ops.js';
import { wildDegrade } from '../../degrade/wild.js';
import { defaultDataRoot, maskFamilyFiles } from '../../metrics/datasets.js';

const USAGE = `usage: irsde degrade <input files or folders...> -o <output file or folder> (--ops "<chain>" | --wild) [--seed N] [--json]

  --ops "<chain>"   operators applied in order, e.g. "blur:aniso,resize:0.5,noise:15,jpeg:40"
  --wild            the wild-IR random pipeline (three orders, DEGRADATIONS.md §8)
  --seed N          seed (default 0); each image uses its own stream derived from (seed, file name)
  -o, --out PATH    output folder (or an output file for a single input); images are written as PNG
                    unless PATH ends in .jpg
  --masks DIR       folder with mask families for mask:set=<family> (default: shared/data/inpaint_masks)
  --save-gt         also write the ground truth the output belongs to (<name>.gt.png; the wild pipeline
                    may turn it grey)
  --force           overwrite existing outputs (images, sidecars)
  --json            one JSON event per line

${OPS_HELP}
`;

/** Where the command writes; tests pass their own. */
export interface CommandIO { out(s: string): void; err(s: string): void }
const processIO: CommandIO = { out: (s) => { process.stdout.write(s); }, err: (s) => { process.stderr.write(s); } };

export async function run(argv: string[], io: CommandIO = processIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: true,
      options: {
        out: { type: 'string', short: 'o' }, ops: { type: 'string' }, wild: { type: 'boolean', default: false },
        seed: { type: 'string', default: '0' }, json: { type: 'boolean', default: false }, masks: { type: 'string' },
        'save-gt': { type: 'boolean', default: false }, force: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new IrsdeError('bad-option', (e as Error).message.replace(/\s*\n\s*/g, ' '), { hint: 'see `irsde degrade --help`' });
  }
  const { values, positionals } = parsed;
  if (values.help) { io.out(USAGE); return 0; }
  const json = values.json!;
  const emit = (e: IrsdeEvent): void => { if (json) io.out(JSON.stringify(e) + '\n'); };
  if (positionals.length === 0) throw new IrsdeError('bad-option', 'no input images given', { hint: 'irsde degrade <in...> -o <out> --ops ... | --wild' });
  if (!values.out) throw new IrsdeError('bad-option', 'missing -o <output file or folder>');
  if (!values.ops && !values.wild) throw new IrsdeError('bad-option', 'give --ops "<chain>" or --wild');
  if (values.ops && values.wild) throw new IrsdeError('bad-option', '--ops and --wild cannot be combined');
  const seed = intOption('--seed', values.seed!, 0, Number.MAX_SAFE_INTEGER);
  const ops: ParsedOp[] | null = values.ops ? parseOps(values.ops) : null;

  const problems: Problem[] = [];
  const files = await expandInputs(positionals, problems);
  const out = values.out;
  checkOutputPath(out);
  const outIsDir = isFolderPath(out);
  const outIsFile = isImagePath(out) && !outIsDir;
  if (outIsFile && (files.length > 1 || positionals.length > 1)) {
    throw new IrsdeError('bad-option', `-o ${out} looks like a file, but ${Math.max(files.length, positionals.length)} inputs were given`, { hint: 'give an output folder' });
  }
  const outExt = outIsFile ? extname(out).toLowerCase() : '.png';
  // Resolved on first use: a stale IRSDE_DATA must not break chains that read no masks.
  const masksFolder = (): string | null => values.masks ?? (() => { const d = defaultDataRoot(); return d ? join(d, 'inpaint_masks') : null; })();
  const loadMask = async (req: { family?: string; file?: string }, rng: DegradeRng) => {
    let file = req.file;
    if (!file) {
      const masksRoot = masksFolder();
      if (!masksRoot) throw new IrsdeError('bad-data', `mask:set=${req.family} needs --masks <folder with mask families>`);
      file = rng.choice(await maskFamilyFiles(masksRoot, req.family!));
    }
    return { mask: await readImage(file), file };
  };

  const used = new Map<string, string>();
  let ok = 0;
  // Ctrl-C: finish the image in progress (its files are written atomically), stop, say so; a second press quits.
  let interrupted = false;
  const nextInterrupt = signalCounter();
  const onSigint = (): void => {
    const which = nextInterrupt();
    if (which === 'again') process.exit(130);
    interrupted = true;
  };
  process.on('SIGINT', onSigint);
  try {
    for (const file of files) {
      if (interrupted) break;
      const name = basename(file, extname(file));
      const outPath = outIsFile ? out : join(out, name + outExt);
      const prev = used.get(resolve(outPath));
      if (prev) { problems.push({ file, why: `output ${outPath} would overwrite the result for ${prev}` }); continue; }
      const outStem = outPath.slice(0, outPath.length - extname(outPath).length);
      const sidecar = outStem + '.json', gtPath = values['save-gt'] ? outStem + '.gt.png' : undefined;
      if (resolve(outPath) === resolve(file)) { problems.push({ file, why: `output ${outPath} is the input itself` }); continue; }
      const existing = values.force ? undefined : [outPath, sidecar, gtPath].find((p) => p !== undefined && existsSync(p));
      if (existing) { problems.push({ file, why: `output ${existing} already exists (use --force to overwrite)` }); continue; }
      try {
        const decoded = (await readImageFile(file)).image;
        const img = toRGB(decoded);
        const rng = new DegradeRng(seed, hashString(name));
        let result: { image: import('../../image/types.js').FloatImage; gt: import('../../image/types.js').FloatImage; record: Record<string, unknown> };
        if (ops) {
          const r = await applyOps(img, ops, rng, { loadMask });
          result = { image: r.image, gt: img, record: { mode: 'ops', ops: values.ops, steps: r.steps } };
        } else {
          const r = await wildDegrade(img, rng);
          result = { image: r.lq, gt: r.gt, record: { mode: 'wild', greyscaleGT: r.greyscale, resizeFlag: r.resizeFlag, orders: r.orders, words: r.words, steps: r.steps } };
        }
        await writeImage(outPath, result.image);
        used.set(resolve(outPath), file); // claimed once written: a file that failed leaves the name to the next
        if (gtPath) await writeImage(gtPath, result.gt);
        const record = {
          irsde: 'degrade', input: file, output: outPath, ...(gtPath ? { gt: gtPath } : {}), seed, stream: hashString(name),
          inputSize: [img.width, img.height], outputSize: [result.image.width, result.image.height], ...result.record,
        };
        await writeFileAtomic(sidecar, JSON.stringify(record, null, 2) + '\n');
        ok++;
        if (json) emit({ type: 'result', stage: 'degrade', input: file, output: outPath, sidecar });
        else io.out(`${file} -> ${outPath}\n`);
        // The operators work on RGB at 8 bits: say what the input had that the output does not.
        const lost = [
          decoded.channels === 2 || decoded.channels === 4 ? 'its alpha channel was dropped' : '',
          decoded.channels <= 2 ? 'the grey input was degraded as RGB' : '',
        ].filter(Boolean);
        if (lost.length) {
          const message = `${file}: ${lost.join('; ')}`;
          if (json) emit({ type: 'warning', message, file });
          else io.err(`irsde: warning: ${message}\n`);
        }
      } catch (e) {
        // The spec itself was checked before the loop (parseOps); what fails now depends on this image.
        const why = isIrsdeError(e) ? e.message.replace(`${file}: `, '') : `internal error: ${(e as Error).message}`;
        problems.push({ file, why });
      }
    }
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
  const reporter = { json, emit, err: io.err };
  reportProblems(problems, reporter);
  if (interrupted) {
    const msg = `interrupted: ${ok} image(s) written${problems.length ? `, ${problems.length} failed` : ''}`;
    if (json) emit({ type: 'info', message: msg, written: ok, failed: problems.length, interrupted: true });
    else io.err(`irsde: ${msg}\n`);
    return 130;
  }
  return finishBatch(ok, problems.length, reporter);
}
