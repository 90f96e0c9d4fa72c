// Builds the single-file artefacts:
// - dist/agent.cjs: mounted into stock node images from a ConfigMap, so no
//   node_modules, Node 18+ syntax, well under the ConfigMap limit;
// - dist/kubectl-netprobe: the plugin, one executable file with the agent inside (needs Node);
// - dist/kubectl_complete-netprobe: what kubectl (>= 1.26) runs to complete `kubectl netprobe …`.
// scripts/release.ts turns the CommonJS form of the same bundle into standalone executables.
import { build } from 'esbuild';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** A ConfigMap holds at most 1 MiB (Kubernetes API: ConfigMap size limit). */
export const CONFIGMAP_LIMIT_BYTES = 1024 * 1024;

export const VERSION: string = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;

/**
 * kubectl hands a plugin's completion to `kubectl_complete-<plugin>` on PATH with the words after
 * the plugin's name (kubectl's plugin completion, k8s PR 105867). kubectl only asks for plugins it
 * found on PATH, so kubectl-netprobe is there to answer.
 */
export const COMPLETION_SCRIPT = `#!/bin/sh
# kubectl (>= 1.26) runs this to complete \`kubectl netprobe ...\`, with the words typed after "netprobe".
exec kubectl-netprobe __complete "$@"
`;

export async function buildAgent(outfile = `${root}dist/agent.cjs`): Promise<string> {
  await build({
    entryPoints: [`${root}src/agent/main.ts`],
    outfile,
    bundle: true,
    platform: 'node',
    // The bundle's comments name sources relative to this: the same bytes from any working directory.
    absWorkingDir: root,
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

/**
 * The plugin with the agent inside. 'esm' is dist/kubectl-netprobe (run by Node from PATH);
 * 'cjs' is the main script of a single executable application, which Node 22 runs as CommonJS.
 */
export async function buildCli(outfile = `${root}dist/kubectl-netprobe`, format: 'esm' | 'cjs' = 'esm'): Promise<string> {
  const agent = readFileSync(await buildAgent(join(dirname(outfile), 'agent.cjs')), 'utf8');
  await build({
    entryPoints: [`${root}src/cli/main.ts`],
    outfile,
    bundle: true,
    platform: 'node',
    absWorkingDir: root,
    format,
    target: 'node22',
    define: {
      __NETPROBE_AGENT_CODE__: JSON.stringify(agent),
      __NETPROBE_VERSION__: JSON.stringify(VERSION),
      // Bundled ESM dependencies (yargs) createRequire(import.meta.url): CommonJS has no import.meta.
      ...(format === 'cjs' && { 'import.meta.url': '__netprobeModuleUrl' }),
    },
    banner: {
      js: format === 'esm'
        // Bundled CommonJS dependencies require() node builtins: an ESM bundle must give them a require.
        ? "import { createRequire as __netprobeRequire } from 'node:module'; const require = __netprobeRequire(import.meta.url);"
        : "const __netprobeModuleUrl = require('node:url').pathToFileURL(__filename).href;",
    },
    // Whitespace and comments out, names kept (stack traces stay readable): V8 keeps a script's
    // whole source for lazy compiling, and the dependencies' comments (undici's hold ’ and §)
    // made it two-byte text, 16 MB of the CLI's heap for an 8.4 MB file.
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'inline',
    logLevel: 'warning',
  });
  chmodSync(outfile, 0o755);
  const completion = join(dirname(outfile), 'kubectl_complete-netprobe');
  writeFileSync(completion, COMPLETION_SCRIPT);
  chmodSync(completion, 0o755);
  return outfile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = await buildCli();
  process.stderr.write(`built ${out} (${statSync(out).size} bytes), ${join(dirname(out), 'kubectl_complete-netprobe')} and ${join(dirname(out), 'agent.cjs')}\n`);
}
