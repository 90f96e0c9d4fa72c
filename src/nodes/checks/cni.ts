// The CNI and its agent on this node. Flannel's and Calico's debugging guides start here
// ("make sure flanneld is running on all nodes", "check calico-node pods are running
// everywhere"): without its agent a node keeps stale routes and loses new peers. The agent
// pod is found by its labels (../cni.ts); interfaces confirm which CNI programs the node.
import { CNIS, cnisOfInterfaces } from '../cni.ts';
import { checkResult, type Check } from './check.ts';

export const cniCheck: Check = ({ node, inspection, cluster, cnis }) => {
  const here = cnisOfInterfaces(inspection.interfaces);
  const evidence = [
    here.length ? `interfaces: ${here.map(({ cni, names }) => `${names.join(', ')} (${cni.name})`).join('; ')}` : 'no CNI interface (flannel.*, tunl0 up, vxlan.calico, weave, cilium_*)',
  ];
  if (cnis.length === 0) {
    return checkResult('cni', 'warn', 'no known CNI', { evidence, fix: `netprobe knows ${CNIS.map((c) => c.name).join(', ')} by their agent pods' labels and interfaces; check this node's CNI by hand` });
  }
  const problems: string[] = [];
  const unseen: string[] = [];
  for (const name of cnis) {
    const cni = CNIS.find((c) => c.name === name)!;
    const agentsInCluster = cluster.agentPods.filter((p) => p.cni === name);
    const agents = agentsInCluster.filter((p) => p.node === node.name);
    evidence.push(...agents.map((p) => `${cni.agent} pod ${p.pod}: ${p.state === 'ready' ? 'Running, Ready' : p.state}`));
    if (agentsInCluster.length === 0) {
      unseen.push(`no ${cni.agent} pod anywhere (labels ${cni.podLabels.map((l) => Object.entries(l).map(([k, v]) => `${k}=${v}`).join(',')).join(' or ')}): it may run outside Kubernetes; whether it runs is not visible`);
    } else if (agents.length === 0) {
      problems.push(`no ${cni.agent} pod on this node (${new Set(agentsInCluster.map((p) => p.node)).size} other nodes have one)`);
    } else if (!agents.some((p) => p.state === 'ready')) {
      problems.push(`${cni.agent} not ready: ${agents.map((p) => `${p.pod} ${p.state}`).join(', ')}`);
    }
  }
  const foreign = here.filter(({ cni }) => !cnis.includes(cni.name));
  if (problems.length) {
    return checkResult('cni', 'fail', problems.join('; '), { evidence, unseen, fix: `kubectl -n <ns> describe pod / logs of the agent; its DaemonSet must tolerate this node's taints` });
  }
  const names = cnis.join('+');
  if (foreign.length || unseen.length) {
    return checkResult('cni', 'warn', foreign.length ? `${names}, but interfaces of ${foreign.map(({ cni }) => cni.name).join(', ')}` : `${names}: agent pod not found`, {
      evidence, unseen, fix: foreign.length ? 'leftovers of an earlier CNI confuse routing: remove their interfaces (or reboot the node)' : 'check the agent on the node itself (systemctl status flanneld / calico-node)',
    });
  }
  return checkResult('cni', 'pass', `${names}, agent ready`, { evidence });
};
