import { unlinkSync } from 'node:fs';
import { appendFile, writeFile, rename, unlink, mkdir, stat } from 'node:fs/promises';
import { dirname, basename, join, resolve } from 'node:path';
import { IrsdeError } from './errors.js';

/** Temp name in the same directory (so rename is atomic on one filesystem), hidden and unique per process. */
function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now().toString(36)}.tmp`);
}

/**
 * Temp files being written. A process that exits mid-write (a second Ctrl-C calls process.exit) removes them
 * on its way out, so no half-written file is left behind.
 */
const inFlight = new Set<string>();
let exitHookSet = false;
function track(tmp: string): void {
  if (!exitHookSet) {
    exitHookSet = true;
    process.on('exit', () => {
      for (const t of inFlight) { try { unlinkSync(t); } catch { /* not created yet, or gone */ } }
    });
  }
  inFlight.add(tmp);
}

/** A file system error while writing `path`, as one line saying what stood in the way. */
export function writeError(path: string, e: unknown): IrsdeError {
  const err = e as NodeJS.ErrnoException;
  const why: Record<string, string> = {
    EEXIST: `a file stands where a folder of the path should be (${err.path ?? dirname(path)})`,
    ENOTDIR: `a file stands where a folder of the path should be (${err.path ?? dirname(path)})`,
    EISDIR: 'it is a folder', EACCES: 'permission denied', EPERM: 'permission denied', EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device', EDQUOT: 'disk quota exceeded',
    ENOENT: `a folder of the path is missing and cannot be made (${err.path ?? dirname(path)})`,
  };
  return new IrsdeError('write-failed', `cannot write ${path}: ${(err.code && why[err.code]) ?? err.message}`, { file: path });
}

/** Write a file so that readers see either the old file or the complete new one, never a partial write. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = tempPathFor(path);
  track(tmp);
  try {
    await mkdirp(dirname(path));
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw writeError(path, e);
  } finally {
    inFlight.delete(tmp);
  }
}

/** Append to a file (a log); a failure is one IrsdeError line like `writeFileAtomic`'s. */
export async function appendFileChecked(path: string, data: string): Promise<void> {
  try {
    await appendFile(path, data);
  } catch (e) {
    throw writeError(path, e);
  }
}

/** Make a folder and its parents; a failure is one IrsdeError line naming what stood in the way. */
export async function makeDir(path: string): Promise<void> {
  try {
    await mkdirp(path);
  } catch (e) {
    throw writeError(path, e);
  }
}

/**
 * `mkdir -p` one level at a time. Node's `{ recursive: true }` spins forever where a folder cannot be made under
 * an existing parent that still answers ENOENT (/proc/x: it retries the parent, gets EEXIST, retries the child).
 */
async function mkdirp(path: string): Promise<void> {
  const missing: string[] = [];
  let p = resolve(path);
  for (;;) {
    try {
      if ((await stat(p)).isDirectory()) break;
      throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${p}'`), { code: 'ENOTDIR', path: p });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      missing.push(p);
      const up = dirname(p);
      if (up === p) break;
      p = up;
    }
  }
  for (const dir of missing.reverse()) {
    try {
      await mkdir(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; // made meanwhile: fine
    }
  }
}
