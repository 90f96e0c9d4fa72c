// Plans that do not grow with the cluster (PHASE-B §4): a prober's peers from the mounted roster
// by a ring rule, the same pairs the CLI plans (src/shared/ring.ts), rotating per window.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePlan } from '../../src/agent/plan-input.ts';
import { readRoster, rosterPeers, windowRuns } from '../../src/agent/roster-peers.ts';
import type { AgentResult } from '../../src/shared/agent-result.ts';
import type { AgentPlan, RosterPeers } from '../../src/shared/plan.ts';
import { ringPairs } from '../../src/shared/ring.ts';
import { ROSTER_KIND, ROSTER_VERSION, type Roster } from '../../src/shared/roster.ts';
import { runAgent, seriesOf } from '../support/agent-process.ts';
import { describeAsRoot, TestNet } from '../support/netns.ts';

const names = (n: number) => Array.from({ length: n }, (_, i) => `node-${i}`);
function roster(nodes: string[], addresses: Roster['addresses'] = { pod: nodes.map((_, i) => [`198.19.${i}.5`]) }): Roster {
  return { kind: ROSTER_KIND, rosterVersion: ROSTER_VERSION, runToken: 'r', tcpPort: 7400, udpPort: 7401, nodes, addresses };
}
const rule = (k: number, rotate?: boolean): RosterPeers => ({ file: '/etc/netprobe/roster.json', paths: ['pod'], rule: { kind: 'ring', k, ...(rotate !== undefined && { rotate }) } });

describe('peers from the roster', () => {
  test('a ring sample: the CLI\'s pairs, each at its roster address and the roster\'s ports', () => {
    const nodes = names(40);
    const expected = ringPairs(nodes, 5);
    for (const node of nodes) {
      const peers = rosterPeers(roster(nodes), node, rule(5), 1);
      expect(peers.map((p) => p.peer.node).sort()).toEqual(expected.filter((p) => p.source === node).map((p) => p.destination).sort());
      expect(peers.every((p) => p.windows === null)).toBe(true);
      const i = nodes.indexOf(peers[0].peer.node);
      expect(peers[0].peer).toEqual({ node: nodes[i], ip: `198.19.${i}.5`, tcpPort: 7400, udpPort: 7401, path: 'pod' });
    }
    // k past the ring: every other node, a full mesh.
    expect(rosterPeers(roster(names(6)), 'node-0', rule(50), 1)).toHaveLength(5);
  });

  test('rotating: window w probes the CLI\'s pairs of window w; every pair within ceil((N-1)/k) windows', () => {
    const nodes = names(11);
    const windows = 7; // ceil(10 / 3) = 4 windows cover the ring; 7 wrap around it
    for (const node of nodes) {
      const peers = rosterPeers(roster(nodes), node, rule(3, true), windows);
      expect(new Set(peers.map((p) => p.peer.node)).size).toBe(10);
      for (let w = 0; w < windows; w++) {
        const active = peers.filter((p) => p.windows === null || p.windows.includes(w)).map((p) => p.peer.node).sort();
        expect(active).toEqual(ringPairs(nodes, 3, w).filter((p) => p.source === node).map((p) => p.destination).sort());
      }
      const firstWindow = peers.map((p) => p.windows![0]);
      expect(Math.max(...firstWindow)).toBe(3);
    }
  });

  test('every address of each path the plan names; a path the roster lacks, or an empty entry, is not probed', () => {
    const nodes = names(4);
    const addresses = {
      pod: [['198.19.0.5', '2001:db8:1::5'], [], ['198.19.2.5'], ['198.19.3.5']],
      service: [['198.18.64.20'], ['198.18.64.21'], ['198.18.64.22'], ['198.18.64.23']],
    };
    const peers = rosterPeers(roster(nodes, addresses), 'node-0', { ...rule(3), paths: ['pod', 'service', 'host'] }, 1).map((p) => `${p.peer.path} ${p.peer.node} ${p.peer.ip}`);
    expect(peers.sort()).toEqual([
      'pod node-2 198.19.2.5', 'pod node-3 198.19.3.5',
      'service node-1 198.18.64.21', 'service node-2 198.18.64.22', 'service node-3 198.18.64.23',
    ]);
    expect(rosterPeers(roster(nodes, addresses), 'node-1', rule(3), 1).map((p) => p.peer.ip)).toContain('2001:db8:1::5');
  });

  test('windows as runs of consecutive ones', () => {
    expect(windowRuns([0, 1, 2, 5, 7, 8])).toEqual([[0, 2], [5, 5], [7, 8]]);
    expect(windowRuns([])).toEqual([]);
  });

  const file = (doc: unknown) => () => JSON.stringify(doc);
  test.each([
    ['not JSON', () => '{', 'cannot read the roster'],
    ['another kind', file({ ...roster(names(3)), kind: 'x' }), 'is not a netprobe roster of version 1'],
    ['another run', file({ ...roster(names(3)), runToken: 'other' }), 'belongs to another run ("other")'],
    ['a node twice', file(roster(['a', 'b', 'a'])), 'roster.nodes names a node twice'],
    ['lists out of step with the nodes', file({ ...roster(names(3)), addresses: { pod: [['1.2.3.4']] } }), 'roster.addresses.pod has 1 entries for 3 nodes'],
    ['an unknown path', file({ ...roster(names(3)), addresses: { overlay: [[], [], []] } }), 'roster.addresses.overlay: not one of pod, host, service'],
    ['a bad port', file({ ...roster(names(3)), tcpPort: 0 }), 'roster.tcpPort must be a port 1..65535, got 0'],
  ])('refuses a roster with %s', (_case, read, message) => {
    expect(() => readRoster('/r.json', 'r', read)).toThrow(message);
  });

  test('a node the roster does not list, and a rotation without windows, are refused', () => {
    expect(() => rosterPeers(roster(names(3)), 'node-9', rule(1), 1)).toThrow('node node-9 is not in the roster');
    const plan = { planVersion: 1, runToken: 'r', node: 'n', protocols: ['tcp'], durationMs: 1000, peers: [], roster: rule(2, true) };
    expect(() => parsePlan(JSON.stringify(plan))).toThrow('roster.rule.rotate needs windowMs');
    expect(parsePlan(JSON.stringify({ ...plan, windowMs: 500 })).roster).toEqual(rule(2, true));
    expect(() => parsePlan(JSON.stringify({ ...plan, roster: { ...rule(2), rule: { kind: 'random', k: 2 } } }))).toThrow('roster.rule.kind must be "ring"');
  });
});

// Five agents on one bridge, each probing 2 ring peers a window out of 4, rotating over 4 windows
// of 1 s: each pair in 2 of them, and a blackhole on one pair seen exactly in its windows.
describeAsRoot('rotating ring peers on a real network', () => {
  const net = new TestNet();
  const tmp = mkdtempSync(join(tmpdir(), 'netprobe-roster-'));
  const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];
  const ipOf = (node: string) => `198.18.204.${nodes.indexOf(node) + 1}`;
  const results = new Map<string, AgentResult>();
  const WINDOWS = 4;
  // The fault: everything from the first node to its first ring successor is dropped.
  const [faultFrom, faultTo] = [ringPairs(nodes, 2, 0)[0].source, ringPairs(nodes, 2, 0)[0].destination];

  beforeAll(async () => {
    const sw = net.namespace('sw');
    net.bridge(sw);
    const ns = new Map(nodes.map((node) => {
      const name = net.namespace(node);
      net.plug(name, `${ipOf(node)}/24`, sw);
      return [node, name];
    }));
    net.nft(sw, `table bridge nptest_roster {\n  chain forward {\n    type filter hook forward priority 0;\n    ip saddr ${ipOf(faultFrom)} ip daddr ${ipOf(faultTo)} drop\n  }\n}\n`);
    const file = join(tmp, 'roster.json');
    writeFileSync(file, JSON.stringify({ ...roster(nodes, { pod: nodes.map((n) => [ipOf(n)]) }), runToken: 'rostertest', tcpPort: 9600, udpPort: 9601 }));
    const startAt = new Date(Date.now() + 1500).toISOString();
    const exits = await Promise.all(nodes.map((node) => {
      const plan: AgentPlan = {
        planVersion: 1, runToken: 'rostertest', node, startAt, listen: { tcpPort: 9600, udpPort: 9601 }, protocols: ['udp'],
        durationMs: WINDOWS * 1000, windowMs: 1000, ratePerSecond: 10, tcpTimeoutMs: 1000, udpTimeoutMs: 300, tcpPayloadBytes: 0,
        peers: [], roster: { file, paths: ['pod'], rule: { kind: 'ring', k: 2, rotate: true } },
      };
      return runAgent(plan, { net, ns: ns.get(node)! }).then((exit) => ({ node, exit }));
    }));
    for (const { node, exit } of exits) {
      if (exit.code !== 0 || !exit.result) throw new Error(`agent ${node} exited ${exit.code}: ${exit.stderr}`);
      results.set(node, exit.result);
    }
  }, 60_000);

  afterAll(() => {
    net.dispose();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('each agent probes all 4 others over the run, each in the windows the rotation gives it, 2 a window', () => {
    for (const node of nodes) {
      const result = results.get(node)!;
      expect(result.series.map((s) => s.destination).sort()).toEqual(nodes.filter((n) => n !== node).sort());
      for (let w = 0; w < WINDOWS; w++) {
        const probed = result.series.filter((s) => (s.windows!.attempts[w] ?? 0) > 0).map((s) => s.destination).sort();
        expect(probed).toEqual(ringPairs(nodes, 2, w).filter((p) => p.source === node).map((p) => p.destination).sort());
      }
      // 2 of the 4 windows each, at 10/s: ~20 probes, none outside them.
      for (const s of result.series) {
        expect(s.attempts).toBeGreaterThanOrEqual(14);
        expect(s.attempts).toBeLessThanOrEqual(26);
      }
    }
  });

  test('the blackholed pair fails in its windows only; every other pair is clean', () => {
    for (const [node, result] of results) {
      for (const s of result.series) {
        const lost = s.attempts - s.successes;
        if (node === faultFrom && s.destination === faultTo) {
          expect(lost).toBe(s.attempts);
          expect(s.windows!.failures).toEqual(s.windows!.attempts);
        } else if (!(node === faultTo && s.destination === faultFrom)) {
          expect(lost).toBe(0);
        }
      }
    }
    // The answers of the reverse pair cross the blackhole too, as on a real network.
    const back = seriesOf(results.get(faultTo)!, 'udp', faultFrom);
    expect(back.successes).toBe(0);
  });
});
