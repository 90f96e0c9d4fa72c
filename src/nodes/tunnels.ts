// Which interfaces encapsulate, how many bytes that costs, and the device underneath.
// Overheads over an IPv4 underlay: VXLAN and Geneve 50 (outer IP 20 + UDP 8 + header 8 +
// inner Ethernet 14: Flannel's 1450 on 1500), IP-in-IP 20 (Calico's 1480), WireGuard 60
// (IP 20 + UDP 8 + WireGuard 32: Calico's and Flannel's wireguard MTU docs).
import type { InterfaceInfo, NodeInspection, RouteEntry } from '../shared/inspection.ts';
import { ipv4ToInt } from './ipv4.ts';

const ARPHRD_TUNNEL = 768;

export interface Tunnel {
  iface: InterfaceInfo;
  kind: 'VXLAN' | 'Geneve' | 'IP-in-IP' | 'WireGuard';
  overhead: number;
}

export function tunnelOf(iface: InterfaceInfo): Tunnel | null {
  if (!iface.up) return null;
  if (iface.devType === 'vxlan') return { iface, kind: 'VXLAN', overhead: 50 };
  if (iface.devType === 'geneve') return { iface, kind: 'Geneve', overhead: 50 };
  if (iface.devType === 'wireguard') return { iface, kind: 'WireGuard', overhead: 60 };
  if (iface.type === ARPHRD_TUNNEL) return { iface, kind: 'IP-in-IP', overhead: 20 };
  return null;
}

/** The route the kernel would pick for ip (longest prefix), or undefined. */
export function routeFor(ip: string, routes: readonly RouteEntry[]): RouteEntry | undefined {
  const target = ipv4ToInt(ip);
  return routes
    .filter((r) => r.prefixLength === 0 || Math.floor(target / 2 ** (32 - r.prefixLength)) === Math.floor(ipv4ToInt(r.destination) / 2 ** (32 - r.prefixLength)))
    .sort((a, b) => b.prefixLength - a.prefixLength)[0];
}

/** The underlay device: a tunnel's lower device, else the one routing to the peers' node IPs, else the default route's. */
export function underlayOf(inspection: NodeInspection, peerIPs: readonly string[], tunnel?: Tunnel): InterfaceInfo | undefined {
  const byName = (name: string | undefined) => inspection.interfaces.find((i) => i.name === name);
  const tunnelNames = new Set(inspection.interfaces.filter((i) => tunnelOf(i)).map((i) => i.name));
  const viaPeers = peerIPs.map((ip) => routeFor(ip, inspection.routes)?.iface).find((name) => name && !tunnelNames.has(name));
  return byName(tunnel?.iface.lower ?? undefined) ?? byName(viaPeers) ?? byName(inspection.routes.find((r) => r.prefixLength === 0)?.iface);
}
