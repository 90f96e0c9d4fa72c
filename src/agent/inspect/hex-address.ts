// Addresses as /proc/net/{route,tcp,tcp6} print them: each 32-bit word with %08X in the
// CPU's byte order (net/ipv4/route.c, tcp_ipv4.c get_tcp4_sock), so on x86 "000113C6" is
// 198.19.1.0. IPv6 is four such words; an IPv4-mapped one (::ffff:a.b.c.d) reads as IPv4.
import { endianness } from 'node:os';

const LITTLE_ENDIAN = endianness() === 'LE';

function wordBytes(hex: string): number[] {
  const bytes = [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return LITTLE_ENDIAN ? bytes.reverse() : bytes;
}

/** "000113C6" (x86) → "198.19.1.0"; 32 hex digits → IPv6 text, or dotted IPv4 when v4-mapped. */
export function hexToAddress(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap(wordBytes);
  if (bytes.length === 4) return bytes.join('.');
  const v4Mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (v4Mapped) return bytes.slice(12).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  return groups.join(':');
}

/** Prefix length of a hex netmask as /proc/net/route prints it ("00FFFFFF" → 24). */
export function hexMaskToPrefixLength(hex: string): number {
  return wordBytes(hex).reduce((bits, byte) => bits + byte.toString(2).replace(/0/g, '').length, 0);
}
