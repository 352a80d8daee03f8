import { type BomResult, generateBom } from '@palisade/bom';
import { isPalisadeError } from '@palisade/core';
import { type BomFacts, type Unknown, unknown } from '@palisade/policy';

/** The facts a policy reads from the AI-BOM (CycloneDX ML-BOM) of the artifact. */
export function bomToFacts(bom: BomResult): BomFacts {
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
    // The model is the BOM's metadata.component, not one of its components: ask the generator.
    hasModelCard: bom.hasModelCard,
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
