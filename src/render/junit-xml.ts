// JUnit XML as CI systems read it (the Ant/Jenkins form that Jenkins, GitLab and the GitHub
// Actions reporters share): <testsuites> of <testsuite> of <testcase>, a <failure> with a
// message attribute and the evidence as its text, <skipped> for what could not be judged.

export type CaseResult =
  | { status: 'passed'; output?: string }
  | { status: 'failed'; type: string; message: string; details: string }
  | { status: 'skipped'; message: string };

export interface JUnitCase {
  classname: string;
  name: string;
  result: CaseResult;
}

export interface JUnitSuite {
  name: string;
  cases: JUnitCase[];
}

export interface JUnitDocument {
  name: string;
  /** ISO 8601, the run's start. */
  timestamp: string;
  timeSeconds: number;
  suites: JUnitSuite[];
}

/** XML 1.0 allows no control characters but tab, newline and carriage return (XML 1.0 §2.2). */
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

function escape(text: string): string {
  return text.replace(NOT_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function counts(cases: readonly JUnitCase[]): string {
  const failures = cases.filter((c) => c.result.status === 'failed').length;
  const skipped = cases.filter((c) => c.result.status === 'skipped').length;
  return `tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}"`;
}

function renderCase({ classname, name, result }: JUnitCase): string {
  const open = `    <testcase classname="${escape(classname)}" name="${escape(name)}"`;
  switch (result.status) {
    case 'passed': return result.output ? `${open}>\n      <system-out>${escape(result.output)}</system-out>\n    </testcase>` : `${open}/>`;
    case 'skipped': return `${open}>\n      <skipped message="${escape(result.message)}"/>\n    </testcase>`;
    case 'failed': return `${open}>\n      <failure type="${escape(result.type)}" message="${escape(result.message)}">${escape(result.details)}</failure>\n    </testcase>`;
  }
}

export function renderJUnitXml(doc: JUnitDocument): string {
  const all = doc.suites.flatMap((s) => s.cases);
  const time = doc.timeSeconds.toFixed(3);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${escape(doc.name)}" ${counts(all)} time="${time}" timestamp="${escape(doc.timestamp)}">`,
    ...doc.suites.flatMap((suite) => [
      `  <testsuite name="${escape(suite.name)}" ${counts(suite.cases)} time="${time}" timestamp="${escape(doc.timestamp)}">`,
      ...suite.cases.map(renderCase),
      '  </testsuite>',
    ]),
    '</testsuites>',
  ].join('\n') + '\n';
}

/** Seconds between two ISO 8601 times (0 when either does not parse). */
export function secondsBetween(start: string, end: string): number {
  const seconds = (Date.parse(end) - Date.parse(start)) / 1000;
  return Number.isFinite(seconds) && seconds > 0 ? seconds : 0;
}
