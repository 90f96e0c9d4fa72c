// Golden files: compared exactly; `UPDATE_GOLDEN=1` rewrites them (then review the diff).
// Never under CI=true: there a rewrite would pass every golden test without checking one.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export function expectGolden(path: string, actual: string): void {
  if (process.env.UPDATE_GOLDEN === '1') {
    if (process.env.CI === 'true') throw new Error(`UPDATE_GOLDEN=1 under CI=true would rewrite ${path} instead of checking it: golden files are updated on a developer's machine and reviewed`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path)) throw new Error(`no golden file ${path}: run the test with UPDATE_GOLDEN=1 to create it, then review it`);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}
