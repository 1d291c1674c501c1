/** Terminal rendering of progress events: one rewritten line on a TTY, sparse plain lines otherwise. */
import type { IrsdeEvent } from '../common/events.js';

export function eventPrinter(json: boolean): (e: IrsdeEvent) => void {
  if (json) return (e) => process.stdout.write(JSON.stringify(e) + '\n');
  const tty = process.stderr.isTTY === true;
  let lastPrinted = 0;
  const t0 = performance.now();
  return (e) => {
    if (e.type !== 'progress') {
      if (e.type === 'warning' || e.type === 'error') process.stderr.write(`${tty ? '\n' : ''}irsde: ${e.message}\n`);
      return;
    }
    const now = performance.now();
    const done = e.step !== undefined && e.steps !== undefined && e.step >= e.steps;
    if (!done && now - lastPrinted < (tty ? 100 : 2000)) return;
    lastPrinted = now;
    const frac = e.step && e.steps ? e.step / e.steps : 0;
    const elapsed = (now - t0) / 1000;
    const rate = e.step ? e.step / elapsed : 0;
    const eta = rate > 0 && e.steps && e.step ? (e.steps - e.step) / rate : 0;
    const width = 24;
    const bar = '█'.repeat(Math.round(frac * width)).padEnd(width, '░');
    const parts = [`${e.stage} ${bar} ${e.step ?? 0}/${e.steps ?? '?'}`];
    if (e.tile !== undefined) parts.push(`tile ${e.tile}/${e.tiles}`);
    if (typeof e.loss === 'number') parts.push(`loss ${e.loss.toFixed(5)}`);
    parts.push(`${rate.toFixed(2)} it/s`, `ETA ${eta.toFixed(0)}s`);
    const line = parts.join('  ');
    if (tty) process.stderr.write(`\r${line}\x1b[K${done ? '\n' : ''}`);
    else process.stderr.write(line + '\n');
  };
}
