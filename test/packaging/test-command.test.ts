// The README's test command as CI calls it (`npm test -- --json --outputFile=F`): its arguments
// reach jest, and F counts the main run and the machine-wide run together.
import { mergeJestReports, splitOutputFile } from '../../scripts/test.ts';

describe('npm test arguments', () => {
  it('takes --outputFile out in both spellings and keeps every other argument in order', () => {
    expect(splitOutputFile(['--json', '--outputFile=/tmp/r.json', '-t', 'x'])).toEqual({ rest: ['--json', '-t', 'x'], outputFile: '/tmp/r.json' });
    expect(splitOutputFile(['--outputFile', '/tmp/r.json', 'test/plan'])).toEqual({ rest: ['test/plan'], outputFile: '/tmp/r.json' });
    expect(splitOutputFile(['--ci'])).toEqual({ rest: ['--ci'], outputFile: undefined });
  });

  it('merges the two runs so that a failure in either is counted and fails the whole', () => {
    const main = { numPassedTests: 730, numFailedTests: 0, numPendingTests: 2, numTotalTests: 732, success: true, testResults: [{ name: 'a' }] };
    const machineWide = { numPassedTests: 2, numFailedTests: 1, numPendingTests: 0, numTotalTests: 3, success: false, testResults: [{ name: 'b' }] };
    const merged = mergeJestReports(main, machineWide);
    expect(merged).toMatchObject({ numPassedTests: 732, numFailedTests: 1, numPendingTests: 2, numTotalTests: 735, success: false });
    expect(merged.testResults).toEqual([{ name: 'a' }, { name: 'b' }]);
    expect(mergeJestReports(main, { ...machineWide, numFailedTests: 0, success: true }).success).toBe(true);
  });
});
