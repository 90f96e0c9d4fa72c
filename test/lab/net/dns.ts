// Cluster DNS: dnsmasq (in kube-dns pods) answering <svc>.<ns>.svc.cluster.local from a hosts
// file the lab writes. dnsmasq watches a --hostsdir with inotify and re-reads a changed file,
// dropping the names it had read from it, so publishing needs no signal; the file is replaced
// by rename so dnsmasq never reads half of it. It never forwards: --no-resolv and no server.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KUBE_DNS_IP } from '../addresses.ts';

export const CLUSTER_DOMAIN = 'cluster.local';

export const serviceFQDN = (namespace: string, name: string): string => `${name}.${namespace}.svc.${CLUSTER_DOMAIN}`;

/** The dnsmasq command line a kube-dns container runs. */
export function dnsmasqArgs(hostsDir: string): string[] {
  return [
    '--keep-in-foreground', '--log-facility=-', '--conf-file=/dev/null', '--pid-file=',
    '--no-resolv', '--no-poll', '--no-hosts', `--hostsdir=${hostsDir}`,
    // Names under cluster.local that are not in the file get NXDOMAIN instead of REFUSED.
    `--local=/${CLUSTER_DOMAIN}/`, '--domain-needed',
    // The lab's files are root's; dnsmasq would otherwise drop to nobody and fail to read them.
    '--user=root', '--group=root',
  ];
}

/** A pod's resolv.conf, as the kubelet writes it for dnsPolicy ClusterFirst. */
export function resolvConf(namespace: string | undefined): string {
  const search = [...(namespace ? [`${namespace}.svc.${CLUSTER_DOMAIN}`] : []), `svc.${CLUSTER_DOMAIN}`, CLUSTER_DOMAIN];
  return `nameserver ${KUBE_DNS_IP}\nsearch ${search.join(' ')}\noptions ndots:5\n`;
}

/** `ip netns exec` bind-mounts /etc/netns/<ns>/resolv.conf over /etc/resolv.conf (ip-netns(8)). */
export function writeNetnsResolvConf(netns: string, namespace: string | undefined): string {
  const dir = join('/etc/netns', netns);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'resolv.conf'), resolvConf(namespace), { mode: 0o644 });
  return dir;
}

export const dnsHostsDir = (labDir: string): string => join(labDir, 'dns');

export class ClusterDns {
  readonly hostsDir: string;
  private readonly names = new Map<string, string>();

  constructor(labDir: string) {
    this.hostsDir = dnsHostsDir(labDir);
    mkdirSync(this.hostsDir, { recursive: true, mode: 0o755 });
    this.write();
  }

  publish(fqdn: string, ip: string): void {
    this.names.set(fqdn, ip);
    this.write();
  }

  unpublish(fqdn: string): void {
    if (this.names.delete(fqdn)) this.write();
  }

  private write(): void {
    const text = [...this.names].map(([name, ip]) => `${ip} ${name}\n`).join('');
    // dnsmasq skips dotfiles in a hostsdir, so the temporary file is never read.
    const tmp = join(this.hostsDir, '.hosts.tmp');
    writeFileSync(tmp, text, { mode: 0o644 });
    renameSync(tmp, join(this.hostsDir, 'hosts'));
  }
}
