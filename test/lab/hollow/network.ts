// The network half of the hollow lab's contract (LabNetworkControl): nothing is programmed, the
// Services are kept as kube-proxy would realise them (ClusterIP → a random ready backend, no
// backend → rejected) and their names as the cluster DNS answers them, for the model to look up.
import type { LabNetworkControl, LabNode, ServiceRealisation } from '../contracts.ts';
import { SERVICE_CIDR } from '../addresses.ts';
import { CLUSTER_DOMAIN, serviceFQDN } from '../net/dns.ts';
import type { Random } from './random.ts';

/** A DNS question's answer code, as the lab's dnsmasq gives it (net/dns.ts dnsmasqArgs). */
export type Rcode = 'NOERROR' | 'NXDOMAIN' | 'REFUSED';

export class HollowNetwork implements LabNetworkControl {
  readonly nodes: LabNode[];
  readonly serviceCIDR = SERVICE_CIDR;
  private readonly byClusterIP = new Map<string, ServiceRealisation>();
  private readonly byName = new Map<string, ServiceRealisation>();
  /** `<name>.<namespace>.svc.cluster.local` of every Service, as the lab's DNS publishes them. */
  private readonly names = new Set<string>();

  constructor(nodes: LabNode[]) {
    this.nodes = nodes;
  }

  async applyService(service: ServiceRealisation): Promise<void> {
    const key = `${service.namespace}/${service.name}`;
    const previous = this.byName.get(key);
    if (previous) this.byClusterIP.delete(previous.clusterIP);
    const copy = structuredClone(service);
    this.byName.set(key, copy);
    this.byClusterIP.set(copy.clusterIP, copy);
    this.names.add(serviceFQDN(service.namespace, service.name));
  }

  async removeService(namespace: string, name: string): Promise<void> {
    const key = `${namespace}/${name}`;
    const previous = this.byName.get(key);
    if (!previous) return;
    this.byName.delete(key);
    this.byClusterIP.delete(previous.clusterIP);
    this.names.delete(serviceFQDN(namespace, name));
  }

  isClusterIP(ip: string): boolean {
    return this.byClusterIP.has(ip);
  }

  /**
   * Where kube-proxy's DNAT sends a new flow to ip:port (a ClusterIP): a ready backend picked at
   * random and its target port; undefined when the Service has no such port or no backend
   * (the real lab rejects those).
   */
  backend(ip: string, port: number, protocol: 'TCP' | 'UDP', rng: Random): { ip: string; port: number } | undefined {
    const service = this.byClusterIP.get(ip);
    const servicePort = service?.ports.find((p) => p.port === port && p.protocol === protocol);
    if (!service || !servicePort || service.endpoints.length === 0) return undefined;
    return { ip: service.endpoints[Math.floor(rng.next() * service.endpoints.length)], port: servicePort.targetPort };
  }

  /** How many ready backends a Service has: the cluster DNS is up once kube-dns has its replicas. */
  backendCount(namespace: string, name: string): number {
    return this.byName.get(`${namespace}/${name}`)?.endpoints.length ?? 0;
  }

  /**
   * The answer code for a name: a Service's name resolves (an AAAA question too, without
   * records: NODATA), other names under the cluster domain do not exist, and the rest are
   * refused, as the lab's dnsmasq (no upstream) answers them.
   */
  rcode(name: string): Rcode {
    const fqdn = name.replace(/\.$/, '');
    if (this.names.has(fqdn)) return 'NOERROR';
    return fqdn === CLUSTER_DOMAIN || fqdn.endsWith(`.${CLUSTER_DOMAIN}`) ? 'NXDOMAIN' : 'REFUSED';
  }
}
