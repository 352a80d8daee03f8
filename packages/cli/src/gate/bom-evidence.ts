import { type BomResult, generateBom } from '@palisade/bom';
import { isPalisadeError } from '@palisade/core';
import { type BomFacts, type Unknown, unknown } from '@palisade/policy';

/** The facts a policy reads from the AI-BOM (CycloneDX ML-BOM) of the artifact. */
export function bomToFacts(bom: BomResult): BomFacts {
  const modelCard = bom.document.components?.some((c) => c.modelCard !== undefined) ?? false;
  return {
    status: 'known',
    completeness: Math.min(1, Math.max(0, bom.completeness.score / 100)),
    missing: bom.completeness.missing.map((m) => m.field),
    licenses: bom.licenses.map((l) => ({
      ...(l.id !== undefined ? { id: l.id } : {}),
      ...(l.name !== undefined ? { name: l.name } : {}),
      risk: l.risk,
    })),
    datasets: bom.datasets.length,
    baseModels: bom.baseModels.map((b) => b.id),
    hasModelCard: modelCard,
    licenseConflict: bom.licenseConflict,
  };
}

/** Generates the AI-BOM; a model the BOM generator cannot read leaves the BOM facts unknown, with the reason. */
export async function bomFacts(path: string): Promise<BomFacts | Unknown> {
  try {
    const bom = await generateBom(path, { validate: false });
    return bomToFacts(bom);
  } catch (error) {
    if (!isPalisadeError(error)) throw error;
    return unknown(`AI-BOM generation failed: ${error.message}`);
  }
}
