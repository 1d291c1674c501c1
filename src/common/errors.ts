/**
 * The one error type irsde throws for anything a user can fix (bad input, missing file, bad option).
 * The CLI prints `message` (and `hint`) on one line and never a stack trace; library users can switch on `code`.
 */
export class IrsdeError extends Error {
  readonly code: string;
  readonly hint?: string;
  readonly file?: string;
  constructor(code: string, message: string, opts: { hint?: string; file?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'IrsdeError';
    this.code = code;
    this.hint = opts.hint;
    this.file = opts.file;
  }
}

export function isIrsdeError(e: unknown): e is IrsdeError {
  return e instanceof IrsdeError;
}
