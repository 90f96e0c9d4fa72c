// net.ipv4.tcp_tw_recycle: dropped SYNs from clients behind one NAT (per-host timestamps);
// with 4.10's random timestamp offsets it broke most connections. Removed in 4.12 (commit
// "tcp: remove tcp_tw_recycle"). Present and 1 is a finding; use tcp_tw_reuse instead.
import { checkResult, type Check } from './check.ts';

export const twRecycleCheck: Check = ({ inspection }) => {
  const value = inspection.kernel.twRecycle;
  if (value === null) return checkResult('tw-recycle', 'pass', 'absent (removed in 4.12)');
  if (value === 0) return checkResult('tw-recycle', 'pass', 'tcp_tw_recycle=0');
  return checkResult('tw-recycle', 'fail', `tcp_tw_recycle=${value}: SYNs from NATed clients are dropped`, {
    evidence: [`net.ipv4.tcp_tw_recycle=${value} on ${inspection.kernel.release}`],
    fix: 'sysctl -w net.ipv4.tcp_tw_recycle=0 and remove it from /etc/sysctl.d; tcp_tw_reuse is the safe setting',
  });
};
