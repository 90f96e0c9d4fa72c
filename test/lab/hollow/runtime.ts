// The hollow lab's container runtime, like kubemark's hollow kubelets: a PodRuntime (contracts.ts)
// that starts no process and makes no network namespace, so neither root nor time is needed
// for thousands of pods. The kubelet loop above it (api/kubelet.ts) is the real lab's; below it:
//  - a container running the netprobe agent (a node image whose command runs a mounted file
//    holding the agent) is a HollowAgent: its plan read by the agent's own reader from the
//    container's arguments, environment and mounted files, its documents printed at the times
//    the real agent would print them, then exit 0;
//  - a cluster DNS container (netprobe-lab/dnsmasq) answers, in the model, on port 53;
//  - any other container stays up, saying in its log that it runs no process, until stopped;
//  - an image the real lab has no runtime for fails to start, as there.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { DocumentWriter, InterimBudget } from '../../../src/agent/output.ts';
import { parsePlan, readPlanText } from '../../../src/agent/plan-input.ts';
import { readRoster, rosterPeers, rosterRing, type ScheduledPeer } from '../../../src/agent/roster-peers.ts';
import { AgentSetupError } from '../../../src/agent/responder.ts';
import { SERVED_REPORT_MS } from '../../../src/agent/run.ts';
import { AGENT_RESULT_KIND } from '../../../src/shared/agent-result.ts';
import type { AgentPlan, RosterPeers } from '../../../src/shared/plan.ts';
import type { Roster } from '../../../src/shared/roster.ts';
import { KUBE_DNS_IP } from '../addresses.ts';
import type { ContainerExit, ContainerSpec, LabNode, PodRuntime, PodSandboxSpec, RunningPod } from '../contracts.ts';
import { containerArgv, DNSMASQ_IMAGE, imageRepository } from '../runtime/images.ts';
import { HollowAgent, type Destination, type HollowWorld, type Listener } from './agent.ts';
import type { FaultBook } from './faults.ts';
import type { HollowNetwork } from './network.ts';
import type { NetworkModel } from './network-model.ts';
import type { Random } from './random.ts';

/** A node process takes about this long to load the agent before it runs. */
const AGENT_BOOT_MS = 100;
/** Exit codes as the real containers end: the agent's own (src/agent/main.ts), a signal's 128 + n. */
const EXIT_SETUP = 2;
const EXIT_INTERNAL = 1;
const EXIT_SIGTERM = 128 + 15;
const START_ERROR_EXIT_CODE = 128;
/** Documents longer than this are kept deflated: 5,000 agents' results would otherwise hold ~150 MB. */
const DEFLATE_ABOVE = 4096;
const DNS_PORT = 53;
/**
 * A stopped container's log stays readable (a pod past its deadline still shows what it printed)
 * for this many pods; the runtime is not told when the API forgets a pod, so older ones go.
 */
const STOPPED_PODS_LOGGED = 20_000;

export interface HollowRuntimeOptions {
  network: HollowNetwork;
  model: NetworkModel;
  faults: FaultBook;
  /** The lab seed; `fixedSeed`: every run draws the same (up --seed), else each run afresh. */
  seed: number;
  fixedSeed: boolean;
  /** Where mounted files an agent's arguments name are written for its plan reader (the lab's directory). */
  dir: string;
}

/** A container's output, as the runtime keeps it: long documents deflated, followers fed as it is written. */
class HollowLog {
  ended = false;
  private readonly chunks: (string | Buffer)[] = [];
  readonly followers = new Set<{ chunk: (c: string) => void; end: () => void }>();

  write(text: string): void {
    this.chunks.push(text.length > DEFLATE_ABOVE ? deflateRawSync(text, { level: 1 }) : text);
    for (const f of this.followers) f.chunk(text);
  }

  text(): string {
    return this.chunks.map((c) => (typeof c === 'string' ? c : inflateRawSync(c).toString('utf8'))).join('');
  }

  end(): void {
    this.ended = true;
    for (const f of this.followers) f.end();
    this.followers.clear();
  }
}

interface HollowContainer {
  log: HollowLog;
  /** SIGTERM: the container ends (at once: nothing here takes time to stop). */
  stop(): void;
}

interface HollowPod {
  /** The sandbox without its containers: their mounted files (the agent's bundle, for every pod) are not kept. */
  spec: Omit<PodSandboxSpec, 'containers'>;
  ip: string;
  containers: Map<string, HollowContainer>;
  /** Listener keys this pod holds (see listenerKey). */
  listening: Set<string>;
}

const listenerKey = (ip: string, protocol: 'TCP' | 'UDP', port: number): string => `${ip}|${protocol}|${port}`;

export class HollowRuntime implements PodRuntime, HollowWorld {
  private readonly options: HollowRuntimeOptions;
  private readonly pods = new Map<string, HollowPod>();
  /** Logs of stopped pods' containers, oldest first. */
  private readonly stoppedLogs = new Map<string, Map<string, HollowLog>>();
  private readonly podIPs = new Map<string, LabNode>();
  private readonly nodeIPs: Map<string, LabNode>;
  private readonly listeners = new Map<string, Listener>();
  private readonly addresses = new HollowPodAddresses();
  /** The last roster read (a run's probers all mount the same one), its ring computed. */
  private lastRoster: { content: string | undefined; runToken: string; roster: Roster; ring: ReturnType<typeof rosterRing> } | undefined;
  private readonly exitListeners: ((exit: ContainerExit) => void)[] = [];

  constructor(options: HollowRuntimeOptions) {
    this.options = options;
    this.nodeIPs = new Map(options.network.nodes.map((n) => [n.internalIP, n]));
  }

  /** Pods started and not stopped. */
  get podCount(): number {
    return this.pods.size;
  }

  async startPod(spec: PodSandboxSpec): Promise<RunningPod> {
    const existing = this.pods.get(spec.uid);
    if (existing) return { podIP: existing.ip, hostIP: spec.node.internalIP };
    const ip = spec.hostNetwork ? spec.node.internalIP : this.addresses.lease(spec.node);
    const { containers, ...sandbox } = spec;
    const pod: HollowPod = { spec: sandbox, ip, containers: new Map(), listening: new Set() };
    this.pods.set(spec.uid, pod);
    if (!spec.hostNetwork) this.podIPs.set(ip, spec.node);
    // Containers start once startPod has returned, so that no exit is reported before it.
    setImmediate(() => {
      if (this.pods.get(spec.uid) !== pod) return;
      for (const container of containers) pod.containers.set(container.name, this.startContainer(pod, container));
    });
    return { podIP: ip, hostIP: spec.node.internalIP };
  }

  async stopPod(uid: string): Promise<void> {
    const pod = this.pods.get(uid);
    if (!pod) return;
    this.pods.delete(uid);
    for (const container of pod.containers.values()) container.stop();
    this.stoppedLogs.set(uid, new Map([...pod.containers].map(([name, c]) => [name, c.log])));
    if (this.stoppedLogs.size > STOPPED_PODS_LOGGED) this.stoppedLogs.delete(this.stoppedLogs.keys().next().value!);
    for (const key of pod.listening) this.listeners.delete(key);
    if (!pod.spec.hostNetwork) {
      this.podIPs.delete(pod.ip);
      this.addresses.release(pod.spec.node, pod.ip);
    }
  }

  onContainerExit(listener: (exit: ContainerExit) => void): void {
    this.exitListeners.push(listener);
  }

  logs(uid: string, container: string): string {
    return this.log(uid, container)?.text() ?? '';
  }

  followLogs(uid: string, container: string, listener: (chunk: string) => void, onEnd: () => void): () => void {
    const log = this.log(uid, container);
    if (!log || log.ended) {
      setImmediate(onEnd);
      return () => {};
    }
    const follower = { chunk: listener, end: onEnd };
    log.followers.add(follower);
    return () => { log.followers.delete(follower); };
  }

  private log(uid: string, container: string): HollowLog | undefined {
    return this.pods.get(uid)?.containers.get(container)?.log ?? this.stoppedLogs.get(uid)?.get(container);
  }

  /** The kubelet's tcpSocket probe: whether something listens at the pod's address and port. */
  async probeTcp(uid: string, port: number): Promise<boolean> {
    const pod = this.pods.get(uid);
    return !!pod && this.listeners.has(listenerKey(pod.ip, 'TCP', port));
  }

  destination(ip: string, port: number, protocol: 'TCP' | 'UDP', rng: Random): Destination {
    let target = { ip, port };
    if (this.options.network.isClusterIP(ip)) {
      const backend = this.options.network.backend(ip, port, protocol, rng);
      if (!backend) return { kind: 'rejected' };
      target = backend;
    }
    const node = this.podIPs.get(target.ip) ?? this.nodeIPs.get(target.ip);
    if (!node) return { kind: 'nobody' };
    return { kind: 'host', node, listener: this.listeners.get(listenerKey(target.ip, protocol, target.port)) };
  }

  rcode(name: string): string {
    return this.options.network.rcode(name);
  }

  private startContainer(pod: HollowPod, container: ContainerSpec): HollowContainer {
    const log = new HollowLog();
    let ended = false;
    // Only the name outlives this call: the spec holds the mounted files (the agent bundle, per pod).
    const { name } = container;
    const exit = (exitCode: number, reason: string): void => {
      if (ended) return;
      ended = true;
      log.end();
      for (const listener of this.exitListeners) listener({ uid: pod.spec.uid, container: name, exitCode, reason });
    };
    let argv: string[];
    try {
      argv = containerArgv(container, []);
    } catch (err) {
      const reason = `StartError: ${(err as Error).message}`;
      log.write(`${reason}\n`);
      setImmediate(() => exit(START_ERROR_EXIT_CODE, reason));
      return { log, stop: () => {} };
    }
    const repo = imageRepository(container.image);
    if (repo === 'node' && this.isAgent(argv, container)) return this.startAgent(pod, container, argv.slice(2), log, exit);
    if (repo === DNSMASQ_IMAGE) {
      for (const protocol of ['UDP', 'TCP'] as const) this.listen(pod, protocol, DNS_PORT, { kind: 'dns' });
      log.write('hollow lab: the cluster DNS is simulated by the lab\'s network model; no dnsmasq runs\n');
    } else {
      log.write(`hollow lab: container "${container.name}" (${container.image}) runs no process here; it stays up until the pod is deleted\n`);
    }
    return { log, stop: () => exit(EXIT_SIGTERM, 'Error') };
  }

  /** `node <file>` where the file comes from a mounted volume and holds the netprobe agent. */
  private isAgent(argv: string[], container: ContainerSpec): boolean {
    return argv[0] === 'node' && argv[1] !== undefined && (mountedFile(container, argv[1])?.includes(AGENT_RESULT_KIND) ?? false);
  }

  private startAgent(pod: HollowPod, container: ContainerSpec, args: string[], log: HollowLog, exit: (code: number, reason: string) => void): HollowContainer {
    const env: Record<string, string> = { HOSTNAME: pod.spec.name, ...container.env, ...Object.fromEntries((container.podIPEnv ?? []).map((name) => [name, pod.ip])) };
    let agent: HollowAgent;
    try {
      agent = this.agentFor(pod, container, args, env);
    } catch (err) {
      const setup = err instanceof AgentSetupError;
      log.write(`netprobe-agent: ${setup ? '' : 'internal error: '}${setup ? (err as Error).message : (err as Error).stack}\n`);
      setImmediate(() => exit(setup ? EXIT_SETUP : EXIT_INTERNAL, 'Error'));
      return { log, stop: () => {} };
    }
    const { plan, startedAt } = agent.options;
    // One listener object per responder: probes of this agent's run are told from another's by it.
    const listener: Listener | undefined = agent.served && { kind: 'responder', runToken: plan.runToken, served: agent.served };
    const say = (line: string) => log.write(`netprobe-agent[${plan.node}]: ${line}\n`);
    // Written as the agent writes them (src/agent/main.ts): lines the runtime never splits, interim
    // results within their budget, the final one twice.
    const output = new DocumentWriter((text) => log.write(text));
    const budget = new InterimBudget();
    const timers = new Set<NodeJS.Timeout>();
    const at = (ms: number, action: () => void) => {
      const timer = setTimeout(() => { timers.delete(timer); action(); }, Math.max(0, startedAt + ms - Date.now()));
      timers.add(timer);
    };
    let done = false;
    const finish = (doc: object) => {
      done = true;
      for (const t of timers) clearTimeout(t);
      for (const key of [...pod.listening]) if (this.listeners.get(key) === listener) this.unlisten(pod, key);
      output.writeFinal(doc);
      exit(0, 'Completed');
    };
    at(0, () => {
      if (plan.listen && listener) {
        const taken = [listenerKey(pod.ip, 'TCP', plan.listen.tcpPort), listenerKey(pod.ip, 'UDP', plan.listen.udpPort)].find((key) => this.listeners.has(key));
        if (taken) {
          const [, protocol, port] = taken.split('|');
          log.write(`netprobe-agent: ${protocol} port ${port} on ${plan.listen.host ?? '0.0.0.0'} is already in use\n`);
          done = true;
          return exit(EXIT_SETUP, 'Error');
        }
        this.listen(pod, 'TCP', plan.listen.tcpPort, listener);
        this.listen(pod, 'UDP', plan.listen.udpPort, listener);
      }
      agent.startLines().forEach(say);
    });
    const { untilStart, loopsClose, servingEnds } = agent.timetable;
    // src/agent/run.ts: an interim result at each window's end while the loops run (printed if
    // the budget allows), and a responder alone reports its served counts every SERVED_REPORT_MS.
    const windows = plan.windowMs ? Math.ceil(plan.durationMs / plan.windowMs) : 0;
    const interimsBefore = (end: number, from = 1) => {
      if (!plan.windowMs || !agent.probes) return;
      for (let k = from; untilStart + k * plan.windowMs < end; k++) {
        const t = untilStart + k * plan.windowMs;
        at(t, () => {
          const { lines, logBytes } = output.prepare(agent.document(t));
          if (budget.allows(logBytes, k - 1, windows)) output.write(lines);
        });
      }
    };
    interimsBefore(loopsClose);
    if (listener && !agent.probes) {
      for (let t = SERVED_REPORT_MS; t < servingEnds; t += SERVED_REPORT_MS) at(t, () => output.write(output.prepare(agent.document(t)).lines));
    }
    // Once the loops have closed, every probe's fate is known: when the last ends, and the result.
    at(agent.probes ? loopsClose : servingEnds, () => {
      const final = agent.finalDocument();
      if (plan.windowMs && agent.probes) interimsBefore(final.probingDone, Math.ceil((loopsClose - untilStart) / plan.windowMs));
      if (agent.probes) at(final.probingDone, () => say('probing done'));
      at(final.at, () => finish(final.result));
    });
    return {
      log,
      stop: () => {
        if (done) return;
        say('SIGTERM: stopping, reporting what was measured');
        finish(agent.stoppedDocument(Math.max(0, Date.now() - startedAt)));
      },
    };
  }

  /** The agent for this container, its plan read as the agent reads it (src/agent/main.ts). */
  private agentFor(pod: HollowPod, container: ContainerSpec, args: string[], env: Record<string, string>): HollowAgent {
    const text = withMountedFiles(join(this.options.dir, 'hollow-volumes', pod.spec.uid), container, args, env, readPlanText);
    let mode: unknown;
    try {
      mode = (JSON.parse(text) as { mode?: unknown }).mode ?? 'probe';
    } catch (err) {
      throw new AgentSetupError(`plan is not JSON: ${(err as Error).message}`);
    }
    if (mode !== 'probe') throw new AgentSetupError(`the hollow lab simulates only the agent's probe mode (kubectl netprobe matrix), not ${JSON.stringify(mode)}`);
    const plan = parsePlan(text);
    const { seed, fixedSeed, model, faults } = this.options;
    // src/agent/run.ts: the listed peers, then the roster's by the plan's rule, every peer with its windows.
    const windows = plan.windowMs ? Math.ceil(plan.durationMs / plan.windowMs) : 1;
    const targets: ScheduledPeer[] = [
      ...plan.peers.map((peer) => ({ peer, windows: null })),
      ...(plan.roster ? this.rosterPeersOf(container, plan, plan.roster, windows) : []),
    ];
    return new HollowAgent({
      plan, targets, node: pod.spec.node, hostNetwork: pod.spec.hostNetwork, startedAt: Date.now() + AGENT_BOOT_MS,
      seed: fixedSeed ? String(seed) : `${seed}/${plan.runToken}`, resolver: KUBE_DNS_IP,
      model, world: this, faults: () => faults.history(),
    });
  }

  /**
   * The agent's own roster reader and peer rule on the mounted roster. A run's probers all mount
   * one roster: it is read, checked and put on its ring once (at 5,000 nodes ~0.5 MB of JSON and
   * 5,000 hashes, which every real agent spends on its own CPU), then each prober's peers are
   * picked from it.
   */
  private rosterPeersOf(container: ContainerSpec, plan: AgentPlan, rule: RosterPeers, windows: number): ScheduledPeer[] {
    const content = mountedFile(container, rule.file);
    let last = this.lastRoster;
    if (!last || last.content !== content || last.runToken !== plan.runToken) {
      const roster = readRoster(rule.file, plan.runToken, () => {
        if (content === undefined) throw new Error('no such file or directory (not mounted)');
        return content;
      });
      last = this.lastRoster = { content, runToken: plan.runToken, roster, ring: rosterRing(roster) };
    }
    return rosterPeers(last.roster, plan.node, rule, windows, last.ring);
  }

  private listen(pod: HollowPod, protocol: 'TCP' | 'UDP', port: number, listener: Listener): void {
    const key = listenerKey(pod.ip, protocol, port);
    this.listeners.set(key, listener);
    pod.listening.add(key);
  }

  private unlisten(pod: HollowPod, key: string): void {
    this.listeners.delete(key);
    pod.listening.delete(key);
  }
}

/** The content of a file under one of the container's mounts, if it is one. */
function mountedFile(container: ContainerSpec, path: string): string | undefined {
  const mount = container.mounts.find((m) => path.startsWith(`${m.mountPath.replace(/\/$/, '')}/`));
  return mount?.files[path.slice(mount.mountPath.replace(/\/$/, '').length + 1)];
}

/**
 * Runs `read` (the agent's plan reader) on the container's arguments and environment, with
 * the mounted files they name (e.g. `--plan-file /netprobe/plan.json`) written under `root`
 * and the names pointed there: the reader opens real files, and only those it may need are
 * written. They are removed once it has read them.
 */
function withMountedFiles<T>(root: string, container: ContainerSpec, args: string[], env: Record<string, string>, read: (args: string[], env: NodeJS.ProcessEnv) => T): T {
  let written = false;
  // A plan given as JSON (--plan, NETPROBE_PLAN) names no file its reader opens: the files it
  // names (its roster) the agent reads later, from the mount.
  const rewrite = (value: string): string => value.startsWith('{') ? value : value.replace(/\/[^\s,;:='"]+/g, (path) => {
    const content = mountedFile(container, path);
    if (content === undefined) return path;
    const target = join(root, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
    written = true;
    return target;
  });
  try {
    return read(args.map(rewrite), Object.fromEntries(Object.entries(env).map(([k, v]) => [k, rewrite(v)])));
  } finally {
    if (written) rmSync(root, { recursive: true, force: true });
  }
}

/**
 * Pod IPAM within each node's hollow block (addresses.ts), as host-local does it: .2 up to the
 * last before the broadcast address (.1 is the gateway), round-robin from the last address
 * handed out, so a deleted pod's address is not reused at once.
 */
class HollowPodAddresses {
  private readonly leases = new Map<string, { used: Set<number>; last: number }>();

  lease(node: LabNode): string {
    const [network, bits] = node.podCIDR.split('/');
    const size = 2 ** (32 - Number(bits));
    const first = 2;
    const count = size - 3;
    const pool = this.leases.get(node.name) ?? { used: new Set<number>(), last: first - 1 };
    this.leases.set(node.name, pool);
    for (let step = 1; step <= count; step++) {
      const host = first + ((pool.last - first + step) % count);
      if (pool.used.has(host)) continue;
      pool.used.add(host);
      pool.last = host;
      const octets = network.split('.').map(Number);
      octets[3] += host;
      return octets.join('.');
    }
    throw new Error(`node ${node.name} has no free pod address (${count} pods in ${node.podCIDR})`);
  }

  release(node: LabNode, ip: string): void {
    const base = Number(node.podCIDR.split('/')[0].split('.')[3]);
    this.leases.get(node.name)?.used.delete(Number(ip.split('.')[3]) - base);
  }
}
