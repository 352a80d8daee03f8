import { readFileSync } from 'node:fs';
import { PalisadeError } from '@palisade/core';

/** Frameworks whose catalogue ships with Palisade (`frameworks/<id>.json`). */
export const FRAMEWORK_IDS = [
  'atlas',
  'owasp-ml',
  'owasp-llm',
  'nist-ai-rmf',
  'eu-ai-act',
  'iso-42001',
] as const;
export type FrameworkId = (typeof FRAMEWORK_IDS)[number];

/**
 * One entry of a catalogue. `control`: something an organisation does (ATLAS mitigations, NIST subcategories,
 * EU AI Act articles, ISO Annex A controls, OWASP risks to address); `technique` and `tactic`: ATLAS threats.
 */
export interface FrameworkControl {
  readonly id: string;
  readonly title: string;
  readonly kind: 'control' | 'technique' | 'tactic';
  readonly group?: string;
  readonly parent?: string;
}

export interface Framework {
  readonly id: FrameworkId;
  readonly name: string;
  readonly version: string;
  readonly source: string;
  /** `subset`: only the controls on which Palisade can produce or support evidence. */
  readonly coverage?: 'subset';
  readonly controls: readonly FrameworkControl[];
}

const loaded = new Map<FrameworkId, { framework: Framework; byId: Map<string, FrameworkControl> }>();

export function isFrameworkId(value: string): value is FrameworkId {
  return (FRAMEWORK_IDS as readonly string[]).includes(value);
}

function load(id: FrameworkId) {
  let entry = loaded.get(id);
  if (!entry) {
    const framework = JSON.parse(
      readFileSync(new URL(`../frameworks/${id}.json`, import.meta.url), 'utf8'),
    ) as Framework;
    entry = { framework, byId: new Map(framework.controls.map((c) => [c.id, c])) };
    loaded.set(id, entry);
  }
  return entry;
}

/** The catalogue of a framework; an unknown id is a usage error naming the known ones. */
export function getFramework(id: string): Framework {
  if (!isFrameworkId(id)) {
    throw new PalisadeError('USAGE', `Unknown framework "${id}"; use one of: ${FRAMEWORK_IDS.join(', ')}.`);
  }
  return load(id).framework;
}

export function findControl(framework: FrameworkId, id: string): FrameworkControl | undefined {
  return load(framework).byId.get(id);
}
