// Kernel: does the API's nodeInfo.kernelVersion (read by the kubelet when it started) match
// what runs (uname -r in the pod)? And how must SYN timings be read on this node: from 6.5,
// net.ipv4.tcp_syn_linear_timeouts (default 4) keeps the first retransmits 1 s apart
// (Documentation/networking/ip-sysctl.rst); before, they double from 1 s (1, 3, 7, 15 … s).
// Before 5.0 (a third race: 5.6) conntrack could drop one of a parallel A/AAAA pair: 5 s DNS
// timeouts (field notes; the netfilter clash-resolution fixes).
import { synRetransmitMarks } from '../../agent/syn-schedule.ts';
import { checkResult, type Check } from './check.ts';

const CLASSIC_SYN_RETRIES = 6; // net.ipv4.tcp_syn_retries default
const CONNTRACK_RACE_FIXED = [5, 0];

export const kernelCheck: Check = ({ node, inspection }) => {
  const { release, synLinearTimeouts, synRetries } = inspection.kernel;
  const marks = synRetransmitMarks(synLinearTimeouts, synRetries ?? CLASSIC_SYN_RETRIES).map((ms) => ms / 1000);
  const schedule = synLinearTimeouts === null
    ? `tcp_syn_linear_timeouts absent: exponential SYN schedule, retransmits at ${marks.join(', ')} s; a connect of ~1 s is 1 lost SYN, ~3 s 2, ~7 s 3`
    : `tcp_syn_linear_timeouts=${synLinearTimeouts}: SYN retransmits at ${marks.join(', ')} s; a connect of ~k s (k <= ${synLinearTimeouts + 1}) is k lost SYNs`;
  const evidence = [`uname -r ${release}; API nodeInfo.kernelVersion ${node.kernelVersion ?? '(none)'}`, schedule];
  const unseen = synRetries === null ? ['net.ipv4.tcp_syn_retries unreadable: assumed the default 6'] : [];
  if (node.kernelVersion !== null && node.kernelVersion !== release) {
    return checkResult('kernel', 'warn', `runs ${release}, the API says ${node.kernelVersion}`, {
      evidence, unseen, fix: 'the kubelet reports the kernel it saw at start: restart the kubelet (or finish the reboot) so inventory and kernel-based grouping see the running kernel',
    });
  }
  const [major, minor] = release.split('.').map(Number);
  if (major < CONNTRACK_RACE_FIXED[0]) {
    return checkResult('kernel', 'warn', `${release}: conntrack may drop parallel A/AAAA queries (5 s DNS timeouts)`, {
      evidence, unseen, fix: 'upgrade to 5.x (the races are fixed in 5.0 and 5.6), or use NodeLocal DNSCache / single-request-reopen meanwhile',
    });
  }
  return checkResult('kernel', 'pass', `${release} (${major}.${minor}), SYN ${synLinearTimeouts === null ? 'exponential' : `linear ${synLinearTimeouts}`}`, { evidence, unseen });
};
