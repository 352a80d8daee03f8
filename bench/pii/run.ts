/**
 * PII scan throughput: `palisade pii` over a generated customer table beside `wc -l` over the same file, in the
 * same run (the physical floor of reading every byte and finding every line).
 *
 *   node bench/pii/run.ts [--size-mb 1024] [--repeats 1]
 *
 * The CSV (bench/.work/pii/customers-<size>mb.csv, gitignored) is written once by a seeded generator: 13 columns
 * of which 7 hold personal data (e-mail, phone, SSN, birth date, ZIP, card numbers and e-mails inside free-text
 * notes), so most cells go through the recognizers. Both commands run as child processes; the page cache is
 * warmed by a first `wc -l`; the median wall time of the repeats is reported.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const WORK = path.join(ROOT, 'bench', '.work', 'pii');
const CLI = path.join(ROOT, 'packages', 'cli', 'bin', 'palisade.js');

const { values } = parseArgs({
  options: { 'size-mb': { type: 'string', default: '1024' }, repeats: { type: 'string', default: '1' } },
});
const sizeMb = Math.max(1, Number(values['size-mb']) || 1024);
const repeats = Math.max(1, Number(values.repeats) || 1);

/** A small seeded generator (xorshift32) so that every run scans the same bytes. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return (n: number) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
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
];
const CITIES = ['Leeds', 'Austin', 'Lyon', 'Pune', 'Osaka', 'Krakow', 'Bilbao', 'Perth', 'Gent', 'Espoo'];
const NOTES = [
  'Customer asked about the delivery date of order %n.',
  'Prefers e-mail; renewal due next quarter.',
  'Called twice about invoice %n, resolved.',
  'Paid with card 4111 1111 1111 1111 after the trial.',
  'Second contact: %e',
  'Upgraded plan, discount code SPRING%n applied.',
  'No action needed.',
  'Requested a callback on (415) 555-0132 in the afternoon.',
];

function luhnCard(r: (n: number) => number): string {
  const digits = [4, ...Array.from({ length: 14 }, () => r(10))];
  let sum = 0;
  for (let i = digits.length - 1, dbl = true; i >= 0; i--, dbl = !dbl) {
    let d = digits[i] as number;
    if (dbl) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return `${digits.join('')}${(10 - (sum % 10)) % 10}`;
}

function makeInput(file: string, bytes: number): void {
  const r = rng(14);
  const fd = openSync(file, 'w');
  let written = 0;
  let parts: string[] = [
    'id,first_name,last_name,email,phone,ssn,birth_date,zip,gender,city,balance,signup_ts,note\n',
  ];
  let id = 0;
  while (written < bytes) {
    for (let i = 0; i < 5000; i++) {
      id++;
      const first = FIRST[r(FIRST.length)] as string;
      const last = LAST[r(LAST.length)] as string;
      const email = `${first.toLowerCase()}.${last.toLowerCase()}${r(1000)}@example.com`;
      const phone = `${200 + r(800)}-${200 + r(800)}-${String(r(10000)).padStart(4, '0')}`;
      const ssn = `${String(1 + r(665)).padStart(3, '0')}-${String(1 + r(99)).padStart(2, '0')}-${String(1 + r(9999)).padStart(4, '0')}`;
      const dob = `${1940 + r(65)}-${String(1 + r(12)).padStart(2, '0')}-${String(1 + r(28)).padStart(2, '0')}`;
      const note = (NOTES[r(NOTES.length)] as string)
        .replace('%n', String(10000 + r(90000)))
        .replace('%e', `${first.toLowerCase()}@example.org`)
        .replace('4111 1111 1111 1111', luhnCard(r).replace(/(\d{4})(?=\d)/g, '$1 '));
      parts.push(
        `${id},${first},${last},${email},${phone},${ssn},${dob},${10000 + r(90000)},${r(2) ? 'F' : 'M'},${CITIES[r(CITIES.length)]},${r(100000)}.${String(r(100)).padStart(2, '0')},2024-0${1 + r(9)}-1${r(10)}T${String(r(24)).padStart(2, '0')}:00:00Z,"${note}"\n`,
      );
    }
    const text = parts.join('');
    writeSync(fd, text);
    written += Buffer.byteLength(text);
    parts = [];
  }
  closeSync(fd);
}

interface Timing {
  readonly seconds: number;
  /** User + system CPU seconds and peak RSS from /usr/bin/time (undefined without it). */
  readonly cpu?: number;
  readonly rssMb?: number;
  readonly stdout: string;
}

const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/** Wall time around the child, and its CPU time: on a shared machine the two differ, so both are printed. */
function timed(command: string, args: readonly string[]): Timing {
  const argv = TIME ? ['-f', '%U %S %M', command, ...args] : [...args];
  const start = process.hrtime.bigint();
  const result = spawnSync(TIME ?? command, argv, { encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0 && result.status !== 1)
    throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  const last = result.stderr.trim().split('\n').pop() ?? '';
  const [user, sys, rss] = last.split(' ').map(Number);
  return TIME && rss !== undefined && Number.isFinite(rss)
    ? { seconds, cpu: (user ?? 0) + (sys ?? 0), rssMb: rss / 1024, stdout: result.stdout }
    : { seconds, stdout: result.stdout };
}

function median(xs: readonly Timing[]): Timing {
  return [...xs].sort((a, b) => a.seconds - b.seconds)[Math.floor(xs.length / 2)] as Timing;
}

mkdirSync(WORK, { recursive: true });
const input = path.join(WORK, `customers-${sizeMb}mb.csv`);
if (!existsSync(input) || statSync(input).size < sizeMb * 1e6) {
  process.stderr.write(`writing ${input}…\n`);
  makeInput(input, sizeMb * 1e6);
}
const size = statSync(input).size;
timed('wc', ['-l', input]); // warm the page cache
const wc: Timing[] = [];
const pii: Timing[] = [];
let report: { records: number; totalFindings: number; byEntity: Record<string, number> } | undefined;
for (let i = 0; i < repeats; i++) {
  wc.push(timed('wc', ['-l', input]));
  const run = timed(process.execPath, [
    CLI,
    'pii',
    input,
    '--format',
    'json',
    '--max-findings',
    '10',
    '--fail-on',
    'none',
  ]);
  pii.push(run);
  report = JSON.parse(run.stdout);
}
const mb = size / 1e6;
console.log(
  `input: ${input} (${mb.toFixed(0)} MB, ${report?.records} records, ${report?.totalFindings} findings)`,
);
console.log(`findings by entity: ${JSON.stringify(report?.byEntity)}`);
console.log('| command | wall s | MB/s (wall) | CPU s | MB/s (CPU) | peak RSS MB |');
console.log('|---|---|---|---|---|---|');
for (const [name, t] of [
  ['wc -l', median(wc)],
  ['palisade pii --format json', median(pii)],
] as const) {
  const cpu = t.cpu === undefined ? 'n/a' : t.cpu.toFixed(2);
  const cpuRate = t.cpu === undefined || t.cpu === 0 ? 'n/a' : (mb / t.cpu).toFixed(1);
  console.log(
    `| ${name} | ${t.seconds.toFixed(2)} | ${(mb / t.seconds).toFixed(1)} | ${cpu} | ${cpuRate} | ${t.rssMb?.toFixed(0) ?? 'n/a'} |`,
  );
}
