// Suites that need something from the machine (root, a program). Without it they are
// skipped with a notice, except under CI=true: CI installs and runs as all they need
// (.ci/run), so there a missing requirement is a broken machine, and a silent skip would
// pass it off as green. It becomes one failing test that says what is missing.

export interface Requirement {
  met: boolean;
  /** What the suite needs and what for, e.g. 'root (network namespaces, nftables)'. */
  needs: string;
  /** Why CI should have had it, e.g. 'CI runs as root'. */
  ciHasIt: string;
}

export function describeRequiring(requirement: Requirement, name: string, body: () => void): void {
  if (requirement.met) return describe(name, body);
  if (process.env.CI === 'true') {
    return describe(name, () => {
      test(`has ${requirement.needs}`, () => {
        throw new Error(`"${name}" needs ${requirement.needs}; ${requirement.ciHasIt}, so this machine is misconfigured`);
      });
    });
  }
  process.stderr.write(`skipping "${name}": needs ${requirement.needs}\n`);
  return describe.skip(name, body);
}
