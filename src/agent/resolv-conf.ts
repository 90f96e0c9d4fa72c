// The pod's /etc/resolv.conf as its stub resolver reads it (resolv.conf(5)): the first
// nameserver, the search list and ndots. The kubelet writes it for dnsPolicy ClusterFirst:
// the cluster DNS Service (or NodeLocal DNSCache's link-local address), the namespace's
// search domains and ndots:5.
import { readFileSync } from 'node:fs';

export interface ResolvConf {
  nameserver?: string;
  search: string[];
  /** resolv.conf(5) default: 1. */
  ndots: number;
}

export function parseResolvConf(text: string): ResolvConf {
  const conf: ResolvConf = { search: [], ndots: 1 };
  for (const line of text.split('\n')) {
    const [keyword, ...values] = line.trim().split(/\s+/);
    if (keyword === 'nameserver' && conf.nameserver === undefined && values[0]) conf.nameserver = values[0];
    // The last search (or domain) line wins.
    if (keyword === 'search' || keyword === 'domain') conf.search = values;
    if (keyword === 'options') {
      for (const option of values) {
        const ndots = /^ndots:(\d+)$/.exec(option);
        // glibc caps ndots at 15.
        if (ndots) conf.ndots = Math.min(Number(ndots[1]), 15);
      }
    }
  }
  return conf;
}

export function readResolvConf(readFile = (p: string) => readFileSync(p, 'utf8')): ResolvConf {
  return parseResolvConf(readFile('/etc/resolv.conf'));
}

export function defaultResolver(readFile = (p: string) => readFileSync(p, 'utf8')): string {
  const server = readResolvConf(readFile).nameserver;
  if (!server) throw new Error('no nameserver in /etc/resolv.conf and none given in the plan');
  return server;
}
