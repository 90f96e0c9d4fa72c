// The host tools the lab runs, and the Debian packages that provide them: `npm run lab -- up`
// installs those it lacks (as the demo and the test set-up do, through one module).
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { ensureDebianPackages, MissingPackagesError } from '../../scripts/debian-packages.ts';
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

function missingTools(overlay: Overlay): string[] {
  return Object.keys(TOOLS).filter((tool) => (tool !== 'bird' || overlay === 'routed') && !onPath(tool));
}

/** Installs the packages of the tools this machine lacks (root only); throws naming the apt-get line when it cannot. */
export function ensurePrerequisites(overlay: Overlay): void {
  const missing = missingTools(overlay);
  if (missing.length === 0) return;
  try {
    ensureDebianPackages(missing.map((t) => TOOLS[t]), 'the lab');
  } catch (err) {
    if (err instanceof MissingPackagesError) throw new Error(missingToolsMessage(missing));
    throw err;
  }
  const still = missingTools(overlay);
  if (still.length) throw new Error(missingToolsMessage(still));
}
