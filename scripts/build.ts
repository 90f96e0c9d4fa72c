// Builds the single-file artefacts: dist/agent.cjs (mounted into stock node
// images from a ConfigMap, so: no node_modules, Node 18+ syntax, < 1 MiB).
import { build } from 'esbuild';
import { statSync } from 'node:fs';
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

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = await buildAgent();
  process.stderr.write(`built ${out} (${statSync(out).size} bytes)\n`);
}
