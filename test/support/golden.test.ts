// expectGolden checks, and rewrites only when asked on a developer's machine.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectGolden } from './golden.ts';

const dir = mkdtempSync(join(tmpdir(), 'netprobe-golden-'));
const saved = { CI: process.env.CI, UPDATE_GOLDEN: process.env.UPDATE_GOLDEN };
afterEach(() => {
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('compares exactly: a different rendering fails', () => {
  delete process.env.UPDATE_GOLDEN;
  const file = join(dir, 'same.txt');
  writeFileSync(file, 'heatmap\n');
  expectGolden(file, 'heatmap\n');
  expect(() => expectGolden(file, 'heatmap \n')).toThrow();
});

test('UPDATE_GOLDEN=1 under CI=true fails loudly and writes nothing', () => {
  process.env.CI = 'true';
  process.env.UPDATE_GOLDEN = '1';
  const file = join(dir, 'ci.txt');
  writeFileSync(file, 'old\n');
  expect(() => expectGolden(file, 'new\n')).toThrow(/UPDATE_GOLDEN=1 under CI=true would rewrite .*ci\.txt instead of checking it/);
  expect(readFileSync(file, 'utf8')).toBe('old\n');
  expect(() => expectGolden(join(dir, 'absent.txt'), 'new\n')).toThrow(/CI=true/);
  expect(existsSync(join(dir, 'absent.txt'))).toBe(false);
});

test('UPDATE_GOLDEN=1 on a developer machine rewrites the file', () => {
  delete process.env.CI;
  process.env.UPDATE_GOLDEN = '1';
  const file = join(dir, 'sub', 'dev.txt');
  expectGolden(file, 'new\n');
  expect(readFileSync(file, 'utf8')).toBe('new\n');
});
