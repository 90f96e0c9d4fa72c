// Builds the single-file artefacts:
// - dist/agent.cjs: mounted into stock node images from a ConfigMap, so no
//   node_modules, Node 18+ syntax, well under the ConfigMap limit;
// - dist/kubectl-netprobe: the plugin, one executable file with the agent inside.
import { build } from 'esbuild';
import { chmodSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** A ConfigMap holds at most 1 MiB (Kubernetes API: ConfigMap size limit). */
export const CONFIGMAP_LIMIT_BYTES = 1024 * 1024;

export async function buildAgent(outfile = `${root}dist/agent.cjs`): Promise<string> {
  await build({
    entryPoints: [`${root}src/agent/main.ts`],
    outfile,
    bundle: true,
    platform: 'node',
    // CommonJS: dns-packet require()s node builtins, which an ESM bundle cannot.
    format: 'cjs',
    // Users may pass --image with an older Node; node:18 is the oldest we support.
    target: 'node18',
    minify: true,
    legalComments: 'inline',
    logLevel: 'warning',
  });
  const size = statSync(outfile).size;
  if (size > CONFIGMAP_LIMIT_BYTES) throw new Error(`${outfile} is ${size} bytes, over the ConfigMap limit`);
  return outfile;
}

export async function buildCli(outfile = `${root}dist/kubectl-netprobe`): Promise<string> {
  const agent = readFileSync(await buildAgent(), 'utf8');
  await build({
    entryPoints: [`${root}src/cli/main.ts`],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    define: { __NETPROBE_AGENT_CODE__: JSON.stringify(agent) },
    // Bundled CommonJS dependencies require() node builtins: give them a require.
    banner: { js: "import { createRequire as __netprobeRequire } from 'node:module'; const require = __netprobeRequire(import.meta.url);" },
    legalComments: 'inline',
    logLevel: 'warning',
  });
  chmodSync(outfile, 0o755);
  return outfile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = await buildCli();
  process.stderr.write(`built ${out} (${statSync(out).size} bytes) and ${root}dist/agent.cjs\n`);
}
