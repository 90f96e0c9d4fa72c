// The krew manifest follows krew's rules, and the release step fills in an archive
// whose sha256 it really has, with the plugin binary and licence inside.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import { release } from '../../scripts/release.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface KrewPlugin {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    version: string;
    shortDescription: string;
    platforms: { selector: unknown; uri: string; sha256: string; bin: string; files?: { from: string; to: string }[] }[];
  };
}

function checkKrewRules(plugin: KrewPlugin): void {
  expect(plugin.apiVersion).toBe('krew.googlecontainertools.github.com/v1alpha2');
  expect(plugin.kind).toBe('Plugin');
  expect(plugin.metadata.name).toMatch(/^[a-z0-9][a-z0-9-]*$/);
  // krew: spec.version is semver with a leading v.
  expect(plugin.spec.version).toMatch(/^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
  expect(plugin.spec.shortDescription.length).toBeGreaterThan(0);
  expect(plugin.spec.shortDescription.length).toBeLessThanOrEqual(50);
  expect(plugin.spec.platforms.length).toBeGreaterThan(0);
  for (const platform of plugin.spec.platforms) {
    expect(platform.selector).toBeDefined();
    expect(platform.uri).toMatch(/^https:\/\//);
    expect(platform.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(platform.bin).toBe(`kubectl-${plugin.metadata.name}`);
  }
}

test('krew-plugin.yaml follows krew\'s manifest rules and names this version', () => {
  const plugin = load(readFileSync(join(root, 'krew-plugin.yaml'), 'utf8')) as KrewPlugin;
  checkKrewRules(plugin);
  expect(plugin.spec.version).toBe(`v${JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version}`);
});

test('the release step builds the archive and fills in its real sha256', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'netprobe-krew-'));
  try {
    const manifest = join(dir, 'krew-plugin.yaml');
    copyFileSync(join(root, 'krew-plugin.yaml'), manifest);
    const { archive, sha256 } = await release(join(dir, 'out'), manifest);
    expect(createHash('sha256').update(readFileSync(archive)).digest('hex')).toBe(sha256);
    const plugin = load(readFileSync(manifest, 'utf8')) as KrewPlugin;
    checkKrewRules(plugin);
    expect(plugin.spec.platforms[0].sha256).toBe(sha256);
    expect(plugin.spec.platforms[0].uri.endsWith(archive.split('/').pop()!)).toBe(true);
    const entries = execFileSync('tar', ['tzf', archive], { encoding: 'utf8' }).trim().split('\n').sort();
    expect(entries).toEqual(['LICENSE', 'kubectl-netprobe']);
    for (const file of plugin.spec.platforms[0].files ?? []) expect(entries).toContain(file.from);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
