import type { CycloneDxBom } from './cyclonedx/types.ts';
import { assertValid, validateCycloneDx } from './cyclonedx/validate.ts';
import { toCycloneDxXml } from './cyclonedx/xml.ts';
import type { BomResult } from './generate.ts';
import { buildSpdx } from './spdx/build.ts';
import { validateSpdx } from './spdx/validate.ts';

export interface RenderOptions {
  /** Validate before returning the text (default true). */
  readonly validate?: boolean;
  /** Write the completeness score and the missing fields into the document. */
  readonly embedScore?: boolean;
  readonly timestamp?: Date;
}

function withScore(result: BomResult, options: RenderOptions): CycloneDxBom {
  if (!options.embedScore) return result.document;
  const c = result.completeness;
  const properties = [
    { name: 'palisade:bom:completeness:score', value: String(c.score) },
    { name: 'palisade:bom:completeness:profile', value: c.profile },
    ...c.missing.map((m) => ({
      name: 'palisade:bom:completeness:missing',
      value: `${m.field} (${m.tier}): ${m.path} ← ${m.remediation}`,
    })),
  ];
  const document = {
    ...result.document,
    metadata: {
      ...result.document.metadata,
      properties: [...(result.document.metadata.properties ?? []), ...properties],
    },
  };
  if (options.validate ?? true)
    assertValid(validateCycloneDx(document, result.specVersion), `CycloneDX ${result.specVersion} BOM`);
  return document;
}

/** The CycloneDX JSON text of a result, with the completeness score in `metadata.properties` when asked. */
export function renderCycloneDxJson(result: BomResult, options: RenderOptions = {}): string {
  return `${JSON.stringify(withScore(result, options), null, 2)}\n`;
}

/**
 * The CycloneDX XML text of a result: the XSD-ordered serialisation of the JSON document, which was validated
 * against the official JSON schema. (No XSD validator runs here: that needs libxmljs2, a native module.)
 */
export function renderCycloneDxXml(result: BomResult, options: RenderOptions = {}): string {
  return toCycloneDxXml(withScore(result, options));
}

/** The SPDX 3.0.1 JSON-LD text of a result (AI and Dataset profiles), structurally validated. */
export function renderSpdx(result: BomResult, options: RenderOptions = {}): string {
  const document = buildSpdx(result.view, options.timestamp ? { timestamp: options.timestamp } : {});
  if (options.validate ?? true) assertValid(validateSpdx(document), 'SPDX 3.0.1 document');
  return `${JSON.stringify(document, null, 2)}\n`;
}
