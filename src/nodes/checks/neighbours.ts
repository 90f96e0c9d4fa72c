// The neighbour (ARP) table: past gc_thresh3 (hard limit) new entries fail with ENOBUFS
// ("neighbour: arp_cache: neighbor table overflow!", table_fulls in /proc/net/stat/arp_cache);
// past gc_thresh2 the kernel collects aggressively. Defaults 128/512/1024
// (Documentation/networking/ip-sysctl.rst, neigh/default/gc_thresh1..3). The table and its
// thresholds are shared by all namespaces and visible only from the host's initial one. Each
// pod on the node is a neighbour of it: keep pods (and entries) well below gc_thresh2.
import { checkResult, type Check } from './check.ts';

const KERNEL_DEFAULT_THRESHOLDS: [number, number, number] = [128, 512, 1024];
/** "Approaching gc_thresh2". */
const NEAR_RATIO = 0.8;

export const neighboursCheck: Check = ({ node, inspection }) => {
  const { entries, gcThresh, kernelTable } = inspection.neighbours;
  const unseen: string[] = [];
  if (!gcThresh) unseen.push(`gc_thresh1/2/3 not readable here (they exist only in the host's initial network namespace): compared with the kernel defaults ${KERNEL_DEFAULT_THRESHOLDS.join('/')}, which this node may not use`);
  if (!kernelTable) unseen.push('/proc/net/stat/arp_cache not readable here: entries counted in this namespace only, table_fulls unknown');
  const [, thresh2, thresh3] = gcThresh ?? KERNEL_DEFAULT_THRESHOLDS;
  const count = kernelTable?.entries ?? entries.length;
  const thresholds = `gc_thresh2 ${thresh2}, gc_thresh3 ${thresh3}${gcThresh ? '' : ' (kernel defaults)'}`;
  const evidence = [
    `entries ${count} (${kernelTable ? 'whole kernel table' : 'this namespace'}); gc_thresh ${(gcThresh ?? KERNEL_DEFAULT_THRESHOLDS).join('/')}${gcThresh ? '' : ' (defaults)'}`,
    `pods on the pod network on this node ${node.pods}${node.maxPods === null ? '' : ` (allocatable ${node.maxPods})`}`,
    kernelTable ? `table_fulls ${kernelTable.tableFulls} since boot` : 'table_fulls unknown (arp_cache not readable)',
  ];
  const raise = `raise net.ipv4.neigh.default.gc_thresh1/2/3 on the host (e.g. ${thresh2 * 4}/${thresh3 * 4}/${thresh3 * 8}), or run fewer pods per node (below gc_thresh2)`;
  if ((kernelTable?.tableFulls ?? 0) > 0 || count >= thresh3) {
    return checkResult('neighbours', 'fail', kernelTable?.tableFulls ? `table overflowed ${kernelTable.tableFulls}× (ENOBUFS)` : `${count} entries at gc_thresh3 ${thresh3}`, { evidence, unseen, fix: raise });
  }
  const near = thresh2 * NEAR_RATIO;
  if (count >= near || node.pods >= near || (node.maxPods ?? 0) >= thresh2) {
    const what = count >= near ? `${count} entries` : node.pods >= near ? `${node.pods} pods` : `max ${node.maxPods} pods`;
    return checkResult('neighbours', 'warn', `${what} near gc_thresh2 ${thresh2}`, { evidence, unseen, fix: raise });
  }
  // The table against its limits, and plainly what could not be read.
  const table = kernelTable ? `${count} entries, table_fulls ${kernelTable.tableFulls}` : `${count} entries in this namespace, table_fulls not readable`;
  return checkResult('neighbours', 'pass', `${table}; ${thresholds}; pods ${node.pods}`, { evidence, unseen });
};
