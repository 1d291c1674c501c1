/** `irsde train` option handling that needs no training (the trainer itself: test/train/). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from '../../src/cli/commands/train.js';

test('train --init: a shipped model name or a path; unknown names and --init with --resume are one-line errors', async () => {
  await assert.rejects(run(['--config', 'configs/denoise-color-ft.json', '--init', 'no-such-model', '--print-config']),
    (e: Error & { code?: string }) => e.code === 'unknown-model' && /unknown model "no-such-model"/.test(e.message));
  await assert.rejects(run(['--resume', 'runs/anything', '--init', 'denoise-color']), /--init starts a new run/);
  let printed = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((s: string) => { printed += s; return true; }) as typeof process.stdout.write;
  try {
    assert.equal(await run(['--config', 'configs/denoise-color-ft.json', '--init', 'denoise-color', '--print-config']), 0);
  } finally {
    process.stdout.write = write;
  }
  const c = JSON.parse(printed) as { init: string; data: { clipStates: boolean } };
  assert.match(c.init, /models[\\/]denoise-color$/, 'the registry name resolves to the model folder');
  assert.equal(c.data.clipStates, true);
});

test('a shorthand and a --set of the same key are refused (the shorthand used to win silently)', async () => {
  await assert.rejects(run(['--config', 'configs/denoise-small.json', '--set', 'steps=abc', '--steps', '5', '--print-config']), /--steps and --set steps=abc both set "steps"; give it once/);
  await assert.rejects(run(['--config', 'configs/denoise-small.json', '--set', 'optim.lr=1e-3', '--lr', '1e-4', '--print-config']), /--lr and --set optim\.lr=1e-3 both set "optim\.lr"/);
});
