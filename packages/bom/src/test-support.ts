import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import type { SpecVersion } from './cyclonedx/types.ts';
import { validateCycloneDx } from './cyclonedx/validate.ts';

/**
 * Both validators the issue names: Palisade's ajv over the vendored official schema, and the official
 * library's JsonStrictValidator over its own bundled copy. Returns the problems of either (empty when valid).
 */
const libraryValidators = new Map<SpecVersion, Validation.JsonStrictValidator>();

export async function cycloneDxProblems(document: unknown, version: SpecVersion): Promise<string[]> {
  const ours = validateCycloneDx(document, version).map((e) => `ajv ${e.path}: ${e.message}`);
  let library = libraryValidators.get(version);
  if (!library) {
    library = new Validation.JsonStrictValidator(
      version === '1.6' ? Spec.Version.v1dot6 : Spec.Version.v1dot7,
    );
    libraryValidators.set(version, library);
  }
  const theirs = await library.validate(JSON.stringify(document));
  return theirs === null ? ours : [...ours, `cyclonedx-library: ${JSON.stringify(theirs).slice(0, 2000)}`];
}
