// How many SYN retransmits a connect went through, read off its duration.
// A lost SYN is no error: connect() just takes one more retransmission timeout.
// Schedule (net/ipv4/tcp_timer.c, tcp_retransmit_timer): the first SYN has the
// initial RTO of 1 s (TCP_TIMEOUT_INIT, RFC 6298 §2.1). While the retransmit count
// is <= tcp_syn_linear_timeouts (Linux >= 6.5, default 4) the RTO stays 1 s, after
// that it doubles. Classic kernels (no such sysctl) double from the first: SYNs at
// 0, 1, 3, 7, 15, 31, 63 s; linear 4: 0, 1, 2, 3, 4, 5, 7, 11 s (field notes).

const INITIAL_RTO_MS = 1000;

/** Cumulative send times (ms) of retransmits 1..retries. */
export function synRetransmitMarks(linearTimeouts: number | null, retries: number): number[] {
  const linear = linearTimeouts ?? 0;
  const marks: number[] = [];
  let at = 0;
  let rto = INITIAL_RTO_MS;
  for (let k = 1; k <= retries; k++) {
    at += rto;
    marks.push(at);
    if (k > linear) rto *= 2;
  }
  return marks;
}

/**
 * Retransmits a connect needed (success) or sent before it ended (failure), given
 * its duration. A mark counts once the connect outlived it: retransmit k leaves at
 * mark k, so a handshake that completes after mark k needed k of them.
 */
export function inferSynRetransmits(connectMs: number, marks: readonly number[]): number {
  let n = 0;
  while (n < marks.length && marks[n] <= connectMs) n++;
  return n;
}
