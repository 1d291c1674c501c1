/**
 * Dataset readers for the layouts in shared/data/README.md (Node only: reads directories).
 *
 * A dataset is a list of items with a ground truth and, for paired sets, a degraded input. Files without a
 * partner are not dropped silently: they are listed in `problems`, so callers can report them and exit
 * non-zero.
 */
import { readdir, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { IrsdeError } from '../common/errors.js';
import { isImagePath } from '../image/node-io.js';

export type Task = 'sr' | 'denoise' | 'derain' | 'deblur' | 'jpeg' | 'inpaint' | 'dehaze' | 'lowlight' | 'wild';
export const TASKS: Task[] = ['sr', 'denoise', 'derain', 'deblur', 'jpeg', 'inpaint', 'dehaze', 'lowlight', 'wild'];

export interface DatasetItem {
  name: string;
  gt: string;
  /** the dataset's own degraded input, when the set is paired for this task */
  lq?: string;
}

export interface DatasetProblem { file: string; why: string }

export interface Dataset {
  name: string;
  root: string;
  /** 'paired': items carry `lq`; 'clean': degrade synthetically */
  kind: 'paired' | 'clean';
  /** tasks the set is made for (paired sets pair only for their task) */
  tasks: Task[];
  scale?: number;
  items: DatasetItem[];
  problems: DatasetProblem[];
}

export const KNOWN_SETS = ['CBSD68', 'Set5', 'Urban100', 'Rain100L', 'Rain100H', 'Rain12', 'GoPro_examples', 'CelebA-HQ', 'FFHQ256', 'BSDS400'];

async function listImages(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new IrsdeError('bad-data', `${dir}: cannot list (${code === 'ENOENT' ? 'no such directory' : code === 'ENOTDIR' ? 'not a directory' : (e as Error).message})`, { file: dir });
  }
  return names.filter((n) => !n.startsWith('.') && isImagePath(n)).sort();
}

/** A file name without its extension: what pairs files across folders. */
export function stem(name: string): string {
  return basename(name, extname(name));
}

/**
 * Pair two folders by a key derived from each file name (default: the file stem). Unmatched files on
 * either side become problems.
 */
export async function pairFolders(lqDir: string, gtDir: string, keys: { lq?: (n: string) => string; gt?: (n: string) => string } = {}): Promise<{ items: DatasetItem[]; problems: DatasetProblem[] }> {
  const [lqs, gts] = await Promise.all([listImages(lqDir), listImages(gtDir)]);
  const kl = keys.lq ?? stem, kg = keys.gt ?? stem;
  const gtByKey = new Map<string, string>();
  const problems: DatasetProblem[] = [];
  for (const g of gts) {
    const k = kg(g);
    // Two ground truths under one key (a pairing key that ignores what tells them apart): both are refused.
    if (gtByKey.has(k)) problems.push({ file: join(gtDir, g), why: `same pairing key "${k}" as ${gtByKey.get(k)} in ${gtDir}` });
    else gtByKey.set(k, g);
  }
  const items: DatasetItem[] = [];
  const used = new Set<string>();
  const lqByKey = new Map<string, string>();
  for (const l of lqs) {
    const key = kl(l);
    if (lqByKey.has(key)) { problems.push({ file: join(lqDir, l), why: `same pairing key "${key}" as ${lqByKey.get(key)} in ${lqDir}` }); continue; }
    lqByKey.set(key, l);
    const g = gtByKey.get(key);
    if (!g) { problems.push({ file: join(lqDir, l), why: `no ground truth for "${key}" in ${gtDir}` }); continue; }
    used.add(g);
    items.push({ name: key, lq: join(lqDir, l), gt: join(gtDir, g) });
  }
  for (const g of gts) if (!used.has(g) && gtByKey.get(kg(g)) === g) problems.push({ file: join(gtDir, g), why: `no partner for "${kg(g)}" in ${lqDir}` });
  return { items, problems };
}

async function cleanFolder(dir: string): Promise<DatasetItem[]> {
  return (await listImages(dir)).map((n) => ({ name: stem(n), gt: join(dir, n) }));
}

/** Find the shared data root: $IRSDE_DATA, ../shared/data or ./shared/data from the working directory. */
export function defaultDataRoot(cwd = process.cwd()): string | null {
  const env = process.env.IRSDE_DATA;
  // A data root the user named but that is not there is a mistake to report, not a reason to use another one.
  if (env && !existsSync(env)) throw new IrsdeError('bad-data', `IRSDE_DATA=${env}: no such folder`, { hint: 'point it at the shared data folder, or unset it to use ../shared/data' });
  const cands = [env, resolve(cwd, '../shared/data'), resolve(cwd, 'shared/data')].filter((x): x is string => !!x);
  for (const c of cands) if (existsSync(c)) return c;
  return null;
}

/**
 * Open a dataset by directory (or by set name under `dataRoot`). The layout is recognised by the set's
 * name (the folder's base name) for the known sets; any other folder is read as clean images, or as a
 * paired set if it holds `LQ/` and `GT/` (or `input/` and `target/`) subfolders.
 */
export async function openDataset(setOrPath: string, opts: { dataRoot?: string; scale?: number } = {}): Promise<Dataset> {
  let root = setOrPath;
  if (!existsSync(root)) {
    const dr = opts.dataRoot ?? defaultDataRoot();
    if (dr && existsSync(join(dr, setOrPath))) root = join(dr, setOrPath);
    else throw new IrsdeError('bad-data', `dataset "${setOrPath}" not found${dr ? ` (looked in ${dr})` : ''}`, { hint: `use a folder path, or one of ${KNOWN_SETS.join(', ')} with the shared data folder in $IRSDE_DATA (or ../shared/data)` });
  }
  if (!(await stat(root)).isDirectory()) throw new IrsdeError('bad-data', `${root}: not a directory`, { file: root });
  const name = basename(resolve(root));
  switch (name) {
    case 'Set5': {
      const scale = opts.scale ?? 4;
      if (![2, 3, 4, 8].includes(scale)) throw new IrsdeError('bad-argument', `Set5 has LR images for x2, x3, x4 and x8, not x${scale}`);
      const { items, problems } = await pairFolders(join(root, 'LR_bicubic', `X${scale}`), join(root, 'HR'), { lq: (n) => stem(n).replace(new RegExp(`x${scale}$`), '') });
      return { name, root, kind: 'paired', tasks: ['sr'], scale, items, problems };
    }
    case 'Urban100': {
      const scale = opts.scale ?? 4;
      if (scale !== 4) throw new IrsdeError('bad-argument', `Urban100 here has x4 LR images only, not x${scale}`);
      const all = await listImages(root);
      const lq = all.filter((n) => /_LR\.[a-z]+$/i.test(n)), gt = all.filter((n) => /_HR\.[a-z]+$/i.test(n));
      const items: DatasetItem[] = [];
      const problems: DatasetProblem[] = [];
      const gtSet = new Map(gt.map((g) => [stem(g).replace(/_HR$/, ''), g]));
      const seen = new Set<string>();
      for (const l of lq) {
        const key = stem(l).replace(/_LR$/, '');
        const g = gtSet.get(key);
        if (!g) { problems.push({ file: join(root, l), why: `no HR partner for ${key}` }); continue; }
        seen.add(key);
        items.push({ name: key, lq: join(root, l), gt: join(root, g) });
      }
      for (const [key, g] of gtSet) if (!seen.has(key)) problems.push({ file: join(root, g), why: `no LR partner for ${key}` });
      return { name, root, kind: 'paired', tasks: ['sr'], scale, items, problems };
    }
    case 'Rain100L': case 'Rain100H': case 'Rain12': {
      const { items, problems } = await pairFolders(join(root, 'rain'), join(root, 'norain'), { lq: (n) => stem(n).replace(/^rain-/, ''), gt: (n) => stem(n).replace(/^norain-/, '') });
      return { name, root, kind: 'paired', tasks: ['derain'], items, problems };
    }
    case 'GoPro_examples': {
      const { items, problems } = await pairFolders(join(root, 'blur'), join(root, 'sharp'));
      return { name, root, kind: 'paired', tasks: ['deblur'], items, problems };
    }
    case 'BSDS400': {
      const items = [...(await cleanFolder(join(root, 'train'))), ...(await cleanFolder(join(root, 'test')))];
      return { name, root, kind: 'clean', tasks: [...TASKS], items, problems: [] };
    }
    default: {
      for (const [l, g] of [['LQ', 'GT'], ['input', 'target'], ['lq', 'gt']] as const) {
        if (existsSync(join(root, l)) && existsSync(join(root, g))) {
          const { items, problems } = await pairFolders(join(root, l), join(root, g));
          return { name, root, kind: 'paired', tasks: [...TASKS], items, problems };
        }
      }
      const items = await cleanFolder(root);
      if (items.length === 0) throw new IrsdeError('bad-data', `${root}: no .png/.jpg images found`, { file: root });
      return { name, root, kind: 'clean', tasks: [...TASKS], items, problems: [] };
    }
  }
}

/** Files of one inpainting mask family (`inpaint_masks/<family>/*.png`). */
export async function maskFamilyFiles(masksRoot: string, family: string): Promise<string[]> {
  const dir = join(masksRoot, family);
  const files = existsSync(dir) ? await listImages(dir) : [];
  if (files.length === 0) {
    let families: string[] = [];
    try {
      families = (await readdir(masksRoot, { withFileTypes: true })).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name).sort();
    } catch { /* the root itself is missing: said below */ }
    throw new IrsdeError('bad-data', `${dir}: no mask images (mask family "${family}"; families in ${masksRoot}: ${families.join(', ') || 'none'})`, { file: dir });
  }
  return files.map((f) => join(dir, f));
}
