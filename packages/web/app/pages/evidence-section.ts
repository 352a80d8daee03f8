import { type ArtifactKind, api, type Decision, type Job, type ScanReport, seg } from '../api.ts';
import { announce, h, replace, when } from '../dom.ts';
import { decisionView, findingsView, job } from '../evidence.ts';
import { canWrite } from '../session.ts';

interface EvidenceRecord {
  readonly id: string;
  readonly kind: 'scan' | 'gate' | 'bom';
  readonly sha256: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly report?: unknown;
}

interface SignatureFacts {
  readonly status?: string;
  readonly trusted?: boolean;
  readonly keyFingerprint?: string;
  readonly reason?: string;
  readonly method?: string;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : '';

/** A download of JSON built in the page (a blob: link; nothing is sent anywhere). */
function jsonDownload(label: string, filename: string, value: unknown, type: string): HTMLElement {
  const url = URL.createObjectURL(new Blob([`${JSON.stringify(value, null, 2)}\n`], { type }));
  return h('a', { href: url, download: filename, class: 'button' }, label);
}

/** The readable view of a CycloneDX AI-BOM: what it describes, its components, model card and vulnerabilities. */
export function bomView(document: unknown, name: string): HTMLElement {
  if (!isObject(document)) return h('p', { class: 'error' }, 'The BOM is not a JSON object.');
  const metadata = isObject(document.metadata) ? document.metadata : {};
  const subject = isObject(metadata.component) ? metadata.component : {};
  const components = Array.isArray(document.components) ? document.components.filter(isObject) : [];
  const vulnerabilities = Array.isArray(document.vulnerabilities) ? document.vulnerabilities.length : 0;
  const withCard = [subject, ...components].some((c) => isObject(c.modelCard));
  const licences = (c: Json) =>
    (Array.isArray(c.licenses) ? c.licenses.filter(isObject) : [])
      .map((l) => (isObject(l.license) ? text(l.license.id) || text(l.license.name) : text(l.expression)))
      .filter(Boolean)
      .join(', ');
  return h(
    'div',
    { class: 'bom' },
    h(
      'dl',
      { class: 'facts' },
      h('dt', null, 'Format'),
      h('dd', null, `${text(document.bomFormat)} ${text(document.specVersion)}`),
      h('dt', null, 'Describes'),
      h('dd', null, `${text(subject.type)} ${text(subject.name)} ${text(subject.version)}`.trim() || '—'),
      h('dt', null, 'Model card'),
      h('dd', null, withCard ? 'present' : 'absent'),
      h('dt', null, 'Vulnerabilities (findings)'),
      h('dd', null, String(vulnerabilities)),
    ),
    components.length === 0
      ? h('p', null, 'No components.')
      : h(
          'table',
          null,
          h('caption', null, `${components.length} component(s)`),
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              ['Type', 'Name', 'Version', 'Licence', 'Package URL'].map((c) => h('th', { scope: 'col' }, c)),
            ),
          ),
          h(
            'tbody',
            null,
            components
              .slice(0, 200)
              .map((c) =>
                h(
                  'tr',
                  null,
                  h('td', null, text(c.type)),
                  h('th', { scope: 'row' }, text(c.name)),
                  h('td', null, text(c.version) || '—'),
                  h('td', null, licences(c) || '—'),
                  h('td', { class: 'wrap' }, text(c.purl) || '—'),
                ),
              ),
          ),
        ),
    jsonDownload(
      'Download the AI-BOM (CycloneDX JSON)',
      `${name}.cdx.json`,
      document,
      'application/vnd.cyclonedx+json',
    ),
  );
}

function signatureView(signature: SignatureFacts, record: EvidenceRecord): HTMLElement {
  return h(
    'dl',
    { class: 'facts' },
    h('dt', null, 'Status'),
    h(
      'dd',
      null,
      h(
        'span',
        { class: `badge badge-${signature.status === 'verified' ? 'allow' : 'deny'}` },
        signature.status ?? 'unknown',
      ),
    ),
    h('dt', null, 'Key trusted'),
    h('dd', null, signature.trusted ? 'yes' : 'no'),
    h('dt', null, 'Method'),
    h('dd', null, signature.method ?? '—'),
    h('dt', null, 'Key fingerprint'),
    h('dd', null, h('code', { class: 'wrap' }, signature.keyFingerprint ?? '—')),
    signature.reason ? [h('dt', null, 'Reason'), h('dd', null, signature.reason)] : null,
    h('dt', null, 'Reported'),
    h(
      'dd',
      null,
      `by palisade gate at ${when(record.createdAt)} (a client's claim; the server did not verify it)`,
    ),
  );
}

/** Reports that clients recorded (palisade scan|gate|bom --server): signature status, decisions, BOMs. */
export async function evidenceSection(
  project: string,
  kind: ArtifactKind,
  name: string,
  digest: string,
): Promise<HTMLElement> {
  const { evidence } = await api<{ evidence: EvidenceRecord[] }>(
    'GET',
    `/projects/${seg(project)}/${kind}s/${seg(name)}/versions/${seg(digest)}/evidence`,
  );
  const gates = evidence.filter((e) => e.kind === 'gate' && isObject(e.report));
  const signed = [...gates]
    .reverse()
    .find(
      (e) => isObject((e.report as Json).facts) && isObject(((e.report as Json).facts as Json).signature),
    );
  const signature = signed
    ? (((signed.report as Json).facts as Json).signature as SignatureFacts)
    : undefined;
  return h(
    'section',
    { 'aria-labelledby': 'signature-title' },
    h('h2', { id: 'signature-title' }, 'Signature'),
    signature && signed
      ? signatureView(signature, signed)
      : h(
          'p',
          { class: 'hint' },
          'No signature status known: the server does not verify signatures of uploads, and no client sent a gate report (palisade gate --server).',
        ),
    h('h2', null, 'Reports from clients'),
    evidence.length === 0
      ? h('p', { class: 'hint' }, 'None. `palisade scan|gate|bom --server URL` records its report here.')
      : evidence.map((e) =>
          h(
            'details',
            { class: 'finding' },
            h(
              'summary',
              null,
              `${e.kind} report, ${when(e.createdAt)} `,
              h('code', null, `sha256:${e.sha256.slice(0, 12)}…`),
            ),
            e.kind === 'gate' && isObject(e.report) && Array.isArray((e.report as Json).results)
              ? decisionView(e.report as unknown as Decision)
              : e.kind === 'scan' && isObject(e.report) && Array.isArray((e.report as Json).files)
                ? findingsView(e.report as unknown as ScanReport)
                : e.kind === 'bom'
                  ? bomView(
                      isObject(e.report) && isObject((e.report as Json).document)
                        ? (e.report as Json).document
                        : e.report,
                      name,
                    )
                  : h('p', null, 'Unrecognised report.'),
          ),
        ),
  );
}

/** The server builds the AI-BOM of a stored version as a job (with the latest scan's findings). */
export function bomSection(
  project: string,
  kind: ArtifactKind,
  name: string,
  digest: string,
  stored: boolean,
): HTMLElement {
  const out = h('div', { 'aria-live': 'polite' });
  const build = h('button', { type: 'button' }, 'Build the AI-BOM');
  build.addEventListener('click', async () => {
    build.disabled = true;
    try {
      const queued = await api<Job>('POST', `/projects/${seg(project)}/jobs`, {
        kind: 'bom',
        artifactKind: kind,
        name,
        digest,
      });
      let done: Job = queued;
      for (let i = 0; i < 1200 && (done.state === 'queued' || done.state === 'running'); i += 1) {
        replace(out, h('p', null, `BOM job ${done.state}…`));
        await new Promise((resolve) => setTimeout(resolve, 500));
        done = await job(project, queued.id);
      }
      const result = done.result as unknown;
      if (done.state !== 'succeeded' || !isObject(result)) {
        replace(out, h('p', { class: 'error', role: 'alert' }, done.error ?? `The BOM job ${done.state}.`));
        return;
      }
      const warnings = Array.isArray(result.warnings) ? result.warnings.map(text) : [];
      replace(
        out,
        h(
          'p',
          null,
          `Completeness ${isObject(result.completeness) ? text(result.completeness.score) : '?'} of 100; licence risk ${text(result.licenseRisk) || 'unknown'}${result.licenseConflict === true ? ', with a licence conflict' : ''}.`,
        ),
        warnings.length > 0
          ? h(
              'ul',
              { class: 'hint' },
              warnings.map((w) => h('li', null, w)),
            )
          : null,
        bomView(result.document, name),
      );
      announce('AI-BOM built.');
    } catch (failure) {
      replace(
        out,
        h(
          'p',
          { class: 'error', role: 'alert' },
          failure instanceof Error ? failure.message : String(failure),
        ),
      );
    } finally {
      build.disabled = false;
    }
  });
  return h(
    'section',
    { 'aria-labelledby': 'bom-title' },
    h('h2', { id: 'bom-title' }, 'AI-BOM'),
    h(
      'p',
      { class: 'hint' },
      'A CycloneDX AI-BOM of this version, built by the server from its bytes and its latest scan.',
    ),
    stored && canWrite()
      ? build
      : h(
          'p',
          { class: 'hint' },
          stored ? 'Building one needs the job:create permission.' : 'The bytes are not on the server.',
        ),
    out,
  );
}
