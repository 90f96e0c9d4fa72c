// /proc/net/tcp and tcp6: one socket a line after a header; "local_address rem_address st"
// are hex ADDR:PORT and the TCP state (include/net/tcp_states.h: 01 ESTABLISHED, 0A LISTEN).
// Only port 179 (BGP) matters here: BIRD or GoBGP listening, and the sessions to peers.
import type { BgpSocket } from '../../shared/inspection.ts';
import { hexToAddress } from './hex-address.ts';

const BGP_PORT = 179;
const STATES: Record<string, BgpSocket['state']> = { '01': 'established', '0A': 'listen' };

export function parseBgpSockets(text: string): BgpSocket[] {
  const sockets: BgpSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const [, local, remote, state] = line.trim().split(/\s+/);
    if (!local || !remote || !state) continue;
    const [localHex, localPort] = local.split(':');
    const [remoteHex, remotePort] = remote.split(':');
    if (parseInt(localPort, 16) !== BGP_PORT && parseInt(remotePort, 16) !== BGP_PORT) continue;
    sockets.push({ state: STATES[state.toUpperCase()] ?? 'other', localAddress: hexToAddress(localHex), remoteAddress: hexToAddress(remoteHex) });
  }
  return sockets;
}
