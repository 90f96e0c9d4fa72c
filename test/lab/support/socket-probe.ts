// Plain-socket client and server for the lab's own tests (not the plugin's probes), run inside
// lab namespaces with `ip netns exec … node socket-probe.ts <mode> …`; prints one JSON line.
//   serve TCP_PORT UDP_PORT            TCP echo + UDP echo, forever
//   tcp HOST PORT BYTES TIMEOUT_MS     connect, send BYTES, wait for them echoed: {ok, connectMs, ms}
//   udp HOST PORT COUNT TIMEOUT_MS     COUNT datagrams one by one: {received}
//   dns SERVER NAME TIMEOUT_MS         A lookup: {ok, addresses | code}
//   resolve NAME                       through the system resolver (resolv.conf): {ok, address | code}
//   hello PORT                         TCP: writes $HOSTNAME to each connection and closes it
//   read HOST PORT TIMEOUT_MS          what a connection gets before it closes: {ok, text}
import { createSocket } from 'node:dgram';
import { lookup, Resolver } from 'node:dns/promises';
import { createConnection, createServer } from 'node:net';

const [mode, ...args] = process.argv.slice(2);
const print = (result: object): void => { process.stdout.write(JSON.stringify(result) + '\n'); };

function tcp(host: string, port: number, bytes: number, timeoutMs: number): Promise<object> {
  const start = performance.now();
  return new Promise((resolve) => {
    let connectMs: number | undefined;
    let received = 0;
    const socket = createConnection({ host, port });
    const finish = (ok: boolean, error?: string): void => {
      socket.destroy();
      resolve({ ok, connectMs, ms: performance.now() - start, received, error });
    };
    socket.setTimeout(timeoutMs, () => finish(false, 'timeout'));
    socket.on('error', (err: NodeJS.ErrnoException) => finish(false, err.code));
    socket.on('connect', () => {
      connectMs = performance.now() - start;
      if (bytes === 0) finish(true);
      else socket.write(Buffer.alloc(bytes, 0x61));
    });
    socket.on('data', (chunk) => {
      received += chunk.length;
      if (received >= bytes) finish(true);
    });
  });
}

async function udp(host: string, port: number, count: number, timeoutMs: number): Promise<object> {
  const socket = createSocket('udp4');
  let received = 0;
  socket.on('message', () => { received++; });
  for (let i = 0; i < count; i++) {
    const before = received;
    socket.send(Buffer.from(`probe ${i}`), port, host);
    const deadline = performance.now() + timeoutMs;
    while (received === before && performance.now() < deadline) await new Promise((r) => setTimeout(r, 1));
  }
  socket.close();
  return { received };
}

async function dns(server: string, name: string, timeoutMs: number): Promise<object> {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
  resolver.setServers([server]);
  try {
    return { ok: true, addresses: await resolver.resolve4(name) };
  } catch (err) {
    return { ok: false, code: (err as NodeJS.ErrnoException).code };
  }
}

function serve(tcpPort: number, udpPort: number): void {
  createServer((socket) => { socket.on('error', () => {}); socket.pipe(socket); }).listen(tcpPort);
  const socket = createSocket('udp4');
  socket.on('message', (msg, rinfo) => socket.send(msg, rinfo.port, rinfo.address));
  socket.bind(udpPort, () => print({ listening: true, tcpPort, udpPort, host: process.env.HOSTNAME }));
}

function hello(port: number): void {
  createServer((socket) => { socket.on('error', () => {}); socket.end(process.env.HOSTNAME ?? ''); }).listen(port, () => print({ listening: true, port }));
}

function read(host: string, port: number, timeoutMs: number): Promise<object> {
  return new Promise((resolve) => {
    let text = '';
    const socket = createConnection({ host, port });
    socket.setTimeout(timeoutMs, () => { socket.destroy(); resolve({ ok: false, error: 'timeout' }); });
    socket.on('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, error: err.code }));
    socket.on('data', (chunk) => { text += chunk; });
    socket.on('end', () => { socket.destroy(); resolve({ ok: true, text }); });
  });
}

switch (mode) {
  case 'serve': serve(Number(args[0]), Number(args[1])); break;
  case 'tcp': print(await tcp(args[0], Number(args[1]), Number(args[2]), Number(args[3]))); break;
  case 'udp': print(await udp(args[0], Number(args[1]), Number(args[2]), Number(args[3]))); break;
  case 'hello': hello(Number(args[0])); break;
  case 'read': print(await read(args[0], Number(args[1]), Number(args[2]))); break;
  case 'dns': print(await dns(args[0], args[1], Number(args[2]))); break;
  case 'resolve':
    try {
      print({ ok: true, address: (await lookup(args[0], { family: 4 })).address });
    } catch (err) {
      print({ ok: false, code: (err as NodeJS.ErrnoException).code });
    }
    break;
  default: throw new Error(`unknown mode ${mode}`);
}
