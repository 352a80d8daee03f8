import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { convert } from 'xmlbuilder2';
import { generateBom } from '../generate.ts';
import { toCycloneDxXml } from './xml.ts';

const REPO = resolve(import.meta.dirname, '../../fixtures/hf-llama-finetune');
const CORPUS = resolve(import.meta.dirname, '../../../../../shared/corpus/generated');
const XSD_DIR = resolve(
  import.meta.dirname,
  '../../../../node_modules/@cyclonedx/cyclonedx-library/res/schema',
);
const REVISION = '0123456789abcdef0123456789abcdef01234567';
const finding = {
  ruleId: 'PICKLE-EXEC-CALL',
  severity: 'critical' as const,
  title: 'Loading runs os.system',
  message: 'm',
  location: { path: join(REPO, 'model.safetensors') },
  references: { cwe: ['CWE-502'] },
};

async function xmlOf(path: string, specVersion: '1.6' | '1.7') {
  const bom = await generateBom(path, {
    specVersion,
    repoId: 'acme/tiny-llama-support',
    revision: REVISION,
    findings: [finding],
  });
  return { bom, xml: toCycloneDxXml(bom.document) };
}

type Node = Record<string, unknown>;
const at = (node: unknown, ...keys: string[]): unknown =>
  keys.reduce<unknown>((n, k) => (n && typeof n === 'object' ? (n as Node)[k] : undefined), node);
const many = (value: unknown): Node[] =>
  (Array.isArray(value) ? value : value === undefined ? [] : [value]) as Node[];

test('the XML carries the same facts as the JSON, in CycloneDX XML form', async () => {
  const { bom, xml } = await xmlOf(REPO, '1.6');
  const doc = convert(xml, { format: 'object' }) as Node;
  const root = doc.bom as Node;
  assert.equal(root['@xmlns'], 'http://cyclonedx.org/schema/bom/1.6');
  assert.equal(root['@serialNumber'], bom.document.serialNumber);
  const model = at(root, 'metadata', 'component') as Node;
  assert.equal(model['@type'], 'machine-learning-model');
  assert.equal(model.purl, `pkg:huggingface/acme/tiny-llama-support@${REVISION}`);
  assert.equal(at(model, 'licenses', 'license', 'name'), 'Llama 3.1 Community License Agreement');
  assert.equal(at(model, 'modelCard', 'modelParameters', 'task'), 'text-generation');
  assert.deepEqual(many(at(model, 'modelCard', 'modelParameters', 'datasets', 'ref')).length, 4);
  const files = many(at(model, 'components', 'component'));
  assert.equal(files.length, bom.document.metadata.component.components?.length);
  const vulnerability = at(root, 'vulnerabilities', 'vulnerability') as Node;
  assert.equal(at(vulnerability, 'cwes', 'cwe'), '502');
  assert.equal(at(vulnerability, 'affects', 'target', 'ref'), 'file:model.safetensors');
});

/** The official XSD (the library's bundled copy), checked with libxml2 through Python's lxml when present. */
function xsdProblems(xml: string, version: '1.6' | '1.7'): string | undefined {
  const script = `
import sys
from lxml import etree
d = sys.argv[1]
class R(etree.Resolver):
    def resolve(self, url, pid, ctx):
        if 'spdx' in url: return self.resolve_filename(d + '/spdx.SNAPSHOT.xsd', ctx)
parser = etree.XMLParser(); parser.resolvers.add(R())
schema = etree.XMLSchema(etree.parse(d + '/bom-' + sys.argv[2] + '.SNAPSHOT.xsd', parser))
ok = schema.validate(etree.fromstring(sys.stdin.buffer.read()))
print('' if ok else '; '.join(str(e) for e in list(schema.error_log)[:5]))
`;
  const run = spawnSync('/usr/bin/python3', ['-c', script, XSD_DIR, version], {
    input: xml,
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(run.stderr);
  return run.stdout.trim() || undefined;
}

const lxml =
  existsSync('/usr/bin/python3') &&
  spawnSync('/usr/bin/python3', ['-c', 'import lxml'], { encoding: 'utf8' }).status === 0;

test('the XML validates against the official CycloneDX 1.6 and 1.7 XSD', {
  skip: lxml ? false : 'needs python3 with lxml (libxml2) for XSD validation',
}, async () => {
  for (const version of ['1.6', '1.7'] as const) {
    for (const path of [
      REPO,
      join(CORPUS, 'benign/tiny_llama.gguf'),
      join(CORPUS, 'mal_formats/hf_repo_remote_code'),
    ]) {
      const { xml } = await xmlOf(path, version);
      assert.equal(xsdProblems(xml, version), undefined, `${path} ${version}`);
    }
  }
});
