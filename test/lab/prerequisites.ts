// The host tools the lab runs, and the Debian packages that provide them.
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import type { Overlay } from './state.ts';

const TOOLS: Record<string, string> = {
  ip: 'iproute2', bridge: 'iproute2', tc: 'iproute2',
  nft: 'nftables',
  dnsmasq: 'dnsmasq-base',
  setpriv: 'util-linux', mount: 'mount',
  // Only for --overlay routed, which learns its routes over BGP from BIRD 2.
  bird: 'bird2',
};

function onPath(tool: string): boolean {
  // A non-root PATH often lacks the sbin directories where these live.
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin'];
  return dirs.some((dir) => {
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** What to tell a user who lacks these tools. */
export function missingToolsMessage(missing: string[]): string {
  const packages = [...new Set(missing.map((t) => TOOLS[t]))];
  return `the lab needs ${missing.join(', ')}, which this machine lacks; install them with:\n  apt-get install ${packages.join(' ')}`;
}

/** Throws naming the apt-get line that installs whatever is missing. */
export function checkPrerequisites(overlay: Overlay): void {
  const missing = Object.keys(TOOLS).filter((tool) => (tool !== 'bird' || overlay === 'routed') && !onPath(tool));
  if (missing.length) throw new Error(missingToolsMessage(missing));
}
