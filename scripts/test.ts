// npm test [-- JEST ARGS]: the set-up step, the type check, then jest twice — the main run, and
// after it, alone and serially, the tests that change the whole machine (test/e2e/machine-wide:
// the kernel's one neighbour table), which must not run beside others. Arguments after `--` go
// to both runs; a `--outputFile` (with `--json`) gets one report, the two runs' merged, so that a
// CI reading it counts every test.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setup } from './setup.ts';

const JEST = ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js'];
const MACHINE_WIDE = ['--runInBand', 'test/e2e/machine-wide', '--testPathIgnorePatterns=/node_modules/'];

/** The jest arguments with `--outputFile` taken out, and the file it named. */
export function splitOutputFile(args: readonly string[]): { rest: string[]; outputFile?: string } {
  const rest: string[] = [];
  let outputFile: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg.startsWith('--outputFile=')) outputFile = arg.slice('--outputFile='.length);
    else if (arg === '--outputFile' && i + 1 < args.length) outputFile = args[++i];
    else rest.push(arg);
  }
  return { rest, outputFile };
}

type JestReport = Record<string, unknown> & { testResults?: unknown[]; success?: boolean };
const SUMMED = ['numTotalTests', 'numPassedTests', 'numFailedTests', 'numPendingTests', 'numTodoTests',
  'numTotalTestSuites', 'numPassedTestSuites', 'numFailedTestSuites', 'numPendingTestSuites',
  'numRuntimeErrorTestSuites'];

/** Two jest --json reports as one: counts summed, suites listed together, success only if both. */
export function mergeJestReports(a: JestReport, b: JestReport): JestReport {
  const merged: JestReport = { ...a };
  for (const key of SUMMED) merged[key] = Number(a[key] ?? 0) + Number(b[key] ?? 0);
  merged.testResults = [...(a.testResults ?? []), ...(b.testResults ?? [])];
  merged.success = a.success === true && b.success === true;
  return merged;
}

function run(command: string, args: string[]): number {
  const { status, signal } = spawnSync(command, args, { stdio: 'inherit' });
  return status ?? (signal ? 1 : 0);
}

function main(args: string[]): number {
  setup();
  const typeCheck = run(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', '.']);
  if (typeCheck !== 0) return typeCheck;
  const { rest, outputFile } = splitOutputFile(args);
  const scratch = outputFile ? mkdtempSync(join(tmpdir(), 'netprobe-test-')) : undefined;
  const reportArgs = (name: string) => (scratch ? ['--json', `--outputFile=${join(scratch, name)}`] : []);
  try {
    const main = run(process.execPath, [...JEST, ...rest, ...reportArgs('main.json')]);
    const machineWide = run(process.execPath, [...JEST, ...MACHINE_WIDE, ...rest, ...reportArgs('machine-wide.json')]);
    if (outputFile && scratch) {
      const read = (name: string): JestReport => {
        try { return JSON.parse(readFileSync(join(scratch, name), 'utf8')) as JestReport; }
        // A run that died before writing its report counts as one failed suite.
        catch { return { numFailedTestSuites: 1, numFailedTests: 1, success: false }; }
      };
      writeFileSync(outputFile, JSON.stringify(mergeJestReports(read('main.json'), read('machine-wide.json'))));
    }
    return main !== 0 ? main : machineWide;
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
