import { api, seg } from '../api.ts';
import { announce, field, h, replace, when } from '../dom.ts';

interface Webhook {
  readonly id: string;
  readonly url: string;
  readonly events: readonly string[];
  readonly createdAt: string;
  readonly secret?: string;
}

const EVENTS = ['scan.completed', 'gate.denied', 'alias.moved'];

/** Webhooks (admins): list, register (the HMAC secret is shown once), remove. */
export async function webhooksSection(): Promise<HTMLElement> {
  const section = h('section', { 'aria-labelledby': 'webhooks-title' });
  const draw = async (created?: Webhook) => {
    const { webhooks } = await api<{ webhooks: Webhook[] }>('GET', '/webhooks');
    const url = h('input', {
      name: 'url',
      type: 'url',
      required: true,
      maxlength: 2048,
      placeholder: 'https://…',
    });
    const boxes = EVENTS.map((event) => {
      const box = h('input', {
        type: 'checkbox',
        value: event,
        checked: true,
        id: `hook-${event.replace('.', '-')}`,
      });
      return { event, box };
    });
    const error = h('p', { class: 'error', role: 'alert', hidden: true });
    const form = h(
      'form',
      { class: 'card', 'aria-label': 'Register a webhook' },
      field('Webhook URL', url, 'HTTPS (loopback may use HTTP). Deliveries are signed with HMAC-SHA-256.'),
      h(
        'fieldset',
        null,
        h('legend', null, 'Events'),
        boxes.map(({ event, box }) => h('div', { class: 'check' }, box, h('label', { for: box.id }, event))),
      ),
      h('button', { type: 'submit' }, 'Register webhook'),
      error,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      try {
        const made = await api<Webhook>('POST', '/webhooks', {
          url: url.value,
          events: boxes.filter((b) => b.box.checked).map((b) => b.event),
        });
        announce('Webhook registered. Copy its secret now; it will not be shown again.');
        await draw(made);
      } catch (failure) {
        error.hidden = false;
        error.textContent = failure instanceof Error ? failure.message : String(failure);
      }
    });
    replace(
      section,
      h('h2', { id: 'webhooks-title' }, 'Webhooks'),
      created?.secret
        ? h(
            'div',
            { class: 'notice' },
            h('p', null, h('strong', null, 'Copy the signing secret now: it is shown once.')),
            field(
              `Secret of ${created.url}`,
              h('input', { readonly: true, value: created.secret, size: 48 }),
            ),
          )
        : null,
      webhooks.length === 0
        ? h('p', null, 'No webhook.')
        : h(
            'table',
            null,
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                ['URL', 'Events', 'Registered', ''].map((c) => h('th', { scope: 'col' }, c)),
              ),
            ),
            h(
              'tbody',
              null,
              webhooks.map((w) =>
                h(
                  'tr',
                  null,
                  h('th', { scope: 'row', class: 'wrap' }, w.url),
                  h('td', null, w.events.join(', ')),
                  h('td', null, when(w.createdAt)),
                  h(
                    'td',
                    null,
                    h(
                      'button',
                      {
                        type: 'button',
                        class: 'secondary',
                        'aria-label': `Remove webhook ${w.url}`,
                        onclick: async () => {
                          await api('DELETE', `/webhooks/${seg(w.id)}`);
                          announce('Webhook removed.');
                          await draw();
                        },
                      },
                      'Remove',
                    ),
                  ),
                ),
              ),
            ),
          ),
      form,
    );
  };
  await draw();
  return section;
}
