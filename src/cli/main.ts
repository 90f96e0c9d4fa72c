#!/usr/bin/env node
// kubectl-netprobe entry. Checks the Node version before anything heavy loads:
// @kubernetes/client-node 2.x crashes at import on Node < 22.19. No top-level await, so that
// the same entry bundles to CommonJS for the standalone executables (Node's SEA runs CommonJS).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(`kubectl-netprobe needs Node.js >= 22.19 (this is ${process.version}): install Node 22 or put it first on PATH\n`);
  process.exit(1);
}
void import('./cli.ts').then(async ({ runCli }) => {
  process.exitCode = await runCli(process.argv.slice(2));
});
