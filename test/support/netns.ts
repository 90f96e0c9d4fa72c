// Real test networks: Linux network namespaces, veth pairs and nftables, made by
// the test and removed by it (also when it fails). Addresses stay in 198.18.0.0/15.
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describeRequiring } from './requires.ts';

export const IS_ROOT = process.getuid?.() === 0;

/** `describe` for suites that need root: skipped with a notice without it, a failing test under CI=true (requires.ts). */
export function describeAsRoot(name: string, body: () => void): void {
  describeRequiring({ met: IS_ROOT, needs: 'root (network namespaces, nftables)', ciHasIt: 'CI runs as root' }, name, body);
}

export function run(cmd: string, args: string[], input?: string): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')}: ${(e.stderr || e.message).trim()}`);
  }
}

/** Runs a command inside a network namespace (`ip netns exec`). */
export function nsExec(ns: string, cmd: string, args: string[], input?: string): string {
  return run('ip', ['netns', 'exec', ns, cmd, ...args], input);
}

/** Runs many `ip` (or `bridge`) commands in one process (`-batch`): one exec instead of dozens,
 *  which is what keeps a 10-node lab's setup within seconds. ns undefined = the caller's namespace. */
export function batch(tool: 'ip' | 'bridge', ns: string | undefined, lines: string[]): void {
  if (lines.length === 0) return;
  run(tool, [...(ns ? ['-n', ns] : []), '-batch', '-'], lines.join('\n') + '\n');
}

/** A set of namespaces and processes that one test owns; dispose() removes all of it. */
export class TestNet {
  readonly prefix = `nptest-${randomBytes(3).toString('hex')}`;
  private readonly namespaces: string[] = [];
  private readonly children: ChildProcess[] = [];

  /** Creates namespace `<prefix>-<name>` with loopback up; returns its full name. */
  namespace(name: string): string {
    const ns = `${this.prefix}-${name}`;
    run('ip', ['netns', 'add', ns]);
    this.namespaces.push(ns);
    this.exec(ns, 'ip', ['link', 'set', 'lo', 'up']);
    return ns;
  }

  /** A veth pair between two namespaces, addressed and up. cidrA/cidrB like '198.18.0.1/24'. */
  link(nsA: string, cidrA: string, nsB: string, cidrB: string, ifname = 'eth0'): void {
    const tmpA = `v${randomBytes(4).toString('hex')}`;
    const tmpB = `v${randomBytes(4).toString('hex')}`;
    run('ip', ['link', 'add', tmpA, 'netns', nsA, 'type', 'veth', 'peer', 'name', tmpB, 'netns', nsB]);
    for (const [ns, tmp, cidr] of [[nsA, tmpA, cidrA], [nsB, tmpB, cidrB]] as const) {
      this.exec(ns, 'ip', ['link', 'set', tmp, 'name', ifname]);
      this.exec(ns, 'ip', ['addr', 'add', cidr, 'dev', ifname]);
      this.exec(ns, 'ip', ['link', 'set', ifname, 'up']);
    }
  }

  /** A bridge inside a namespace (a switch the test's hosts plug into). */
  bridge(ns: string, name = 'br0'): void {
    this.exec(ns, 'ip', ['link', 'add', name, 'type', 'bridge']);
    this.exec(ns, 'ip', ['link', 'set', name, 'up']);
  }

  /** Plugs namespace `ns` into `bridge` of `bridgeNs` with a veth; `ns` gets eth0 with `cidr`. */
  plug(ns: string, cidr: string, bridgeNs: string, bridge = 'br0'): void {
    const port = `p${randomBytes(4).toString('hex')}`;
    const tmp = `v${randomBytes(4).toString('hex')}`;
    run('ip', ['link', 'add', port, 'netns', bridgeNs, 'type', 'veth', 'peer', 'name', tmp, 'netns', ns]);
    this.exec(bridgeNs, 'ip', ['link', 'set', port, 'master', bridge, 'up']);
    this.exec(ns, 'ip', ['link', 'set', tmp, 'name', 'eth0']);
    this.exec(ns, 'ip', ['addr', 'add', cidr, 'dev', 'eth0']);
    this.exec(ns, 'ip', ['link', 'set', 'eth0', 'up']);
  }

  exec(ns: string, cmd: string, args: string[], input?: string): string {
    return nsExec(ns, cmd, args, input);
  }

  /** Loads an nftables ruleset (nft -f syntax) into a namespace; it goes with the namespace. */
  nft(ns: string, ruleset: string): void {
    this.exec(ns, 'nft', ['-f', '-'], ruleset);
  }

  /** Starts a long-running process inside a namespace; it is killed on dispose(). */
  spawn(ns: string, cmd: string, args: string[], options: SpawnOptions = {}): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    this.children.push(child);
    return child;
  }

  dispose(): void {
    for (const child of this.children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const ns of this.namespaces.splice(0)) removeNamespace(ns);
  }
}

/** Kills whatever still runs in a namespace (processes started some other way must not keep
 *  it alive), then deletes it. A missing namespace counts as removed. */
export function removeNamespace(ns: string): void {
  let pids: string[];
  try {
    pids = run('ip', ['netns', 'pids', ns]).split(/\s+/).filter(Boolean);
  } catch {
    return;
  }
  for (const pid of pids) {
    try { process.kill(Number(pid), 'SIGKILL'); } catch { /* already gone */ }
  }
  try { run('ip', ['netns', 'del', ns]); } catch { /* already gone */ }
}

/** Namespaces of earlier test runs that died before their cleanup (e.g. a killed jest). */
export function leftoverTestNamespaces(): string[] {
  return run('ip', ['netns', 'list']).split('\n').map((l) => l.split(' ')[0]).filter((n) => n.startsWith('nptest-'));
}
