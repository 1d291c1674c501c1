/**
 * Ctrl-C handling shared by the long-running commands: the first signal asks for a clean stop, a second one
 * quits at once. A wrapper that forwards the terminal's SIGINT to its child (tsx, some npm versions) delivers one
 * key press twice, a few milliseconds apart: repeats within REPEAT_MS of the first count as that same press.
 * (Signals are timed when their handler runs, so a real second press during a long synchronous stretch may land
 * in that window and be taken for the first; pressing again later still quits. SIGTERM counts like SIGINT.)
 */
const REPEAT_MS = 500;

/** Returns a function to call on each signal: 'first', 'again' (a second press) or 'echo' (the same press delivered twice). */
export function signalCounter(now: () => number = () => performance.now()): () => 'first' | 'again' | 'echo' {
  let first: number | null = null;
  return () => {
    const t = now();
    if (first === null) { first = t; return 'first'; }
    return t - first < REPEAT_MS ? 'echo' : 'again';
  };
}
