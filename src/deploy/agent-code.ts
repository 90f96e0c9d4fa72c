// The agent bundle that goes into the run's ConfigMap. The released single-file
// CLI carries it inline (scripts/build.ts defines __NETPROBE_AGENT_CODE__); run
// from source, the CLI bundles it on the spot with esbuild (a devDependency).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

declare const __NETPROBE_AGENT_CODE__: string | undefined;

export async function agentCode(): Promise<string> {
  if (typeof __NETPROBE_AGENT_CODE__ === 'string') return __NETPROBE_AGENT_CODE__;
  const dir = mkdtempSync(join(tmpdir(), 'netprobe-agent-'));
  try {
    // A computed specifier, so that bundling the CLI does not pull the build script (and esbuild) in.
    const buildScript = new URL('../../scripts/build.ts', import.meta.url).href;
    const { buildAgent } = (await import(buildScript)) as typeof import('../../scripts/build.ts');
    return readFileSync(await buildAgent(join(dir, 'agent.cjs')), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
