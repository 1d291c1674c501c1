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
