// Paced probing: each series fires at `ratePerSecond` with ±JITTER around the
// interval, and each starts at a random point of its first interval so that N
// agents × M peers do not fire in lockstep (no thundering herd, no phase lock
// with periodic system activity).
const JITTER = 0.2;

export interface PacedLoop {
  /** Resolves when the window has closed and every started probe has finished. */
  done: Promise<void>;
  /** Closes the window now; probes in flight are abandoned (not counted). */
  stop(): void;
}

/** Probes from `fromMs` until `toMs` (performance.now() times: spans of several loops then meet exactly). */
export function pace(ratePerSecond: number, fromMs: number, toMs: number, probe: (firedAt: number) => Promise<void>, random = Math.random): PacedLoop {
  const intervalMs = 1000 / ratePerSecond;
  const endAt = toMs;
  const inFlight = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let finish!: () => void;
  const windowClosed = new Promise<void>((resolve) => (finish = resolve));
  let stopped = false;

  const fire = () => {
    const firedAt = performance.now();
    if (stopped || firedAt >= endAt) return finish();
    // Node's timers count from the event loop's cached clock, so one can come a few ms early:
    // a span's first probe never before the span (it would be counted in the window before).
    if (firedAt < fromMs) {
      timer = setTimeout(fire, fromMs - firedAt);
      return;
    }
    const p = probe(firedAt).finally(() => inFlight.delete(p));
    inFlight.add(p);
    timer = setTimeout(fire, intervalMs * (1 - JITTER + 2 * JITTER * random()));
  };
  timer = setTimeout(fire, Math.max(0, fromMs - performance.now()) + intervalMs * random());

  const done = windowClosed.then(async () => {
    if (!stopped) await Promise.all(inFlight);
  });
  return {
    done,
    stop() {
      stopped = true;
      clearTimeout(timer);
      finish();
    },
  };
}
