// Handshakes pass, full-size segments do not: the TCP probes connect, then their
// 16 KiB request stalls. That is the mark of an MTU mismatch (field notes: VXLAN adds
// 50 bytes, IP-in-IP 20, WireGuard 60; small packets such as SYNs and DNS still fit).
import { TRANSFER_TIMEOUT } from '../shared/agent-result.ts';
import type { JudgedPair } from './verdicts.ts';

/** Most of the failures must be stalls for the hint to hold. */
const STALL_SHARE = 0.8;

export function mtuSuspicion(pairs: readonly JudgedPair[]): string {
  const tcp = pairs.filter((j) => j.report.protocol === 'tcp');
  const failures = tcp.reduce((n, j) => n + Object.values(j.report.errors).reduce((a, b) => a + b, 0), 0);
  const stalls = tcp.reduce((n, j) => n + (j.report.errors[TRANSFER_TIMEOUT] ?? 0), 0);
  if (failures === 0 || stalls / failures < STALL_SHARE) return '';
  return `${stalls} of ${failures} failed TCP probes connected, then their request stalled: large packets are lost while small ones (SYNs, UDP echoes, DNS) pass — an MTU mismatch. `
    + 'Compare the overlay MTU plus its encapsulation (VXLAN 50 bytes, IP-in-IP 20, WireGuard 60) with the underlay MTU on these nodes: kubectl netprobe nodes checks it.';
}
