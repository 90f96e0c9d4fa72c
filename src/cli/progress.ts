// Progress on stderr. On a TTY a status line updates in place; otherwise (CI logs,
// redirects) one line per phase and nothing for the ticking status.
import type { Progress } from '../deploy/session.ts';

export function stderrProgress(stream: NodeJS.WriteStream = process.stderr, quiet = false): Progress & { done(): void } {
  const tty = stream.isTTY === true;
  let statusShown = false;
  const clearStatus = () => {
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
      stream.write(`\r\x1b[2K${text}`);
      statusShown = true;
    },
    warn(text) {
      clearStatus();
      stream.write(`warning: ${text}\n`);
    },
    done: clearStatus,
  };
}
