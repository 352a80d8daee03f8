import { ApiError, api, type Job, seg, upload, type Version } from '../api.ts';
import { announce, bytes, field, h, replace } from '../dom.ts';
import { countsView, findingsView, job } from '../evidence.ts';
import { href } from '../router.ts';
import { projects } from '../session.ts';
import { aliasForm } from './version.ts';

const POLL_MS = 500;
const MAX_POLLS = 1200; // ten minutes: the server's time limit for one scan attempt

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function uploadPage(main: HTMLElement): Promise<void> {
  const list = await projects();
  if (list.length === 0) {
    replace(main, h('h1', null, 'Upload and scan'), h('p', null, 'There is no project to upload into yet.'));
    return;
  }
  const project = h(
    'select',
    { name: 'project', required: true },
    list.map((p) => h('option', { value: p.name }, p.name)),
  );
  const kind = h(
    'select',
    { name: 'kind' },
    h('option', { value: 'model' }, 'Model'),
    h('option', { value: 'dataset' }, 'Dataset'),
  );
  const name = h('input', {
    name: 'name',
    required: true,
    maxlength: 64,
    pattern: '[A-Za-z0-9][A-Za-z0-9._\\-]*',
  });
  const file = h('input', { name: 'file', type: 'file', required: true });
  const progress = h('progress', { max: 100, value: 0, 'aria-label': 'Upload progress' });
  const stage = h('p', { role: 'status' });
  const result = h('div');
  const submit = h('button', { type: 'submit' }, 'Upload and scan');
  const form = h(
    'form',
    { class: 'card', 'aria-labelledby': 'upload-title' },
    h('h1', { id: 'upload-title' }, 'Upload and scan'),
    h('p', null, 'The file is stored by its SHA-256 digest and scanned at once. Nothing in it is executed.'),
    field('Project', project),
    field('Kind', kind),
    field('Name', name, 'The model or dataset this file is a version of; it is created if new.'),
    field('File', file),
    submit,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const chosen = file.files?.[0];
    if (chosen === undefined) return;
    submit.disabled = true;
    replace(result);
    const base = `/projects/${seg(project.value)}/${kind.value}s`;
    try {
      try {
        await api('POST', base, { name: name.value });
      } catch (failure) {
        if (!(failure instanceof ApiError && failure.status === 409)) throw failure; // it exists: a new version
      }
      stage.textContent = `Uploading ${chosen.name} (${bytes(chosen.size)})…`;
      const version = await upload<Version>(`${base}/${seg(name.value)}/versions`, chosen, (sent, total) => {
        progress.value = total > 0 ? Math.round((sent / total) * 100) : 100;
      });
      progress.value = 100;
      const link = href('p', project.value, kind.value, name.value, version.digest);
      if (version.scanJob === undefined) {
        stage.textContent = 'These bytes were uploaded before; their scan is on the version page.';
        replace(result, h('a', { href: link }, 'Open the version'));
        return;
      }
      let scan: Job = await job(project.value, version.scanJob);
      for (let i = 0; i < MAX_POLLS && (scan.state === 'queued' || scan.state === 'running'); i += 1) {
        stage.textContent = `Uploaded. Scan ${scan.state}${scan.attempts > 1 ? ` (attempt ${scan.attempts})` : ''}…`;
        await sleep(POLL_MS);
        scan = await job(project.value, version.scanJob);
      }
      stage.textContent = `Scan ${scan.state}.`;
      announce(`Scan ${scan.state}.`);
      replace(
        result,
        h('h2', null, 'Result'),
        scan.result
          ? [
              h('p', { id: 'scan-summary' }, 'Open findings: ', countsView(scan.result)),
              findingsView(scan.result),
            ]
          : h('p', { class: 'error' }, scan.error ?? 'The scan gave no report.'),
        h('h2', null, 'Promote'),
        h(
          'p',
          null,
          'Moving an alias runs the policy gate on this scan; a denial leaves the alias where it was.',
        ),
        aliasForm(project.value, kind.value, name.value, version.digest),
        h('p', null, h('a', { href: link }, 'Open the version page')),
      );
    } catch (failure) {
      stage.textContent = '';
      replace(
        result,
        h(
          'p',
          { class: 'error', role: 'alert' },
          failure instanceof Error ? failure.message : String(failure),
        ),
      );
    } finally {
      submit.disabled = false;
    }
  });
  replace(main, form, h('div', { class: 'card' }, h('div', { class: 'field' }, progress), stage, result));
}
