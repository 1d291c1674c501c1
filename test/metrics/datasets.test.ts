import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDataset, pairFolders } from '../../src/metrics/datasets.js';
import { IrsdeError } from '../../src/common/errors.js';

const SHARED = '../shared/data';
const has = existsSync(SHARED);

test('readers for the shared layouts pair every file', { skip: !has }, async () => {
  const set5 = await openDataset('Set5', { dataRoot: SHARED, scale: 3 });
  assert.equal(set5.items.length, 5); assert.equal(set5.problems.length, 0); assert.equal(set5.scale, 3);
  assert.match(set5.items[0]!.lq!, /LR_bicubic\/X3\/babyx3\.png$/);
  const urban = await openDataset(`${SHARED}/Urban100`);
  assert.equal(urban.items.length, 20); assert.equal(urban.problems.length, 0);
  assert.match(urban.items[0]!.lq!, /img_001_SRF_4_LR\.png$/); assert.match(urban.items[0]!.gt, /img_001_SRF_4_HR\.png$/);
  for (const [s, n] of [['Rain100L', 5], ['Rain100H', 5], ['Rain12', 7]] as const) {
    const d = await openDataset(s, { dataRoot: SHARED });
    assert.equal(d.items.length, n); assert.equal(d.problems.length, 0); assert.deepEqual(d.tasks, ['derain']);
    assert.match(d.items[0]!.lq!, /rain\/rain-/); assert.match(d.items[0]!.gt, /norain\/norain-/);
  }
  const gopro = await openDataset('GoPro_examples', { dataRoot: SHARED });
  assert.deepEqual(gopro.items.map((i) => i.name), ['Flower1', 'Istanbul1']);
  const cbsd = await openDataset('CBSD68', { dataRoot: SHARED });
  assert.equal(cbsd.kind, 'clean'); assert.equal(cbsd.items.length, 68);
  assert.equal((await openDataset('FFHQ256', { dataRoot: SHARED })).items.length, 8);
  assert.equal((await openDataset('BSDS400', { dataRoot: SHARED })).items.length, 385);
  await assert.rejects(openDataset('Set5', { dataRoot: SHARED, scale: 5 }), /x2, x3, x4 and x8/);
});

test('missing partners are reported, not dropped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'irsde-ds-'));
  mkdirSync(join(dir, 'LQ')); mkdirSync(join(dir, 'GT'));
  for (const n of ['a.png', 'b.png']) writeFileSync(join(dir, 'LQ', n), 'x');
  for (const n of ['b.png', 'c.png']) writeFileSync(join(dir, 'GT', n), 'x');
  const { items, problems } = await pairFolders(join(dir, 'LQ'), join(dir, 'GT'));
  assert.deepEqual(items.map((i) => i.name), ['b']);
  assert.equal(problems.length, 2);
  assert.match(problems[0]!.why, /no ground truth for "a"/);
  assert.match(problems[1]!.why, /no partner for "c"/);
  const ds = await openDataset(dir);
  assert.equal(ds.kind, 'paired'); assert.equal(ds.problems.length, 2);
  await assert.rejects(openDataset(join(dir, 'nope'), { dataRoot: dir }), (e: unknown) => e instanceof IrsdeError && /not found/.test(e.message));
});
