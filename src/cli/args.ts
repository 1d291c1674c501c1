/** Option parsing helpers that turn bad values into one clear IrsdeError. */
import { IrsdeError } from '../common/errors.js';

export function intOption(flag: string, raw: string, min: number, max: number): number {
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) throw new IrsdeError('bad-option', `${flag} must be an integer from ${min} to ${max}, got "${raw}"`);
  return v;
}

export function numberOption(flag: string, raw: string, min: number, max: number): number {
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min || v > max) throw new IrsdeError('bad-option', `${flag} must be a number from ${min} to ${max}, got "${raw}"`);
  return v;
}
