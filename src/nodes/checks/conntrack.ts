// Conntrack: a full table drops new flows ("nf_conntrack: table full, dropping packet"), seen
// as timeouts. kube-proxy sets nf_conntrack_max = max(32768 × cores, 131072). insert_failed
// counts the insert races behind parallel A/AAAA DNS losses; drop counts packets dropped for
// want of an entry (Documentation/networking/nf_conntrack-sysctl.rst; field notes).
import { formatPercent } from '../../shared/format.ts';
import { checkResult, type Check } from './check.ts';

const WARN_RATIO = 0.75;
const FAIL_RATIO = 0.9;

export const conntrackCheck: Check = ({ inspection }) => {
  const { count, max, insertFailed, drop } = inspection.conntrack;
  if (count === null || max === null) {
    return checkResult('conntrack', 'pass', 'no conntrack table', { unseen: ['nf_conntrack_count/max unreadable: conntrack not loaded in this namespace'] });
  }
  const ratio = count / max;
  const counters = insertFailed === null ? 'insert_failed/drop unreadable' : `insert_failed ${insertFailed}, drop ${drop} since boot`;
  const evidence = [`${count} of ${max} entries (${formatPercent(ratio)})`, counters];
  const unseen = insertFailed === null ? ['/proc/net/stat/nf_conntrack unreadable'] : [];
  if (ratio >= FAIL_RATIO) {
    return checkResult('conntrack', 'fail', `table ${formatPercent(ratio)} full (${count}/${max})`, { evidence, unseen, fix: 'raise net.netfilter.nf_conntrack_max (kube-proxy --conntrack-max-per-core) or find what opens so many flows' });
  }
  if (ratio >= WARN_RATIO || (insertFailed ?? 0) > 0 || (drop ?? 0) > 0) {
    return checkResult('conntrack', 'warn', ratio >= WARN_RATIO ? `table ${formatPercent(ratio)} full` : counters, {
      evidence, unseen,
      fix: (insertFailed ?? 0) > 0
        ? 'insert_failed > 0: parallel A/AAAA lookups race in conntrack (5 s DNS timeouts): NodeLocal DNSCache, single-request-reopen (glibc) or use-vc; kernels >= 5.6 fix most races'
        : 'watch nf_conntrack_count; raise nf_conntrack_max before it fills',
    });
  }
  return checkResult('conntrack', 'pass', `${count}/${max}`, { evidence, unseen });
};
