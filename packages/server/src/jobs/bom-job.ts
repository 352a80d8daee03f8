import { generateBom } from '@palisade/bom';
import type { Finding } from '@palisade/core';
import type { ScanReport } from '@palisade/scanner';
import { type JobDeps, withPlainCopy } from './plain-copy.ts';
import type { JobQueue } from './queue.ts';
import type { JobRunner } from './worker.ts';

/**
 * Generates the AI-BOM of a stored version with `@palisade/bom` (CycloneDX, schema-validated), with the findings of
 * the version's latest scan as vulnerabilities, as `palisade bom FILE` does after a scan.
 */
export function bomJobRunner(deps: JobDeps & { readonly jobs: JobQueue }): JobRunner {
  return (job) =>
    withPlainCopy(deps, job, async (file) => {
      const scan = (await deps.jobs.latestResult(job.versionId, 'scan')) as ScanReport | undefined;
      const findings: Finding[] = scan?.files.flatMap((f) => [...f.findings]) ?? [];
      const result = await generateBom(file, { findings, validate: true });
      return {
        document: result.document,
        completeness: result.completeness,
        licenseRisk: result.licenseRisk,
        licenseConflict: result.licenseConflict,
        warnings: result.warnings,
      };
    });
}
