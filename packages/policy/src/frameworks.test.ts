import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { BUILTIN_PACKS, builtinPack } from './builtin.ts';
import { FRAMEWORK_IDS, findControl, getFramework, isFrameworkId } from './frameworks.ts';

const ATLAS_YAML = resolve(import.meta.dirname, '../../../../shared/vectors/atlas/ATLAS.yaml');

test('every framework id used by a built-in pack exists in the shipped framework data', () => {
  const problems: string[] = [];
  let checked = 0;
  for (const name of BUILTIN_PACKS) {
    for (const rule of builtinPack(name).rules) {
      for (const [framework, ids] of Object.entries(rule.frameworks)) {
        if (!isFrameworkId(framework)) {
          problems.push(`${rule.id}: unknown framework ${framework}`);
          continue;
        }
        for (const id of ids) {
          checked++;
          if (!findControl(framework, id)) problems.push(`${rule.id}: ${framework} has no ${id}`);
        }
      }
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(checked > 100, `only ${checked} references checked`);
});

test('the ATLAS catalogue is MITRE ATLAS.yaml 5.6.0, with v5 names', () => {
  const atlas = getFramework('atlas');
  assert.equal(atlas.version, '5.6.0');
  assert.equal(findControl('atlas', 'AML.T0018')?.title, 'Manipulate AI Model');
  assert.equal(findControl('atlas', 'AML.M0023')?.title, 'AI Bill of Materials');
  assert.equal(findControl('atlas', 'AML.T0011.000')?.title, 'Unsafe AI Artifacts');
  const source = parse(readFileSync(ATLAS_YAML, 'utf8'), { schema: 'core' }) as {
    matrices: {
      tactics: { id: string }[];
      techniques: { id: string; name: string }[];
      mitigations: { id: string }[];
    }[];
  };
  const m = source.matrices[0];
  assert.ok(m);
  assert.equal(atlas.controls.length, m.tactics.length + m.techniques.length + m.mitigations.length);
  for (const t of m.techniques) assert.equal(findControl('atlas', t.id)?.title, t.name);
});

test('every shipped framework loads with unique ids; an unknown one is a usage error', () => {
  for (const id of FRAMEWORK_IDS) {
    const framework = getFramework(id);
    assert.ok(framework.controls.length >= 10, id);
    assert.equal(new Set(framework.controls.map((c) => c.id)).size, framework.controls.length, id);
  }
  assert.equal(getFramework('owasp-ml').controls[5]?.id, 'ML06:2023');
  assert.throws(() => getFramework('sox'), { code: 'USAGE', message: /eu-ai-act/ });
});
