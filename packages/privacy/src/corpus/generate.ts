import { IDENTIFIERS, type IdentifierKind } from './identifiers.ts';
import { SeededRandom } from './random.ts';
import { SECRETS } from './secrets.ts';

/** One labelled line of the corpus: the text and the spans (UTF-16 offsets) that are personal data or secrets. */
export interface LabelledSample {
  readonly text: string;
  readonly labels: readonly { readonly entity: string; readonly start: number; readonly end: number }[];
}

const FIRST = [
  'Maria',
  'James',
  'Aiko',
  'Oluwaseun',
  'Priya',
  'Lars',
  'Fatima',
  'Chen',
  'Sofia',
  'Mateo',
  'Anna',
  'Kwame',
];
const LAST = [
  'Garcia',
  'Smith',
  'Tanaka',
  'Adeyemi',
  'Sharma',
  'Nilsson',
  'Haddad',
  'Wei',
  'Rossi',
  'Lopez',
  'Nowak',
  'Mensah',
];
const CITIES = ['Leeds', 'Austin', 'Lyon', 'Pune', 'Osaka', 'Kraków', 'Bilbao', 'Perth', 'Gent', 'Espoo'];

type Template = (parts: { ctx: string; key: string; value: string; name: string; city: string }) => string;

const WITH_CONTEXT: readonly Template[] = [
  (p) => `${p.name}'s ${p.ctx} is ${p.value}.`,
  (p) => `${p.ctx}: ${p.value}`,
  (p) => `{"name": "${p.name}", "${p.key}": "${p.value}"}`,
  (p) => `Please update the ${p.ctx} (${p.value}) for ${p.name} before Friday.`,
  (p) => `${p.key}=${p.value}`,
  (p) => `${p.name} | ${p.city} | ${p.ctx} ${p.value} | active`,
];

const WITHOUT_CONTEXT: readonly Template[] = [
  (p) => `${p.name} wrote from ${p.city}: ${p.value}`,
  (p) => `ref ${p.value} - ${p.city}`,
  (p) => p.value,
  (p) => `${p.name},${p.city},${p.value},2`,
  (p) => `see ${p.value} for details`,
];

/** Text that looks like identifiers but is none: ids, hashes, versions, amounts, measurements, codes. */
function lookAlikes(r: SeededRandom): string[] {
  const hex = '0123456789abcdef';
  const out: string[] = [];
  for (let i = 0; i < 40; i++) {
    out.push(
      `Order ORD-${r.int(2019, 2025)}-${r.digits(6)} shipped to ${r.pick(CITIES)} on build ${r.int(1, 9)}.${r.int(0, 30)}.${r.int(0, 99)}`,
      `commit ${r.chars(hex, 40)} fixes #${r.int(100, 9999)}`,
      `request id ${r.chars(hex, 8)}-${r.chars(hex, 4)}-4${r.chars(hex, 3)}-a${r.chars(hex, 3)}-${r.chars(hex, 12)}`,
      `sha256:${r.chars(hex, 64)}`,
      `ISBN 978-${r.int(0, 1)}-${r.digits(3)}-${r.digits(5)}-${r.int(0, 9)} costs $${r.int(1, 999)},${r.digits(3)}.${r.digits(2)}`,
      `Measured ${r.int(100, 999)}.${r.digits(4)} mm over ${r.digits(5)} samples (p = 0.0${r.digits(3)})`,
      `timestamp_ms=${r.int(1600000000, 1799999999)}${r.digits(3)} latency=${r.int(1, 999)}ms`,
      `Room ${r.int(100, 999)}, floor ${r.int(1, 40)}, extension ${r.digits(4)}`,
      `colour #${r.chars(hex, 6)} at ${r.int(0, 255)},${r.int(0, 255)},${r.int(0, 255)}`,
      `${r.pick(FIRST)} ${r.pick(LAST)} moved to ${r.pick(CITIES)} in ${r.int(1990, 2024)}.`,
      `model-v${r.int(1, 9)}.${r.int(0, 9)}-epoch${r.int(1, 99)}-step${r.digits(6)}.safetensors`,
      `Invoice total: ${r.digits(2)} ${r.digits(3)} ${r.digits(3)} units (batch ${r.digits(5)})`,
    );
  }
  return out;
}

/** A connection string to a numeric host also holds an IP address. */
function alsoIp(sample: LabelledSample): LabelledSample {
  const start = sample.text.indexOf('10.0.3.7');
  return { text: sample.text, labels: [...sample.labels, { entity: 'IP_ADDRESS', start, end: start + 8 }] };
}

function label(text: string, value: string, entity: string): LabelledSample {
  const start = text.indexOf(value);
  return { text, labels: [{ entity, start, end: start + value.length }] };
}

/** The labelled corpus: per kind, valid values with and without context and invalid look-alikes in context. */
export function generateCorpus(seed = 14): LabelledSample[] {
  const r = new SeededRandom(seed);
  const samples: LabelledSample[] = [];
  for (const kind of [...IDENTIFIERS, ...SECRETS] as IdentifierKind[]) {
    const parts = (value: string) => {
      const ctx = kind.context.length > 0 ? r.pick(kind.context) : '';
      return {
        ctx,
        key: ctx
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, '_')
          .replace(/^_|_$/g, ''),
        value,
        name: `${r.pick(FIRST)} ${r.pick(LAST)}`,
        city: r.pick(CITIES),
      };
    };
    for (let i = 0; i < 40; i++) {
      const value = kind.valid(r);
      const contextual = kind.context.length > 0 && (!kind.standalone || i % 2 === 0);
      const template = contextual
        ? WITH_CONTEXT[i % WITH_CONTEXT.length]
        : WITHOUT_CONTEXT[i % WITHOUT_CONTEXT.length];
      const sample = label((template as Template)(parts(value)), value, kind.entity);
      samples.push(value.includes('@10.0.3.7:') ? alsoIp(sample) : sample);
    }
    for (let i = 0; kind.invalid && i < 15; i++) {
      const value = kind.invalid(r);
      const template =
        kind.context.length > 0
          ? WITH_CONTEXT[i % WITH_CONTEXT.length]
          : WITHOUT_CONTEXT[i % WITHOUT_CONTEXT.length];
      samples.push({ text: (template as Template)(parts(value)), labels: [] });
    }
  }
  for (const text of lookAlikes(r)) samples.push({ text, labels: [] });
  return samples;
}
