// /proc/net/arp: this network namespace's IPv4 neighbour entries, after a header:
// IP address, HW type, Flags (hex ATF_*), HW address, Mask, Device.
import type { NeighbourEntry } from '../../shared/inspection.ts';

export function parseProcNetArp(text: string): NeighbourEntry[] {
  return text.split('\n').slice(1).map((line) => line.trim().split(/\s+/)).filter((f) => f.length >= 6).map((f) => ({
    ip: f[0], flags: parseInt(f[2], 16), mac: f[3], device: f[5],
  }));
}
