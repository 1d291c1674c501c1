/** Option parsing helpers that turn bad values into one clear IrsdeError. */
import { IrsdeError } from '../common/errors.js';

/** Plain decimal numbers only: Number() also takes "" (0), "0x10", "0b11" and " 7 ", which no one means as options. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

export function intOption(flag: string, raw: string, min: number, max: number): number {
  const v = DECIMAL.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(v) || v < min || v > max) throw new IrsdeError('bad-option', `${flag} must be an integer from ${min} to ${max}, got "${raw}"`);
  return v;
}

export function numberOption(flag: string, raw: string, min: number, max: number): number {
  const v = DECIMAL.test(raw) ? Number(raw) : NaN;
  if (!Number.isFinite(v) || v < min || v > max) throw new IrsdeError('bad-option', `${flag} must be a number from ${min} to ${max}, got "${raw}"`);
  return v;
}
