#!/usr/bin/env node
// In a clone, run the build in dist/ when it is newer than every TypeScript source (`npm ci` builds it through the
// `prepare` script), else the sources through tsx, so `npx irsde ...` never runs a stale build and works with no
// build step at all; an installed package (no src/) runs dist/.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src', 'cli', 'main.ts');
const built = join(root, 'dist', 'cli', 'main.js');

/** The newest modification time under a folder (milliseconds). */
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

function buildIsCurrent() {
  if (!existsSync(built)) return false;
  try {
    return statSync(built).mtimeMs >= newest(join(root, 'src'));
  } catch {
    return false;
  }
}

if (existsSync(source) && !buildIsCurrent()) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(source).href);
} else {
  await import(pathToFileURL(built).href);
}
