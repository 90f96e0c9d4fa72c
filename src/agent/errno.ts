// One probe outcome from a socket error: the classes a person acts on, else the errno name.
import type { ProbeOutcome } from '../shared/agent-result.ts';

export function outcomeOfError(err: unknown): ProbeOutcome {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ECONNREFUSED': return 'refused';
    case 'ECONNRESET': return 'reset';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH': return 'unreachable';
    case 'ETIMEDOUT': return 'timeout';
    // Neighbour table overflow: ENOBUFS before 3.6 and from 6.6, EINVAL between (field notes).
    case 'ENOBUFS': return 'ENOBUFS';
    case undefined: return 'error';
    default: return code;
  }
}
