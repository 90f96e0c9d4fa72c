// Installs the Debian packages a command needs and this machine lacks, saying so on
// stderr (apt-get's own output only when it fails), so a command's stdout stays data.
// One module for the demo, the lab (`npm run lab -- up`) and the test command's set-up.
import { spawnSync } from 'node:child_process';

export class MissingPackagesError extends Error {}

/** dpkg's own answer: installed means status "install ok installed" (not merely unpacked or removed). */
export function isInstalled(pkg: string): boolean {
  const query = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return query.status === 0 && query.stdout.trim() === 'install ok installed';
}

export function missingPackages(packages: readonly string[]): string[] {
  return [...new Set(packages)].filter((p) => !isInstalled(p));
}

export function installHint(packages: readonly string[]): string {
  return `apt-get install ${packages.join(' ')}`;
}

/** apt-get, its output shown only when it fails (dpkg's progress ignores -qq). */
function apt(args: string[]): boolean {
  const run = spawnSync('apt-get', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (run.status !== 0) process.stderr.write(`${run.stdout ?? ''}${run.stderr ?? run.error?.message ?? ''}`);
  return run.status === 0;
}

/**
 * Installs whichever of `packages` are missing (nothing, and says nothing, when none is).
 * Needs root to install; without it, or when apt-get fails, throws naming the apt-get line.
 */
export function ensureDebianPackages(packages: readonly string[], purpose: string, isRoot = process.getuid?.() === 0): void {
  const missing = missingPackages(packages);
  if (missing.length === 0) return;
  if (!isRoot) throw new MissingPackagesError(`${purpose} needs the Debian packages ${missing.join(', ')}; as root: ${installHint(missing)}`);
  process.stderr.write(`installing ${missing.join(', ')} for ${purpose} (apt-get)\n`);
  // The package lists of a fresh machine may be empty or stale: update first. Recommends stay out:
  // prometheus would bring node-exporter's daemon, qemu-user binfmt handlers for the whole machine.
  if (!apt(['update', '-qq']) || !apt(['install', '-y', '-qq', '--no-install-recommends', ...missing])) {
    throw new MissingPackagesError(`could not install ${missing.join(', ')} for ${purpose}; try: ${installHint(missing)}`);
  }
}
