// Services: ClusterIP allocation from the network's service CIDR, and the endpoints
// controller + kube-proxy role — pods matching the selector become the Endpoints object and
// an EndpointSlice (discovery.k8s.io/v1, with each endpoint's ready condition), and the ready
// ones the network's DNAT backends (LabNetworkControl.applyService). Neither happens at once:
// the controller works a Service off after `endpointsDelayMs` (its queue and batch period under
// load), kube-proxy programs the rules `proxyDelayMs` after that (at most one sync per
// minSyncPeriod, 1 s by default in KubeProxyConfiguration, plus the sync itself).
import type { LabNetworkControl, ServiceRealisation } from '../contracts.ts';
import { randomBytes } from 'node:crypto';
import { intToIp, ipToInt } from '../addresses.ts';
import { invalid } from './status.ts';
import { now } from './meta.ts';
import { matchRequirements } from './selectors.ts';
import type { KObject, Store, StoreEvent } from './store.ts';
import { KeyedQueue, objectKey, splitKey, type ErrorSink } from './workqueue.ts';

type Any = Record<string, any>;

export class ClusterIPAllocator {
  private readonly base: number;
  private readonly size: number;
  private readonly store: Store;
  readonly cidr: string;

  constructor(cidr: string, store: Store) {
    const [ip, bits] = cidr.split('/');
    this.cidr = cidr;
    this.size = 2 ** (32 - Number(bits));
    this.base = ipToInt(ip) - (ipToInt(ip) % this.size);
    this.store = store;
  }

  /** The first address, which the `kubernetes` Service takes (as kube-apiserver reserves it). */
  get first(): string {
    return intToIp(this.base + 1);
  }

  /** Assigns spec.clusterIP, honouring a requested one; 422 as the real allocator says when it cannot. */
  assign(svc: Any): void {
    if (svc.spec.clusterIP === 'None') return;
    const used = new Set([...this.store.peek('services')].map((s) => (s.spec as Any).clusterIP));
    const requested: string | undefined = svc.spec.clusterIP || undefined;
    const fail = (detail: string) => invalid('Service', svc.metadata.name, [{ field: 'spec.clusterIPs', type: 'FieldValueInvalid', value: [requested], detail }]);
    let ip = requested;
    if (ip) {
      const n = ipToInt(ip);
      if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip) || n <= this.base || n >= this.base + this.size - 1) throw fail(`failed to allocate IP ${ip}: provided IP is not in the valid range. The range of valid IPs is ${this.cidr}`);
      if (used.has(ip)) throw fail(`failed to allocate IP ${ip}: provided IP is already allocated`);
    } else {
      // Dynamic addresses come from above the first sixteenth, leaving the low band to
      // requested ones (kube-dns's well-known .10), as KEP-3070 splits the range.
      const start = Math.max(2, Math.ceil(this.size / 16));
      for (let i = start; i < this.size - 1 && !ip; i++) if (!used.has(intToIp(this.base + i))) ip = intToIp(this.base + i);
      if (!ip) throw fail(`failed to allocate a serviceIP: range is full`);
    }
    svc.spec.clusterIP = ip;
    svc.spec.clusterIPs = [ip];
  }
}

const isReady = (pod: Any) => pod.status?.phase === 'Running' && !pod.metadata.deletionTimestamp && !!pod.status.podIP
  && (pod.status.conditions ?? []).some((c: Any) => c.type === 'Ready' && c.status === 'True');

/** Resolves a named targetPort against the pod's container ports, as the endpoints controller does. */
function targetPortOf(port: Any, pod: Any): number | undefined {
  if (typeof port.targetPort === 'number') return port.targetPort;
  for (const c of pod.spec.containers) for (const p of c.ports ?? []) if (p.name === port.targetPort) return p.containerPort;
  return undefined;
}

/** How far behind the cluster's changes Services follow. */
export interface ServiceDelays {
  endpointsDelayMs: number;
  proxyDelayMs: number;
}

export const DEFAULT_SERVICE_DELAYS: ServiceDelays = { endpointsDelayMs: 200, proxyDelayMs: 1000 };

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
const SLICE_CONTROLLER = 'endpointslice-controller.k8s.io';

/** A Service's selector as label requirements; undefined without one. */
function selectorRequirements(svc: KObject): { key: string; op: 'in'; values: string[] }[] | undefined {
  const selector = (svc.spec as Any).selector as Record<string, string> | undefined;
  return selector && Object.entries(selector).map(([key, v]) => ({ key, op: 'in' as const, values: [v] }));
}

export class EndpointsController {
  /** Changeable while running (the lab's admin hook). */
  readonly delays: ServiceDelays;
  private readonly store: Store;
  private readonly network: LabNetworkControl;
  private readonly applied = new Map<string, string>();
  /** One network call at a time per Service, in order. */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly queue: KeyedQueue;
  private readonly unsubscribe: () => void;
  private readonly onError: ErrorSink;
  private readonly waits = new Set<{ timer: NodeJS.Timeout; done: () => void }>();
  private closed = false;

  constructor(store: Store, network: LabNetworkControl, onError: ErrorSink, delays: ServiceDelays = { ...DEFAULT_SERVICE_DELAYS }) {
    this.delays = delays;
    this.queue = new KeyedQueue((key) => this.reconcile(...splitKey(key)), onError, () => this.delays.endpointsDelayMs);
    this.store = store;
    this.network = network;
    this.onError = onError;
    this.unsubscribe = store.subscribe((e) => this.observe(e));
  }

  close(): Promise<void> {
    this.closed = true;
    this.queue.close();
    this.unsubscribe();
    for (const wait of this.waits) {
      clearTimeout(wait.timer);
      wait.done();
    }
    return Promise.all(this.chains.values()).then(() => undefined);
  }

  private observe(e: StoreEvent): void {
    const ns = e.object.metadata.namespace!;
    if (e.resource === 'services') this.queue.add(objectKey(ns, e.object.metadata.name));
    if (e.resource !== 'pods') return;
    // Only the Services whose selector picks the pod, before or after the change, can have changed.
    for (const svc of this.store.peek('services', ns)) {
      const requirements = selectorRequirements(svc);
      if (requirements && [e.object, e.previous].some((p) => p && matchRequirements(p.metadata.labels, requirements))) this.queue.add(objectKey(ns, svc.metadata.name));
    }
  }

  private reconcile(namespace: string, name: string): void {
    const key = objectKey(namespace, name);
    const svc = this.store.get('services', namespace, name) as Any | undefined;
    if (!svc) {
      this.store.remove('endpoints', namespace, name);
      for (const slice of this.slicesOf(namespace, name)) this.store.remove('endpointslices', namespace, slice.metadata.name);
      if (this.applied.delete(key)) this.enqueue(key, () => this.network.removeService(namespace, name));
      return;
    }
    const selector = selectorRequirements(svc as KObject);
    // A Service without a selector has no managed endpoints (they are the user's to write).
    const selected = selector
      ? this.store.listStored('pods', namespace, (p) => !!(p as Any).status?.podIP && !p.metadata.deletionTimestamp && matchRequirements(p.metadata.labels, selector)) as Any[]
      : [];
    const pods = selected.filter(isReady);
    this.writeEndpoints(svc, pods);
    // Without a selector the EndpointSlice controller leaves a Service alone (its slices are the user's).
    if (svc.spec.selector) this.writeSlice(svc, selected);
    if (!svc.spec.clusterIP || svc.spec.clusterIP === 'None') return;
    const realisation: ServiceRealisation = {
      namespace,
      name,
      clusterIP: svc.spec.clusterIP,
      ports: (svc.spec.ports as Any[]).flatMap((p) => {
        const targetPort = pods.length ? targetPortOf(p, pods[0]) : typeof p.targetPort === 'number' ? p.targetPort : undefined;
        return targetPort === undefined ? [] : [{ ...(p.name ? { name: p.name } : {}), protocol: p.protocol, port: p.port, targetPort }];
      }),
      endpoints: pods.map((p: Any) => p.status.podIP as string).sort(),
    };
    const text = JSON.stringify(realisation);
    if (this.applied.get(key) === text) return;
    this.applied.set(key, text);
    this.enqueue(key, () => this.network.applyService(realisation));
  }

  private writeEndpoints(svc: Any, pods: Any[]): void {
    const { namespace, name } = svc.metadata;
    const subsets = pods.length ? [{
      addresses: pods.map((p) => ({ ip: p.status.podIP, nodeName: p.spec.nodeName, targetRef: { kind: 'Pod', namespace, name: p.metadata.name, uid: p.metadata.uid } })),
      ports: (svc.spec.ports as Any[]).map((p) => ({ ...(p.name ? { name: p.name } : {}), port: targetPortOf(p, pods[0]) ?? p.port, protocol: p.protocol })),
    }] : [];
    const existing = this.store.get('endpoints', namespace, name);
    if (existing && JSON.stringify(existing.subsets ?? []) === JSON.stringify(subsets)) return;
    const obj: KObject = existing ?? {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name, namespace, uid: crypto.randomUUID(), resourceVersion: '', creationTimestamp: now(), labels: svc.metadata.labels },
    };
    obj.subsets = subsets;
    if (existing) this.store.update('endpoints', obj);
    else this.store.create('endpoints', obj);
  }

  /** The Service's EndpointSlice: every selected pod with an address, ready or not, as the EndpointSlice controller lists them. */
  private writeSlice(svc: Any, pods: Any[]): void {
    const { namespace, name } = svc.metadata;
    const endpoints = pods.map((p) => ({
      addresses: [p.status.podIP],
      conditions: { ready: isReady(p), serving: isReady(p), terminating: false },
      nodeName: p.spec.nodeName,
      targetRef: { kind: 'Pod', namespace, name: p.metadata.name, uid: p.metadata.uid },
    }));
    const ports = (svc.spec.ports as Any[]).map((p) => ({ name: p.name ?? '', port: pods.length ? targetPortOf(p, pods[0]) ?? p.port : p.port, protocol: p.protocol }));
    const [existing] = this.slicesOf(namespace, name);
    if (existing && JSON.stringify([existing.endpoints, existing.ports]) === JSON.stringify([endpoints, ports])) return;
    const slice: KObject = existing ?? {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: `${name}-${randomBytes(3).toString('hex').slice(0, 5)}`, namespace, uid: crypto.randomUUID(), resourceVersion: '', creationTimestamp: now(),
        labels: { ...svc.metadata.labels, [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: SLICE_CONTROLLER },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name, uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true }],
      },
      addressType: 'IPv4',
    };
    Object.assign(slice, { endpoints, ports });
    if (existing) this.store.update('endpointslices', slice);
    else this.store.create('endpointslices', slice);
  }

  private slicesOf(namespace: string, service: string): KObject[] {
    return this.store.list('endpointslices', namespace, (s) => s.metadata.labels?.[SERVICE_NAME_LABEL] === service);
  }

  /** kube-proxy's turn: `proxyDelayMs` later, one network call at a time per Service, in order. */
  private enqueue(key: string, call: () => Promise<void>): void {
    const next = (this.chains.get(key) ?? Promise.resolve())
      .then(() => this.sleep(this.delays.proxyDelayMs))
      .then(() => (this.closed ? undefined : call()))
      .catch((err: Error) => this.onError(err));
    this.chains.set(key, next);
  }

  /** A wait that close() cuts short. */
  private sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const wait = { timer: setTimeout(() => { this.waits.delete(wait); resolve(); }, ms), done: () => resolve() };
      this.waits.add(wait);
    });
  }
}
