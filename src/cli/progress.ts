// Progress on stderr. On a TTY a status line updates in place ("responders: 3200/5000
// created"), at most every STATUS_INTERVAL_MS however many pods change; otherwise (CI logs,
// redirects) one line per phase and nothing for the ticking status.
import type { Progress } from '../deploy/session.ts';

/** A status line is redrawn at most this often: 10,000 pods change state ~50,000 times in a run. */
const STATUS_INTERVAL_MS = 100;

export function stderrProgress(stream: NodeJS.WriteStream = process.stderr, quiet = false): Progress & { done(): void } {
  const tty = stream.isTTY === true;
  let statusShown = false;
  let lastDrawn = 0;
  let pending: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  const draw = (text: string) => {
    stream.write(`\r\x1b[2K${text}`);
    statusShown = true;
    lastDrawn = Date.now();
  };
  const clearStatus = () => {
    clearTimeout(timer);
    timer = undefined;
    pending = undefined;
    if (statusShown) stream.write('\r\x1b[2K');
    statusShown = false;
  };
  return {
    phase(text) {
      if (quiet) return;
      clearStatus();
      stream.write(`${text}\n`);
    },
    status(text) {
      if (quiet || !tty) return;
      const wait = lastDrawn + STATUS_INTERVAL_MS - Date.now();
      if (wait <= 0) return draw(text);
      // The latest text is drawn when its turn comes.
      pending = text;
      timer ??= setTimeout(() => {
        timer = undefined;
        if (pending !== undefined) draw(pending);
        pending = undefined;
      }, wait).unref();
    },
    warn(text) {
      clearStatus();
      stream.write(`warning: ${text}\n`);
    },
    done: clearStatus,
  };
}
