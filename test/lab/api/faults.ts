// Fault injection for the plugin's retry tests: answer the next N matching requests with
// 429 (and Retry-After, as the API Priority and Fairness filter does) or 500, and count
// requests so benchmarks can report API load.
import { ApiError, internalError, tooManyRequests } from './status.ts';

export interface ErrorFault {
  code: 429 | 500;
  /** How many matching requests get the error. */
  count: number;
  /** e.g. 'create', 'list', 'watch'; any verb when absent. */
  verb?: string;
  /** e.g. 'pods', 'pods/log'; any resource when absent. */
  resource?: string;
  /** For 429, the Retry-After header (seconds); 1 by default. */
  retryAfterSeconds?: number;
}

export class Faults {
  private errors: ErrorFault[] = [];
  private readonly counts = new Map<string, number>();

  inject(fault: ErrorFault): void {
    if (fault.code !== 429 && fault.code !== 500) throw new ApiError(400, 'BadRequest', `fault code must be 429 or 500, not ${String(fault.code)}`);
    if (!(Number.isInteger(fault.count) && fault.count > 0)) throw new ApiError(400, 'BadRequest', 'fault count must be a positive integer');
    this.errors.push({ ...fault });
  }

  clear(): void {
    this.errors = [];
  }

  /** Counts the request, then throws the injected error if one matches. */
  check(verb: string, resource: string): void {
    const key = `${verb} ${resource}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    const fault = this.errors.find((f) => (!f.verb || f.verb === verb) && (!f.resource || f.resource === resource));
    if (!fault) return;
    if (--fault.count === 0) this.errors.splice(this.errors.indexOf(fault), 1);
    throw fault.code === 429 ? tooManyRequests(fault.retryAfterSeconds ?? 1) : internalError('injected by the lab');
  }

  /** Requests served per "verb resource", e.g. { "create pods": 10, "watch pods": 1 }. */
  requestCounts(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}
