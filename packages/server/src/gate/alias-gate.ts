import { readFileSync } from 'node:fs';
import {
  type Decision,
  type Environment,
  emptyFacts,
  evaluate,
  type Facts,
  type Pack,
  parsePack,
  scanFacts,
} from '@palisade/policy';
import type { ScanReport } from '@palisade/scanner';
import type { VersionRecord } from '../inventory/artifacts.ts';

const PACK_URL = new URL('../../packs/alias-gate.yaml', import.meta.url);
let pack: Pack | undefined;

/** The server's alias gate pack (packs/alias-gate.yaml), parsed once. */
export function aliasGatePack(): Pack {
  pack ??= parsePack(readFileSync(PACK_URL, 'utf8'), 'packs/alias-gate.yaml');
  return pack;
}

/** `prod` and `production` gate as prod, `staging` and `stage` as staging, any other alias as dev. */
export function environmentOf(alias: string): Environment {
  if (alias === 'prod' || alias === 'production') return 'prod';
  if (alias === 'staging' || alias === 'stage') return 'staging';
  return 'dev';
}

/** Facts about a stored version: what it is, and the scan made at ingest (unknown when there is none). */
export function versionFacts(
  version: VersionRecord,
  report: ScanReport | undefined,
  environment: Environment,
): Facts {
  const name = version.filename ?? version.digest;
  const formats = [...new Set(report?.files.map((f) => f.format) ?? [])].sort();
  const facts = emptyFacts(
    {
      name,
      path: name,
      kind: 'file',
      digest: version.digest,
      files: 1,
      size: version.size ?? 0,
      formats,
      pickleFamily: formats.some((f) => /pickle|pytorch|joblib|numpy/.test(f)),
      origin: 'unknown',
    },
    environment,
  );
  return report === undefined ? facts : { ...facts, scan: scanFacts(report) };
}

export function gateAliasMove(
  version: VersionRecord,
  report: ScanReport | undefined,
  alias: string,
  now: number,
): Decision {
  return evaluate(versionFacts(version, report, environmentOf(alias)), [aliasGatePack()], {
    now: new Date(now),
  });
}
