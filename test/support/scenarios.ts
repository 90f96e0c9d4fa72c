// Named clusters for rendering tests: each Pingmesh pattern, noise, protocol-specific
// faults, nodes without data, and sizes and names that force shortening or grouping.
import type { AnalysisInput } from '../../src/analyse/analyse.ts';
import type { NetworkPath, Protocol } from '../../src/shared/plan.ts';
import { binomial, healthyNoise, matrixResults, nodeNames, RUN, seededRandom, windowedPair, type PairSpec, type PairSpecOf, type ResultOptions } from './agent-results.ts';

export interface Scenario {
  name: string;
  input: AnalysisInput;
}

/** A clean pair of a run with confirmation probing: 300 probes in the main window, 600 more until it was clear. */
const clean: PairSpec = { attempts: 300, confirmation: { attempts: 600, durationMs: 6000 } };
const ZONE = 'topology.kubernetes.io/zone';

interface ClusterSpec {
  nodes: string[];
  protocols?: Protocol[];
  pairs: PairSpecOf;
  results?: (node: string) => ResultOptions;
  paths?: NetworkPath[];
  labels?: (node: string) => Record<string, string>;
  noData?: { node: string; reason: string }[];
}

function cluster(spec: ClusterSpec): AnalysisInput {
  const withData = spec.nodes.filter((node) => !spec.noData?.some((entry) => entry.node === node));
  return {
    run: RUN,
    nodes: spec.nodes.map((name) => ({ name, internalIP: `198.18.0.${spec.nodes.indexOf(name) + 10}`, kernelVersion: null, labels: spec.labels?.(name) ?? {} })),
    results: matrixResults(withData, spec.protocols ?? ['tcp', 'udp', 'dns'], spec.pairs, spec.results, spec.paths),
    noData: spec.noData,
  };
}

const six = nodeNames(6);

/**
 * --window 1m over 15 minutes, 20 probes per window and pair, a little noise: in window 4
 * every pair loses 3 (DNS included: a cluster-wide burst), in window 10 the pairs that
 * leave node-4 lose 8 (a burst around one node). All along, node-2 -> node-5 UDP is slow
 * (a tenth of its echoes at 40 ms): a fault of the whole run beside the bursts.
 */
function timelineBursts(): AnalysisInput {
  const random = seededRandom(7);
  const windows = 15;
  const input = cluster({
    nodes: six,
    pairs: (s, d, p) => ({
      ...windowedPair(20, Array.from({ length: windows }, (_, w) => {
        if (w === 4) return 3;
        if (w === 10 && notDns(p) && s === 'node-4') return 8;
        return binomial(random, 20, 0.001);
      })),
      ...(s === 'node-2' && d === 'node-5' && p === 'udp' && { latencyMs: (i: number) => (i % 10 === 0 ? 40 : 0.5) }),
    }),
    results: () => ({ timeline: { originAt: '2026-01-01T00:00:00.000Z', windowMs: 60_000 } }),
  });
  return { ...input, run: { ...RUN, end: '2026-01-01T00:15:00.000Z', settings: { ...RUN.settings, durationMs: 900_000, windowMs: 60_000 } } };
}
const notDns = (protocol: Protocol) => protocol !== 'dns';
const zoneOf = (nodes: string[]) => (node: string) => ({ [ZONE]: `zone-${'abc'[nodes.indexOf(node) % 3]}` });

export const SCENARIOS: Scenario[] = [
  { name: 'clean-noise', input: cluster({ nodes: six, pairs: healthyNoise(11) }) },
  { name: 'bad-row', input: cluster({ nodes: six, pairs: (s, _d, p) => (s === 'node-3' && notDns(p) ? { attempts: 300, lost: 60 } : clean) }) },
  { name: 'bad-column', input: cluster({ nodes: six, pairs: (_s, d, p) => (d === 'node-5' && p === 'udp' ? { attempts: 300, lost: 9 } : clean) }) },
  { name: 'bad-node', input: cluster({ nodes: six, pairs: (s, d, p) => ((s === 'node-4' || d === 'node-4') && notDns(p) ? { attempts: 300, lost: 30 } : clean) }) },
  { name: 'all-but-diagonal', input: cluster({ nodes: six, pairs: (_s, _d, p) => (p === 'udp' ? { attempts: 300, lost: 12 } : clean) }) },
  {
    name: 'partition',
    input: cluster({
      nodes: six,
      pairs: (s, d, p) => (notDns(p) && six.indexOf(s) < 3 !== six.indexOf(d) < 3 ? { attempts: 300, lost: 300 } : clean),
      labels: (node) => ({ [ZONE]: six.indexOf(node) < 3 ? 'zone-a' : 'zone-b' }),
    }),
  },
  {
    name: 'mixed-faults',
    input: cluster({
      nodes: nodeNames(5),
      pairs: (s, d, p) => {
        if (s === 'node-1' && d === 'node-2' && p === 'tcp') return { attempts: 300, synRetransmits: 15 };
        if (s === 'node-2' && p === 'dns') return { attempts: 300, answeredAtResolverMarks: [9, 1] };
        if (s === 'node-3' && d === 'node-1' && p === 'udp') return { attempts: 300, enobufs: 4 };
        if (d === 'node-4' && p === 'udp') return { attempts: 300, latencyMs: (i) => (i % 10 === 0 ? 40 : 0.5) };
        return clean;
      },
      results: (node) => ({
        kernel: node === 'node-2' ? '4.19.0-21-amd64' : '6.1.0-18-amd64',
        delta: node === 'node-2' ? { ListenOverflows: 15, ListenDrops: 15 } : node === 'node-3' ? { SndbufErrors: 25 } : {},
        // The agents' own floor (connects and echoes to their own listener), about what FIELD-NOTES measured on a veth.
        latencyFloor: { tcpConnect: { p50: [0.35, 0.37, 0.39, 0.41][Number(node.slice(-1)) - 1], p90: 0.45, samples: 50 }, udpEcho: { p50: 0.12, p90: 0.15, samples: 50 } },
      }),
      noData: [{ node: 'node-5', reason: 'pod netprobe-7f2kq could not be scheduled: 0/5 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}' }],
    }),
  },
  {
    name: 'long-names-12',
    input: (() => {
      const nodes = Array.from({ length: 12 }, (_, i) => `ip-10-0-${i + 1}-${17 * i + 5}.eu-west-1.compute.internal`);
      return cluster({ nodes, pairs: (s, d, p) => ((s === nodes[6] || d === nodes[6]) && notDns(p) ? { attempts: 300, lost: 20 } : clean) });
    })(),
  },
  {
    name: 'unrelated-names-12',
    input: (() => {
      const nodes = ['alpha', 'gke-prod-pool-a-1f2e', 'worker-big-03', 'db-primary', 'db-replica', 'ingress-1', 'ingress-2', 'gpu-a100-x8', 'batch', 'edge-lhr', 'edge-fra', 'control'];
      return cluster({ nodes, pairs: (s, d, p) => (s === 'batch' && d === 'db-primary' && p === 'tcp' ? { attempts: 300, lost: 30 } : clean) });
    })(),
  },
  {
    name: 'zones-30',
    input: (() => {
      const nodes = nodeNames(30);
      return cluster({ nodes, protocols: ['tcp', 'dns'], pairs: (s, d) => (s === 'node-7' || d === 'node-7' ? { attempts: 60, lost: 12 } : { attempts: 60 }), labels: zoneOf(nodes) });
    })(),
  },
  {
    name: 'worst-pairs-30',
    input: cluster({ nodes: nodeNames(30), protocols: ['tcp'], pairs: (s, d) => (s === 'node-7' && d === 'node-8' ? { attempts: 60, lost: 12 } : { attempts: 60 }) }),
  },
  {
    // --network both: the overlay between two nodes is broken while the node network is clean.
    name: 'pod-and-host',
    input: cluster({
      nodes: nodeNames(4),
      paths: ['pod', 'host'],
      pairs: (s, d, p, path) => (path === 'pod' && p === 'tcp' && ((s === 'node-1' && d === 'node-3') || (s === 'node-3' && d === 'node-1')) ? { attempts: 300, lost: 300 } : clean),
    }),
  },
  { name: 'timeline-bursts', input: timelineBursts() },
  {
    name: 'dns-only',
    input: cluster({ nodes: six, protocols: ['dns'], pairs: () => ({ attempts: 300, lost: 40 }) }),
  },
];
