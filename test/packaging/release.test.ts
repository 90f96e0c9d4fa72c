// `npm run release` as a user of each platform meets it: the krew manifest follows krew's rules
// and is the one this commit's archives give; linux/amd64 and linux/arm64 are executables that
// need no Node.js (arm64 run under qemu-user); darwin keeps the Node bundle; on the lab, the
// real kubectl runs the standalone executable with no node anywhere on PATH.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import { release } from '../../scripts/release.ts';
import { analyse } from '../../src/analyse/analyse.ts';
import { renderJson } from '../../src/render/json.ts';
import type { MatrixReport } from '../../src/shared/report.ts';
import { healthyNoise, matrixResults, nodeNames, RUN, type PairSpecOf } from '../support/agent-results.ts';
import { kubectlPath } from '../support/kubectl.ts';
import { exec, LabSession, type ExecResult } from '../support/lab-session.ts';
import { describeAsRoot } from '../support/netns.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const VERSION = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version as string;
/** The arm64 C and C++ runtime from Debian's libc6-arm64-cross and libstdc++6-arm64-cross. */
const ARM64_SYSROOT = '/usr/aarch64-linux-gnu';

interface KrewPlugin {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    version: string;
    shortDescription: string;
    caveats?: string;
    platforms: { selector: { matchLabels: Record<string, string> }; uri: string; sha256: string; bin: string; files: { from: string; to: string }[] }[];
  };
}

const dir = mkdtempSync(join(tmpdir(), 'netprobe-release-test-'));
let released: Awaited<ReturnType<typeof release>>;
const unpacked = (platform: string) => join(dir, 'unpacked', platform);

beforeAll(async () => {
  released = await release({ outDir: join(dir, 'out'), manifestPath: join(dir, 'krew-plugin.yaml') });
  for (const archive of released.archives) {
    mkdirSync(unpacked(archive.platform.name), { recursive: true });
    const tar = spawnSync('tar', ['-xzf', archive.file, '-C', unpacked(archive.platform.name)], { encoding: 'utf8' });
    if (tar.status !== 0) throw new Error(`cannot unpack ${archive.file}: ${tar.stderr}`);
  }
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Two saved matrix reports, as `matrix -o json --out` writes them: clean, then node-3 -> node-4 losing 40 of 300 TCP probes. */
function savedReports(): { before: string; after: string } {
  const nodes = nodeNames(4);
  const report = (specOf: PairSpecOf) => analyse({ run: RUN, nodes: nodes.map((name) => ({ name })), results: matrixResults(nodes, ['tcp', 'udp'], specOf) });
  const faulty: PairSpecOf = (s, d, p) => ({ ...healthyNoise(2)(s, d, p), ...(s === 'node-3' && d === 'node-4' && p === 'tcp' ? { lost: 40 } : {}) });
  const before = join(dir, 'before.json');
  const after = join(dir, 'after.json');
  writeFileSync(before, renderJson(report(healthyNoise(1))));
  writeFileSync(after, renderJson(report(faulty)));
  return { before, after };
}

/** Runs a command with PATH holding only `path` (no node there), as on a machine without Node.js. */
function run(cmd: string, args: string[], path: string): ExecResult {
  const child = spawnSync(cmd, args, { encoding: 'utf8', env: { PATH: path, NO_COLOR: '1' }, timeout: 120_000 });
  return { code: child.status ?? 1, stdout: child.stdout ?? '', stderr: child.stderr ?? String(child.error) };
}

describe('krew-plugin.yaml', () => {
  test('follows krew\'s manifest rules: this version, one platform per archive, each with the archive\'s own sha256', () => {
    const plugin = load(released.manifest) as KrewPlugin;
    expect(plugin).toMatchObject({ apiVersion: 'krew.googlecontainertools.github.com/v1alpha2', kind: 'Plugin', metadata: { name: 'netprobe' } });
    expect(plugin.spec.version).toBe(`v${VERSION}`);
    expect(plugin.spec.shortDescription.length).toBeLessThanOrEqual(50);
    expect(plugin.spec.platforms.map((p) => p.selector.matchLabels)).toEqual([{ os: 'linux', arch: 'amd64' }, { os: 'linux', arch: 'arm64' }, { os: 'darwin' }]);
    for (const [i, platform] of plugin.spec.platforms.entries()) {
      const archive = released.archives[i];
      expect(platform.sha256).toBe(createHash('sha256').update(readFileSync(archive.file)).digest('hex'));
      expect(platform.uri).toBe(`https://github.com/netprobe/kubectl-netprobe/releases/download/v${VERSION}/${archive.file.split('/').at(-1)}`);
      expect(platform.bin).toBe('kubectl-netprobe');
      const entries = spawnSync('tar', ['-tzf', archive.file], { encoding: 'utf8' }).stdout.trim().split('\n').sort();
      expect(platform.files.map((f) => f.from).sort()).toEqual(entries);
      expect(entries).toEqual(expect.arrayContaining(['LICENSE', 'kubectl-netprobe', 'kubectl_complete-netprobe']));
    }
    expect(new Set(plugin.spec.platforms.map((p) => p.sha256)).size).toBe(3);
    expect(plugin.spec.caveats).toContain('On macOS it is a\nNode.js program');
  });

  // Made by another process, in another directory, at another time: equal bytes also show the release is reproducible.
  test('the committed krew-plugin.yaml is the one `npm run release` makes from this commit', () => {
    const committed = readFileSync(join(root, 'krew-plugin.yaml'), 'utf8');
    if (committed !== released.manifest) {
      throw new Error('krew-plugin.yaml is out of step with the archives this commit builds (src/, scripts/, package.json or the lockfile changed since it was made): run `npm run release` and commit krew-plugin.yaml');
    }
  });
});

describe('linux/amd64: a standalone executable', () => {
  const exe = () => join(unpacked('linux-amd64'), 'kubectl-netprobe');

  test('runs with nothing but itself on PATH: --version on every command, --help', () => {
    expect(run('node', ['--version'], unpacked('linux-amd64')).code).not.toBe(0);
    for (const command of [[], ['matrix'], ['compare'], ['nodes'], ['dns'], ['cleanup']]) {
      expect(run(exe(), [...command, '--version'], unpacked('linux-amd64'))).toMatchObject({ code: 0, stdout: `${VERSION}\n` });
    }
    const help = run(exe(), ['--help'], unpacked('linux-amd64'));
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/kubectl netprobe <command>[\s\S]*matrix[\s\S]*compare/);
  });

  test('compares two saved reports: the regression named, exit 2', () => {
    const { before, after } = savedReports();
    const compare = run(exe(), ['compare', before, after], unpacked('linux-amd64'));
    expect(compare.code).toBe(2);
    expect(compare.stdout).toMatch(/node-3 -> node-4 +tcp\/pod +loss/);
  });
});

describe('linux/arm64 under qemu-user', () => {
  const exe = () => join(unpacked('linux-arm64'), 'kubectl-netprobe');
  const qemu = (...args: string[]) => run('/usr/bin/qemu-aarch64', ['-L', ARM64_SYSROOT, exe(), ...args], unpacked('linux-arm64'));

  test('is an arm64 executable that needs no Node.js: --version, --help', () => {
    // ELF header e_machine (offset 18): EM_AARCH64.
    expect(readFileSync(exe()).readUInt16LE(18)).toBe(0xb7);
    expect(qemu('--version')).toMatchObject({ code: 0, stdout: `${VERSION}\n` });
    const help = qemu('matrix', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--fail-on');
  }, 120_000);

  test('compares two saved reports: the regression named, exit 2', () => {
    const { before, after } = savedReports();
    const compare = qemu('compare', before, after, '-o', 'json');
    expect(compare.code).toBe(2);
    const regressions = (JSON.parse(compare.stdout) as { regressions: { source: string; destination: string; protocol: string }[] }).regressions;
    expect(regressions.length).toBeGreaterThan(0);
    expect(regressions.map((r) => `${r.source} -> ${r.destination} ${r.protocol}`)).toEqual(regressions.map(() => 'node-3 -> node-4 tcp'));
  }, 120_000);
});

test('darwin: the Node bundle, with Node named as what it needs', () => {
  const exe = join(unpacked('darwin'), 'kubectl-netprobe');
  expect(readFileSync(exe, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  expect(run(process.execPath, [exe, '--version'], unpacked('darwin'))).toMatchObject({ code: 0, stdout: `${VERSION}\n` });
});

describeAsRoot('the linux/amd64 executable through the real kubectl on the lab, no node on PATH', () => {
  const lab = new LabSession();
  beforeAll(() => lab.up('--nodes', '3'), 60_000);
  afterAll(() => lab.down(), 60_000);

  test('kubectl netprobe matrix measures every pair', async () => {
    const path = join(dir, 'path-without-node');
    mkdirSync(path);
    copyFileSync(kubectlPath(), join(path, 'kubectl'));
    for (const file of ['kubectl-netprobe', 'kubectl_complete-netprobe']) copyFileSync(join(unpacked('linux-amd64'), file), join(path, file));
    for (const file of ['kubectl', 'kubectl-netprobe', 'kubectl_complete-netprobe']) chmodSync(join(path, file), 0o755);
    expect(run('node', ['--version'], path).code).not.toBe(0);

    const result = await exec(join(path, 'kubectl'), ['netprobe', 'matrix', '--kubeconfig', lab.kubeconfig, '-o', 'json', '--duration', '5s', '--rate', '5', '--timeout', '20s'], { PATH: path }, 120_000);
    if (result.code !== 0) throw new Error(`matrix failed (${result.code}): ${result.stderr}`);
    const report = JSON.parse(result.stdout) as MatrixReport;
    expect(report.nodes.map((n) => [n.name, n.status])).toEqual([['node1', 'ok'], ['node2', 'ok'], ['node3', 'ok']]);
    const tcp = report.pairs.filter((p) => p.protocol === 'tcp');
    expect(tcp).toHaveLength(6);
    for (const pair of tcp) {
      expect(pair.attempts).toBeGreaterThan(0);
      expect(pair.successes).toBe(pair.attempts);
    }
  }, 120_000);
});
