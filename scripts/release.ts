// npm run release: the krew archive (kubectl-netprobe + LICENSE) with a reproducible
// sha256 (sorted entries, fixed times and owners, no gzip timestamp), and
// krew-plugin.yaml filled in with its version, download address and sha256.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCli } from './build.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const RELEASES = 'https://github.com/netprobe/kubectl-netprobe/releases/download';

export function fillManifest(manifest: string, version: string, uri: string, sha256: string): string {
  return manifest
    .replace(/^(\s*version:\s*).*$/m, `$1${version}`)
    .replace(/^(\s*uri:\s*).*$/m, `$1${uri}`)
    .replace(/^(\s*sha256:\s*).*$/m, `$1"${sha256}"`);
}

export async function release(outDir = join(root, 'dist', 'release'), manifestPath = join(root, 'krew-plugin.yaml')): Promise<{ archive: string; sha256: string; version: string }> {
  const version = `v${JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version}`;
  const staging = mkdtempSync(join(tmpdir(), 'netprobe-release-'));
  try {
    copyFileSync(await buildCli(), join(staging, 'kubectl-netprobe'));
    copyFileSync(join(root, 'LICENSE'), join(staging, 'LICENSE'));
    mkdirSync(outDir, { recursive: true });
    const archive = join(outDir, `kubectl-netprobe-${version}.tar.gz`);
    const tar = execFileSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-cf', '-', '-C', staging, 'kubectl-netprobe', 'LICENSE'], { maxBuffer: 256 * 2 ** 20 });
    writeFileSync(archive, execFileSync('gzip', ['-n', '-9'], { input: tar, maxBuffer: 256 * 2 ** 20 }));
    const sha256 = createHash('sha256').update(readFileSync(archive)).digest('hex');
    writeFileSync(manifestPath, fillManifest(readFileSync(manifestPath, 'utf8'), version, `${RELEASES}/${version}/kubectl-netprobe-${version}.tar.gz`, sha256));
    return { archive, sha256, version };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { archive, sha256, version } = await release();
  process.stdout.write(`${archive}\nsha256 ${sha256}\nkrew-plugin.yaml now names ${version}\n`);
}
