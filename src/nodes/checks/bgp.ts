// BGP, where Calico runs it (not in its VXLAN mode, which has no BIRD): BIRD listens on TCP 179
// and, in Calico's default node-to-node mesh, holds a session with every other node (Calico
// docs: BGP configuration, node-to-node mesh). Sessions are read as ESTABLISHED sockets to
// peers' node IPs in /proc/net/tcp{,6}; with route reflectors a node peers with those only.
import type { NodeInspection } from '../../shared/inspection.ts';
import type { NodeFacts } from '../cluster-facts.ts';
import { checkResult, peersOf, type Check } from './check.ts';
import { judgeGaps } from './peer-gaps.ts';

function sessionGaps(inspection: NodeInspection, nodes: readonly NodeFacts[]): string[] {
  const established = new Set(inspection.bgpSockets.filter((s) => s.state === 'established').map((s) => s.remoteAddress));
  return nodes.filter((p) => p.name !== inspection.node && p.internalIP && !established.has(p.internalIP)).map((p) => p.name);
}

export const bgpCheck: Check = (ctx) => {
  const runsBgp = ctx.cnis.includes('calico') && !ctx.inspection.interfaces.some((i) => i.name === 'vxlan.calico');
  if (!runsBgp) return null;
  const peers = peersOf(ctx);
  const listening = ctx.inspection.bgpSockets.some((s) => s.state === 'listen');
  const gaps = new Map([...ctx.inspections].map(([name, i]) => [name, sessionGaps(i, ctx.cluster.nodes)]));
  const sessions = judgeGaps(ctx.node.name, gaps);
  const up = peers.length - sessions.own.length - sessions.theirs.length;
  const evidence = [`TCP 179 ${listening ? 'listening' : 'not listening'}`, `sessions established with ${up} of ${peers.length} peers`];
  const unseen = ['BIRD\'s own session state (birdcl) is not reachable from the pod: a session is an established TCP connection on port 179'];
  const fix = 'calico-node\'s BIRD is not running or not peering: kubectl logs of calico-node (-c calico-node), `calicoctl node status` on the node';
  if (!listening) return checkResult('bgp', 'fail', 'nothing listens on TCP 179: BIRD is not running', { evidence, unseen, fix });
  if (peers.length && up === 0 && sessions.own.length) return checkResult('bgp', 'fail', 'no BGP session with any peer', { evidence, unseen, fix });
  if (sessions.own.length) {
    return checkResult('bgp', 'warn', `no session with ${sessions.own.join(', ')}`, { evidence, unseen: [...unseen, 'with route reflectors a node peers only with them'], fix });
  }
  if (sessions.theirs.length) return checkResult('bgp', 'warn', `no session with ${sessions.theirs.join(', ')} (nobody has one: see there)`, { evidence, unseen, fix: `fix ${sessions.theirs.join(', ')} first` });
  return checkResult('bgp', 'pass', `listening, ${up}/${peers.length} sessions`, { evidence, unseen });
};
