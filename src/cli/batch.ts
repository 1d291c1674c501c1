/**
 * What the commands that work through a list of image files (restore, degrade) share: turning the arguments into
 * files, and reporting the files that failed and the closing count, as lines or as JSON events.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { IrsdeEvent } from '../common/events.js';
import { isImagePath } from '../image/node-io.js';

/** A file that could not be processed, and why. */
export interface Problem { file: string; why: string }

/** Where a batch reports: JSON events (`--json`) or lines on stderr. */
export interface BatchReporter { json: boolean; emit(e: IrsdeEvent): void; err(s: string): void }

/**
 * Files and folders (their .png/.jpg images, sorted; hidden files and those `skip` names left out) as a list of
 * files; arguments that do not exist or folders without images are added to `problems`.
 */
export async function expandInputs(inputs: readonly string[], problems: Problem[], skip: (name: string) => boolean = () => false): Promise<string[]> {
  const files: string[] = [];
  for (const inp of inputs) {
    let st;
    try { st = await stat(inp); } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      problems.push({ file: inp, why: code === 'ENOENT' ? 'no such file or folder' : (e as Error).message });
      continue;
    }
    if (st.isDirectory()) {
      const names = (await readdir(inp)).filter((n) => !n.startsWith('.') && isImagePath(n) && !skip(n)).sort();
      if (names.length === 0) problems.push({ file: inp, why: 'folder holds no .png/.jpg images' });
      for (const n of names) files.push(join(inp, n));
    } else {
      files.push(inp);
    }
  }
  return files;
}

/** One line (or `error` event) per failed file. */
export function reportProblems(problems: readonly Problem[], r: BatchReporter): void {
  for (const p of problems) {
    if (r.json) r.emit({ type: 'error', code: 'bad-input', message: `${p.file}: ${p.why}`, file: p.file });
    else r.err(`irsde: ${p.file}: ${p.why}\n`);
  }
}

/**
 * The closing count (an `info` event; a line only when something failed) and the exit code: 1 when a file failed.
 * `lineForOneFailure: false` leaves out the line when the only file failed (its own line says it all).
 */
export function finishBatch(ok: number, failed: number, r: BatchReporter, opts: { lineForOneFailure?: boolean } = {}): number {
  if (failed > 0) {
    const msg = `${ok} image(s) written, ${failed} failed`;
    if (r.json) r.emit({ type: 'info', message: msg, written: ok, failed });
    else if (opts.lineForOneFailure !== false || ok > 0 || failed > 1) r.err(`irsde: ${msg}\n`);
    return 1;
  }
  if (r.json) r.emit({ type: 'info', message: `${ok} image(s) written`, written: ok, failed: 0 });
  return 0;
}
