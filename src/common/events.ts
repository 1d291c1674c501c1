/**
 * One event shape for everything the library reports: progress, results, warnings and errors.
 * The CLI prints these as JSON lines with `--json`, and renders them as a progress bar / text otherwise.
 */
export type IrsdeEvent =
  | { type: 'progress'; stage: string; step?: number; steps?: number; tile?: number; tiles?: number; loss?: number; message?: string; [k: string]: unknown }
  | { type: 'result'; stage: string; [k: string]: unknown }
  | { type: 'warning'; message: string; file?: string; code?: string }
  | { type: 'error'; message: string; code: string; file?: string; hint?: string }
  | { type: 'info'; message: string; [k: string]: unknown };

export type EventSink = (event: IrsdeEvent) => void;

export const noEvents: EventSink = () => {};
