import { basename } from 'node:path';
import { PackageURL } from 'packageurl-js';
import type { ModelFacts } from './collect.ts';
import {
  baseModelLicense,
  type LicenseInfo,
  licenseConflict,
  mostRestrictive,
  normalizeLicense,
} from './licenses/normalize.ts';
import type { BaseModelInfo, DatasetInfo, ModelView, UserFacts } from './model.ts';

const HF_ID = /^[\w.-]+(\/[\w.-]+)?$/;

function hfPurl(id: string, revision?: string): string | undefined {
  const [owner, name] = id.includes('/') ? id.split('/') : [undefined, id];
  if (!name || !HF_ID.test(id)) return undefined;
  return new PackageURL('huggingface', owner, name, revision, undefined, undefined).toString();
}

function datasetsOf(facts: ModelFacts, user: UserFacts): DatasetInfo[] {
  const out: DatasetInfo[] = [];
  const add = (name: string, role: DatasetInfo['role'], declaredBy: DatasetInfo['declaredBy']): void => {
    if (out.some((d) => d.name === name)) return;
    const url = HF_ID.test(name)
      ? `https://huggingface.co/datasets/${name}`
      : /^https?:\/\//.test(name)
        ? name
        : undefined;
    const stated = user.datasetLicenses?.[name];
    const license = stated ? normalizeLicense(stated, 'user') : undefined;
    out.push({
      name,
      ref: `dataset:${name}`,
      ...(url ? { url } : {}),
      role,
      declaredBy,
      ...(license ? { license } : {}),
    });
  };
  for (const name of facts.card?.datasets ?? []) add(name, 'training', 'card-yaml');
  for (const name of user.datasets ?? []) add(name, 'training', 'user');
  for (const name of facts.card?.evaluationDatasets ?? []) add(name, 'evaluation', 'model-index');
  return out;
}

function ownLicenses(facts: ModelFacts, user: UserFacts): LicenseInfo[] {
  const out: LicenseInfo[] = [];
  const card = facts.card;
  const fromCard = card?.license
    ? normalizeLicense(card.license, 'card-yaml', {
        ...(card.licenseName ? { name: card.licenseName } : {}),
        ...(card.licenseLink ? { link: card.licenseLink } : {}),
      })
    : undefined;
  if (fromCard) out.push(fromCard);
  else if (user.license) {
    const stated = normalizeLicense(user.license, 'user');
    if (stated) out.push(stated);
  }
  if (out.length === 0) {
    // Lower-confidence evidence only when the card is silent: a LICENSE file, then weights metadata.
    for (const other of facts.otherLicenses) {
      const info = normalizeLicense(other.declared, other.source);
      if (info && !out.some((l) => l.id === info.id)) out.push(info);
    }
  }
  return out;
}

function baseModelsOf(facts: ModelFacts, user: UserFacts): BaseModelInfo[] {
  const ids = [...new Set([...(facts.card?.baseModels ?? []), ...(user.baseModels ?? [])])];
  return ids.map((id) => {
    const purl = hfPurl(id);
    const license = baseModelLicense(id, user.baseModelLicenses?.[id]);
    const relation = facts.card?.baseModelRelation;
    return {
      id,
      ref: `base-model:${id}`,
      ...(purl ? { purl } : {}),
      ...(relation ? { relation } : {}),
      ...(license ? { license: { ...license, inheritedFrom: id } } : {}),
    };
  });
}

function merged(...maps: readonly ReadonlyMap<string, string>[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const map of maps) for (const [k, v] of map) if (!out.has(k)) out.set(k, v);
  return out;
}

/** Combines the collected facts and the caller's facts into one view (artifacts first, caller fills gaps). */
export function resolveModel(facts: ModelFacts, user: UserFacts): ModelView {
  const repoId = user.repoId ?? facts.identity.repoId;
  const revision = user.revision ?? facts.identity.revision;
  const [owner, repoName] = repoId?.includes('/') ? repoId.split('/') : [undefined, repoId];
  const weights = facts.files.flatMap((f) => (f.weights ? [f.weights] : []));
  const ggufName = weights.find((w) => w.metadata.has('general.name'))?.metadata.get('general.name');
  const name =
    user.name ??
    repoName ??
    facts.card?.modelName ??
    ggufName ??
    basename(facts.root).replace(/\.[^.]+$/, '');
  // A bare file is identified by its own SHA-256; a directory by the OMS root digest over its files.
  const checksum = facts.isDirectory ? facts.rootDigest : (facts.files[0]?.sha256 ?? facts.rootDigest);
  const purl =
    (repoId ? hfPurl(repoId, revision) : undefined) ??
    new PackageURL(
      'generic',
      undefined,
      name,
      revision,
      { checksum: `sha256:${checksum}` },
      undefined,
    ).toString();
  const licenses = ownLicenses(facts, user);
  const baseModels = baseModelsOf(facts, user);
  const inherited = baseModels.flatMap((b) => (b.license ? [b.license] : []));
  const parameterCount = weights.reduce<bigint | undefined>(
    (sum, w) => (w.parameterCount === undefined ? sum : (sum ?? 0n) + w.parameterCount),
    undefined,
  );
  const serializations = [...new Set(weights.map((w) => (w.pickle ? 'pickle' : w.format)))];
  const supplier =
    user.supplier ??
    facts.card?.developedBy ??
    weights.find((w) => w.metadata.has('general.organization'))?.metadata.get('general.organization') ??
    owner;
  const task = facts.card?.task;
  const architectureFamily =
    facts.config?.architectureFamily ??
    weights.find((w) => w.metadata.has('general.architecture'))?.metadata.get('general.architecture');
  const modelArchitecture = facts.config?.modelArchitecture;
  const description = facts.card?.description;
  return {
    facts,
    user,
    name,
    ...(owner ? { group: owner } : {}),
    ...(revision ? { version: revision } : {}),
    purl,
    ref: purl,
    ...(repoId ? { repoId } : {}),
    ...(description ? { description } : {}),
    ...(supplier ? { supplier } : {}),
    ...(task ? { task } : {}),
    ...(architectureFamily ? { architectureFamily } : {}),
    ...(modelArchitecture ? { modelArchitecture } : {}),
    licenses,
    inheritedLicenses: inherited,
    effectiveRisk: mostRestrictive([...licenses, ...inherited].map((l) => l.risk)),
    licenseConflict: licenseConflict(licenses, inherited),
    datasets: datasetsOf(facts, user),
    baseModels,
    metrics: facts.card?.metrics ?? [],
    useCases: [...(facts.card?.useCases ?? []), ...(user.intendedUse ?? [])],
    limitations: [
      ...(facts.card?.limitations ?? []),
      ...(facts.card?.outOfScope ?? []).map((s) => `Out of scope: ${s}`),
      ...(user.limitations ?? []),
    ],
    hyperparameters: merged(
      facts.config?.hyperparameters ?? new Map(),
      ...weights.map((w) => w.hyperparameters),
    ),
    tokenizer: merged(facts.tokenizer?.hyperparameters ?? new Map(), ...weights.map((w) => w.tokenizer)),
    ...(parameterCount !== undefined ? { parameterCount } : {}),
    serializations,
  };
}
