// A kubeconfig the plugin cannot use is one line on stderr and exit 1, as kubectl's own
// errors are: never a stack trace (issue: KUBECONFIG naming a missing file printed 11 lines).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec, PLUGIN } from '../support/lab-session.ts';

const dir = mkdtempSync(join(tmpdir(), 'netprobe-kubeconfig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const netprobe = (args: string[], env: NodeJS.ProcessEnv) => exec(process.execPath, [PLUGIN, ...args], { HOME: dir, ...env });

test.each([
  ['KUBECONFIG names a missing file', [], { KUBECONFIG: join(dir, 'missing') }, /^error: KUBECONFIG names .*missing, which does not exist\n$/],
  ['every file of a KUBECONFIG list is missing', [], { KUBECONFIG: `${join(dir, 'a')}:${join(dir, 'b')}` }, /^error: KUBECONFIG names .*a, .*b, which do not exist\n$/],
  ['--kubeconfig names a missing file', ['--kubeconfig', join(dir, 'gone')], {}, /^error: kubeconfig .*gone \(--kubeconfig\) does not exist\n$/],
  ['the kubeconfig is not YAML', ['--kubeconfig', join(dir, 'broken')], {}, /^error: kubeconfig .*broken cannot be read: .+\n$/],
])('%s: one line, exit 1', async (_, args, env, message) => {
  writeFileSync(join(dir, 'broken'), 'clusters: [\n');
  for (const command of ['matrix', 'nodes', 'dns']) {
    const run = await netprobe([command, ...args], env);
    expect(run.stderr).toMatch(message);
    expect(run.code).toBe(1);
  }
});
