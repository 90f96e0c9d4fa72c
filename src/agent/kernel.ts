// The client kernel's SYN retransmission settings: they decide how connect times
// translate into lost SYNs. Both sysctls are per network namespace.
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import type { AgentResult } from '../shared/agent-result.ts';

const CLASSIC_SYN_RETRIES = 6; // net.ipv4.tcp_syn_retries default (ip-sysctl.rst)

export function readKernelInfo(warnings: string[], readFile = (p: string) => readFileSync(p, 'utf8')): AgentResult['kernel'] {
  const sysctl = (name: string): number | null => {
    try {
      return Number(readFile(`/proc/sys/net/ipv4/${name}`).trim());
    } catch {
      return null;
    }
  };
  let synRetries = sysctl('tcp_syn_retries');
  if (synRetries === null) {
    warnings.push(`net.ipv4.tcp_syn_retries unreadable: assuming the default ${CLASSIC_SYN_RETRIES}`);
    synRetries = CLASSIC_SYN_RETRIES;
  }
  // Absent before Linux 6.5: the classic exponential schedule applies.
  return { release: release(), synLinearTimeouts: sysctl('tcp_syn_linear_timeouts'), synRetries };
}
