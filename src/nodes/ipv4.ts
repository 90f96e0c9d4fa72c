// IPv4 arithmetic for matching routes and neighbours against nodes' pod CIDRs.

export function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

export function parseCidr(cidr: string): { network: number; prefixLength: number } {
  const [ip, length] = cidr.split('/');
  const prefixLength = Number(length);
  return { network: ipv4ToInt(ip) - (ipv4ToInt(ip) % 2 ** (32 - prefixLength)), prefixLength };
}

/** True when the network destination/prefixLength lies inside cidr. */
export function networkWithin(destination: string, prefixLength: number, cidr: string): boolean {
  const outer = parseCidr(cidr);
  return prefixLength >= outer.prefixLength && Math.floor(ipv4ToInt(destination) / 2 ** (32 - outer.prefixLength)) === Math.floor(outer.network / 2 ** (32 - outer.prefixLength));
}

export function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/** Flannel gives flannel.1 the network address of the node's subnet (/32): its VTEP address. */
export function vtepAddress(podCIDR: string): string {
  return intToIpv4(parseCidr(podCIDR).network);
}
