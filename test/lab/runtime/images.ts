// Container images map to runtimes already on this machine, so no image is ever pulled:
// `node:*` → the project's own Node 22, busybox/alpine-like → the host's shell tools, and
// the lab's own `netprobe-lab/dnsmasq` → dnsmasq serving the cluster DNS names.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ContainerSpec } from '../contracts.ts';

/** The pinned Node 22 of the `node` npm package, resolved from this repository. */
export const NODE_BIN_DIR = dirname(fileURLToPath(new URL('../../../node_modules/node/bin/node', import.meta.url)));

export const DNSMASQ_IMAGE = 'netprobe-lab/dnsmasq';
const SHELL_IMAGES = new Set(['busybox', 'alpine', 'debian', 'ubuntu', 'bash', 'nicolaka/netshoot', 'curlimages/curl']);
/** CNI agents (../cni-agents.ts): the lab does their work itself, so they just stay up. */
const CNI_AGENT_IMAGES = new Set(['flannel/flannel', 'calico/node']);

export class UnknownImageError extends Error {}

/** `docker.io/library/node:22-alpine@sha256:…` → `node`; `netprobe-lab/dnsmasq:1` → `netprobe-lab/dnsmasq`. */
export function imageRepository(image: string): string {
  const withoutDigest = image.split('@')[0];
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  let repo = colon === -1 ? withoutDigest : withoutDigest.slice(0, colon);
  for (const registry of ['docker.io/', 'registry-1.docker.io/', 'library/']) if (repo.startsWith(registry)) repo = repo.slice(registry.length);
  return repo;
}

/**
 * The argv a container runs, with Docker's semantics: `command` replaces the image's
 * ENTRYPOINT, `args` its CMD. The node image's entrypoint runs `node` unless the first
 * argument is a command (docker-entrypoint.sh); busybox's CMD is `sh`.
 */
export function containerArgv(container: ContainerSpec, dnsmasqArgs: string[]): string[] {
  const repo = imageRepository(container.image);
  const args = container.args ?? [];
  if (CNI_AGENT_IMAGES.has(repo)) return ['sleep', 'infinity'];
  if (repo !== 'node' && repo !== DNSMASQ_IMAGE && !SHELL_IMAGES.has(repo)) {
    throw new UnknownImageError(`image "${container.image}" has no local runtime in the lab (known: node:*, ${[...SHELL_IMAGES].join(', ')}, ${DNSMASQ_IMAGE})`);
  }
  if (container.command?.length) return [...container.command, ...args];
  if (repo === 'node') return args.length === 0 || args[0].startsWith('-') || /\.[cm]?[jt]s$/.test(args[0]) ? ['node', ...args] : args;
  if (repo === DNSMASQ_IMAGE) return ['dnsmasq', ...dnsmasqArgs, ...args];
  return args.length ? args : ['sh'];
}

/** The image decides what is on PATH: the node image puts Node 22 first. */
export function containerPath(image: string): string {
  const system = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  return imageRepository(image) === 'node' ? `${NODE_BIN_DIR}:${system}` : system;
}
