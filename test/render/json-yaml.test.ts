// -o json / -o yaml: the whole report, stable, valid against the documented schema.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { load } from 'js-yaml';
import { analyse } from '../../src/analyse/analyse.ts';
import { renderJson } from '../../src/render/json.ts';
import { renderYaml } from '../../src/render/yaml.ts';
import { expectGolden } from '../support/golden.ts';
import { SCENARIOS } from '../support/scenarios.ts';

const GOLDEN = new URL('./golden/', import.meta.url).pathname;
const schema = JSON.parse(readFileSync(new URL('../../docs/report.schema.json', import.meta.url), 'utf8'));
const validate = new Ajv2020({ allErrors: true }).compile(schema);
const mixed = SCENARIOS.find((s) => s.name === 'mixed-faults')!;

describe('-o json and -o yaml', () => {
  test.each(SCENARIOS.map((s) => s.name))('%s validates against docs/report.schema.json', (name) => {
    const json = JSON.parse(renderJson(analyse(SCENARIOS.find((s) => s.name === name)!.input)));
    expect(validate(json) ? [] : validate.errors).toEqual([]);
  });

  test('the schema refuses a report that breaks the contract', () => {
    const json = JSON.parse(renderJson(analyse(mixed.input)));
    delete json.pairs[0].loss;
    json.findings[0].severity = 'bad';
    expect(validate(json)).toBe(false);
    expect(validate.errors!.map((e) => e.instancePath)).toEqual(expect.arrayContaining(['/pairs/0', '/findings/0/severity']));
  });

  test('json: golden, and the same text on every run', () => {
    const text = renderJson(analyse(mixed.input));
    expectGolden(`${GOLDEN}mixed-faults.json`, text);
    expect(renderJson(analyse(mixed.input))).toBe(text);
    expect(Object.keys(JSON.parse(text))).toEqual(['kind', 'schemaVersion', 'run', 'thresholds', 'nodes', 'pairs', 'findings']);
  });

  test('yaml: golden, and the same document as json', () => {
    const report = analyse(mixed.input);
    const text = renderYaml(report);
    expectGolden(`${GOLDEN}mixed-faults.yaml`, text);
    expect(load(text)).toEqual(JSON.parse(renderJson(report)));
    expect(text).not.toMatch(/[&*]ref/);
  });
});
