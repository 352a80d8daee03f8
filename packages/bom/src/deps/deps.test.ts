import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCondaEnvironment, parsePipfileLock, parsePyproject, parseTomlLock } from './lockfiles.ts';
import { mergePackages, packagePurl } from './package-fact.ts';
import { parseRequirementsTxt } from './requirements.ts';
import { parseToml } from './toml.ts';

const purls = (list: Parameters<typeof packagePurl>[0][]) => list.map(packagePurl);

test('requirements.txt: pins, ranges, markers, hashes and continuation lines; options and URLs skipped', () => {
  const pkgs = parseRequirementsTxt(
    [
      '# comment',
      'Torch==2.4.0',
      'transformers[torch] >= 4.44, <5 ; python_version >= "3.9"',
      'accelerate==0.33.0 \\',
      '    --hash=sha256:00',
      '-r other.txt',
      '--index-url https://example.org/simple',
      'git+https://github.com/acme/x.git#egg=x',
      'Sentence_Piece===0.2.0',
    ].join('\n'),
    'requirements.txt',
  );
  assert.deepEqual(purls(pkgs), [
    'pkg:pypi/torch@2.4.0',
    'pkg:pypi/transformers',
    'pkg:pypi/accelerate@0.33.0',
    'pkg:pypi/sentence-piece@0.2.0',
  ]);
  assert.equal(pkgs[1]?.constraint, '>=4.44,<5');
});

test('pyproject.toml: PEP 621 and Poetry tables', () => {
  const pkgs = parsePyproject(
    `[project]
name = "x"
dependencies = ["numpy==1.26.4", "scipy>=1.11"]
[project.optional-dependencies]
dev = ["pytest==8.2.0"]
[tool.poetry.dependencies]
python = "^3.10"
pandas = "2.2.2"
requests = { version = "^2.31", extras = ["socks"] }
[tool.poetry.group.test.dependencies]
hypothesis = "6.100.0"
`,
    'pyproject.toml',
  );
  assert.deepEqual(purls(pkgs), [
    'pkg:pypi/numpy@1.26.4',
    'pkg:pypi/scipy',
    'pkg:pypi/pytest@8.2.0',
    'pkg:pypi/pandas@2.2.2',
    'pkg:pypi/requests',
    'pkg:pypi/hypothesis@6.100.0',
  ]);
  assert.deepEqual(
    pkgs.map((p) => p.optional),
    [false, false, true, false, false, true],
  );
});

test('poetry.lock and uv.lock: every [[package]] pinned; uv’s own project skipped', () => {
  const poetry = parseTomlLock(
    `[[package]]
name = "numpy"
version = "1.26.4"
description = "Fundamental package"
optional = false
python-versions = ">=3.9"
files = [
    {file = "numpy-1.26.4.tar.gz", hash = "sha256:2a02aba9ed12e4ac4eb3ea9421c420301a0c6460d9830d74a9df87efa4912010"},
]

[metadata]
lock-version = "2.0"
`,
    'poetry.lock',
  );
  assert.deepEqual(purls(poetry), ['pkg:pypi/numpy@1.26.4']);
  const uv = parseTomlLock(
    `version = 1
requires-python = ">=3.10"

[[package]]
name = "my-model"
version = "0.1.0"
source = { editable = "." }

[[package]]
name = "Safetensors"
version = "0.4.4"
source = { registry = "https://pypi.org/simple" }
wheels = [
    { url = "https://files.pythonhosted.org/x.whl", hash = "sha256:00", size = 435000, upload-time = 2024-08-13T10:00:00Z },
]
`,
    'uv.lock',
  );
  assert.deepEqual(purls(uv), ['pkg:pypi/safetensors@0.4.4']);
});

test('Pipfile.lock and environment.yml', () => {
  const pipenv = parsePipfileLock(
    JSON.stringify({
      _meta: {},
      default: { torch: { version: '==2.4.0' } },
      develop: { black: { version: '==24.4.2' } },
    }),
    'Pipfile.lock',
  );
  assert.deepEqual(purls(pipenv), ['pkg:pypi/torch@2.4.0', 'pkg:pypi/black@24.4.2']);
  assert.equal(pipenv[1]?.optional, true);
  const conda = parseCondaEnvironment(
    `name: train
channels: [pytorch, conda-forge]
dependencies:
  - python=3.10
  - pytorch::pytorch==2.1.0
  - numpy>=1.24
  - pip
  - pip:
    - transformers==4.44.0
`,
    'environment.yml',
  );
  assert.deepEqual(purls(conda), [
    'pkg:conda/python',
    'pkg:conda/pytorch@2.1.0?channel=pytorch',
    'pkg:conda/numpy',
    'pkg:pypi/transformers@4.44.0',
  ]);
});

test('a pinned version from a lockfile wins over a manifest range', () => {
  const merged = mergePackages([
    { ecosystem: 'pypi', name: 'torch', constraint: '>=2', source: 'requirements.txt', optional: false },
    { ecosystem: 'pypi', name: 'torch', version: '2.4.0', source: 'uv.lock', optional: false },
  ]);
  assert.deepEqual(purls(merged), ['pkg:pypi/torch@2.4.0']);
});

test('TOML: strings, escapes, nested tables, inline tables, and errors that name the line', () => {
  const doc = parseToml(
    `a = "x\\ty\\u00e9"\nb = 'lit\\n'\nc = """\nmulti\nline"""\n[t.u]\nd = [1, 2.5, -3, true]\ne = { f = "g" }\n`,
  );
  assert.equal(doc.a, 'x\tyé');
  assert.equal(doc.b, 'lit\\n');
  assert.equal(doc.c, 'multi\nline');
  assert.deepEqual(JSON.parse(JSON.stringify(doc.t)), { u: { d: [1, 2.5, -3, true], e: { f: 'g' } } });
  assert.throws(() => parseToml('a = 1\na = 2\n'), /line 2: duplicate key/);
  assert.throws(() => parseToml('a = "open\n'), /unterminated|newline/);
  assert.throws(() => parseToml(`a = ${'['.repeat(100)}`), /nesting deeper/);
});
