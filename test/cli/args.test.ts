/** Numeric options take plain decimal numbers only. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { intOption, numberOption } from '../../src/cli/args.js';

test('numeric options: decimals (and exponents) only; empty, hex, binary and padded values are refused', () => {
  assert.equal(intOption('--steps', '100', 1, 1e6), 100);
  assert.equal(numberOption('--lr', '1e-4', 0, 10), 1e-4);
  assert.equal(numberOption('--lr', '.5', 0, 10), 0.5);
  for (const raw of ['', ' ', '0x10', '0b11', '0o7', ' 7', '7 ', 'Infinity', 'NaN', '1e', '--1']) {
    assert.throws(() => intOption('--steps', raw, 0, 1e6), /--steps must be an integer/, JSON.stringify(raw));
    assert.throws(() => numberOption('--lr', raw, 0, 10), /--lr must be a number/, JSON.stringify(raw));
  }
});

test('Ctrl-C counting: a repeat within 500 ms is the same key press (a forwarding wrapper), later it is a second press', async () => {
  const { signalCounter } = await import('../../src/cli/signals.js');
  let t = 0;
  const next = signalCounter(() => t);
  assert.equal(next(), 'first');
  t = 20; assert.equal(next(), 'echo');
  t = 900; assert.equal(next(), 'again');
});
