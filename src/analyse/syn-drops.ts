// SYN-specific drops: SYNs retransmitted while probes otherwise get through. The field
// notes' suspects: listen queue overflows at the destination (TcpExt ListenOverflows /
// ListenDrops), SNAT port-allocation races (fixed by --random-fully on MASQUERADE) and
// tcp_tw_recycle behind NAT (the sysctl existed until Linux 4.12).
import type { NodeEvidence, PairEvidence } from '../shared/report.ts';
import { kernelBefore } from './kernel.ts';
import { pathCounters } from './nodes.ts';
import type { FindingContext } from './finding-context.ts';
import { cellKey } from './pairs.ts';

export function synDropContext(evidence: readonly PairEvidence[], context: FindingContext): { hint: string; nodes: NodeEvidence[] } {
  const nodes: NodeEvidence[] = [];
  const sentences = ['SYN-specific drops: a lost SYN makes a connect slow, not failed.'];

  const udpSamePairs = evidence.flatMap((e) => context.cells.get(cellKey(e)) ?? []).filter((j) => j.report.protocol === 'udp');
  if (udpSamePairs.length > 0 && udpSamePairs.every((j) => !j.report.flags.includes('loss'))) {
    sentences.push('UDP between the same nodes shows no significant loss, so the drops single out SYNs.');
  }

  // A node's counters come from its prober's network namespace: the node's own on the host
  // network, but on the pod network the prober pod's, not the destination responder's.
  const hostNetwork = evidence.every((e) => e.path === 'host');
  const overflowing: string[] = [];
  for (const destination of hostNetwork ? new Set(evidence.map((e) => e.destination)) : []) {
    const node = context.nodes.get(destination);
    const counters = pathCounters(node, 'host');
    const counts = { ListenOverflows: counters?.ListenOverflows ?? 0, ListenDrops: counters?.ListenDrops ?? 0 };
    if (counts.ListenOverflows + counts.ListenDrops === 0) continue;
    nodes.push({ node: destination, kernelVersion: node?.kernelVersion ?? null, counts });
    overflowing.push(`${destination}: ListenOverflows +${counts.ListenOverflows}, ListenDrops +${counts.ListenDrops}`);
  }
  const oldKernels: string[] = [];
  for (const source of new Set(evidence.map((e) => e.source))) {
    const node = context.nodes.get(source);
    if (kernelBefore(node?.kernelVersion ?? null, 4, 12) !== true) continue;
    nodes.push({ node: source, kernelVersion: node!.kernelVersion, counts: {} });
    oldKernels.push(`${source} runs ${node!.kernelVersion}`);
  }
  const listenQueues = !hostNetwork ? 'not readable from the pod network: --network host reads the nodes\' counters'
    : overflowing.length ? overflowing.join('; ') : 'none counted here';
  const twRecycle = oldKernels.length ? oldKernels.join(', ') : 'no such kernel here';
  sentences.push(`Suspects: listen queue overflows at the destination (${listenQueues}); SNAT port-allocation races`
    + ` (add --random-fully to the MASQUERADE rule); net.ipv4.tcp_tw_recycle=1 behind NAT on kernels before 4.12 (${twRecycle}).`);
  return { hint: sentences.join(' '), nodes };
}
