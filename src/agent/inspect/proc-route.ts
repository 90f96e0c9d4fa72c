// /proc/net/route: the IPv4 main routing table of this network namespace, one route a
// line after a header: Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT.
import type { RouteEntry } from '../../shared/inspection.ts';
import { hexMaskToPrefixLength, hexToAddress } from './hex-address.ts';

export function parseProcNetRoute(text: string): RouteEntry[] {
  return text.split('\n').slice(1).map((line) => line.trim().split(/\s+/)).filter((f) => f.length >= 8).map((f) => ({
    iface: f[0],
    destination: hexToAddress(f[1]),
    prefixLength: hexMaskToPrefixLength(f[7]),
    gateway: hexToAddress(f[2]),
  }));
}
