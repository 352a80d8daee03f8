// ajv-formats-draft2019 ships no types: it adds the draft 2019-09 formats (iri-reference, idn-email…) to an Ajv.
declare module 'ajv-formats-draft2019' {
  import type { Ajv } from 'ajv';
  export default function addFormats(ajv: Ajv, options?: { readonly formats?: readonly string[] }): Ajv;
}
