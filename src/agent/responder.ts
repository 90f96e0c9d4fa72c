// The other end of the probes: a TCP listener that answers one request line (so a
// prober can time the round trip after the handshake), and a UDP echo that answers
// only datagrams carrying this run's token, so stray traffic gets no reply. Without a host
// both listen on every address of both families (an IPv6 socket with IPV6_V6ONLY off takes
// IPv4 too, as IPv4-mapped addresses: RFC 3493 section 5.3), or on IPv4 alone where the
// kernel has no IPv6.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

// A probe's request: "NETPROBE <token> <payload bytes>\n", then the payload; the answer
// "ok\n" comes once all of it arrived, so a path that loses large segments shows.
export const TCP_REQUEST_PREFIX = 'NETPROBE ';
export const TCP_ANSWER = 'ok\n';
/** Prober sockets remembered for the UDP receive counts (one per prober and peer: far fewer in practice). */
const MAX_TRACKED_SENDERS = 100_000;
/** A bound on what one probe may make the responder wait for. */
export const MAX_TCP_PAYLOAD = 1024 * 1024;

export function tcpRequestHeader(runToken: string, payloadBytes: number): string {
  return `${TCP_REQUEST_PREFIX}${runToken} ${payloadBytes}\n`;
}

export interface ServedCounts {
  tcpAccepted: number;
  udpEchoed: number;
  udpIgnored: number;
}

export interface Responder {
  counts: ServedCounts;
  /** The ports it listens on (the ones asked for, or the kernel's choice for 0). */
  ports: { tcp: number; udp: number };
  close(): Promise<void>;
}

/** Every address, IPv6 and (mapped) IPv4. */
const ANY_DUAL_STACK = '::';
const ANY_IPV4 = '0.0.0.0';

export async function startResponder(host: string | undefined, tcpPort: number, udpPort: number, runToken: string): Promise<Responder> {
  if (host !== undefined) return startResponderOn(host, tcpPort, udpPort, runToken);
  try {
    return await startResponderOn(ANY_DUAL_STACK, tcpPort, udpPort, runToken);
  } catch (err) {
    // No IPv6 in this kernel (ipv6.disable=1) or namespace: IPv4 is all there is to answer.
    if (!(err instanceof NoFamilyError)) throw err;
    return startResponderOn(ANY_IPV4, tcpPort, udpPort, runToken);
  }
}

async function startResponderOn(host: string, tcpPort: number, udpPort: number, runToken: string): Promise<Responder> {
  const counts: ServedCounts = { tcpAccepted: 0, udpEchoed: 0, udpIgnored: 0 };
  const expectedPrefix = `${TCP_REQUEST_PREFIX}${runToken} `;

  // A backlog well above the probe rate: ListenOverflows must come from the node, not from us.
  const open = new Set<Socket>();
  const tcp = createServer((socket) => {
    counts.tcpAccepted++;
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.setNoDelay(true);
    let header = '';
    let payloadLeft: number | undefined;
    socket.setTimeout(10_000, () => socket.destroy());
    socket.on('data', (chunk) => {
      if (payloadLeft === undefined) {
        header += chunk.toString('latin1');
        const newline = header.indexOf('\n');
        if (newline < 0) {
          if (header.length > expectedPrefix.length + 16) socket.destroy();
          return;
        }
        const size = Number(header.slice(expectedPrefix.length, newline));
        if (!header.startsWith(expectedPrefix) || !Number.isInteger(size) || size < 0 || size > MAX_TCP_PAYLOAD) return void socket.destroy();
        payloadLeft = size - (header.length - newline - 1);
      } else {
        payloadLeft -= chunk.length;
      }
      if (payloadLeft === 0) socket.end(TCP_ANSWER);
      else if (payloadLeft < 0) socket.destroy(); // more than announced: not our prober
    });
    socket.on('error', () => socket.destroy());
  });
  await listen(tcp, host, tcpPort);

  const token = Buffer.from(`${runToken} `);
  const receivedFrom = new Map<string, number>();
  const udp = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', ipv6Only: false });
  udp.on('message', (msg, rinfo) => {
    if (msg.length < token.length || !msg.subarray(0, token.length).equals(token)) {
      counts.udpIgnored++;
      return;
    }
    counts.udpEchoed++;
    // The echo carries how many datagrams this sender's socket has delivered here, so the
    // prober can tell probes lost on the way there from answers lost on the way back.
    const sender = `${rinfo.address} ${rinfo.port}`;
    const received = (receivedFrom.get(sender) ?? 0) + 1;
    if (receivedFrom.size >= MAX_TRACKED_SENDERS && !receivedFrom.has(sender)) receivedFrom.clear();
    receivedFrom.set(sender, received);
    udp.send(Buffer.concat([msg, Buffer.from(` ${received}`)]), rinfo.port, rinfo.address);
  });
  try {
    await bindUdp(udp, host, udpPort);
  } catch (err) {
    tcp.close();
    throw err;
  }

  return {
    counts,
    ports: { tcp: (tcp.address() as AddressInfo).port, udp: udp.address().port },
    close: () => new Promise<void>((resolve) => {
      udp.close();
      tcp.close(() => resolve());
      // Connections still open would keep close() waiting for their peers.
      for (const socket of open) socket.destroy();
    }),
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(portError(err, 'TCP', host, port)));
    server.listen({ host, port, backlog: 4096, ipv6Only: false }, () => resolve());
  });
}

function bindUdp(socket: UdpSocket, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', (err: NodeJS.ErrnoException) => reject(portError(err, 'UDP', host, port)));
    socket.bind(port, host, () => resolve());
  });
}

/** Errors that are the agent's own (exit non-zero), not the network's. */
export class AgentSetupError extends Error {}

/** The address family of `host` is not there (EAFNOSUPPORT, EADDRNOTAVAIL): try another. */
class NoFamilyError extends AgentSetupError {}

function portError(err: NodeJS.ErrnoException, proto: string, host: string, port: number): Error {
  if (err.code === 'EAFNOSUPPORT' || (err.code === 'EADDRNOTAVAIL' && host === ANY_DUAL_STACK)) return new NoFamilyError(`cannot listen on ${proto} ${host}:${port}: ${err.message}`);
  if (err.code === 'EADDRINUSE') return new AgentSetupError(`${proto} port ${port} on ${host} is already in use`);
  if (err.code === 'EACCES') return new AgentSetupError(`no permission to listen on ${proto} port ${port} (ports < 1024 need root or CAP_NET_BIND_SERVICE)`);
  return new AgentSetupError(`cannot listen on ${proto} ${host}:${port}: ${err.message}`);
}
