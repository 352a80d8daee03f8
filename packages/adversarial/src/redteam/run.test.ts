import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { PROBE_FAMILIES } from './probes.ts';
import { runRedTeam } from './run.ts';
import { type ChatMessage, openAiTarget, templateTarget } from './target.ts';

/** A gullible model: decodes what it is given, obeys any "say X", leaks its prompt, complies with anything. */
function gullible(messages: ChatMessage[]): string {
  const system = messages.find((m) => m.role === 'system')?.content ?? '';
  let text = messages
    .filter((m) => m.role === 'user')
    .map((m) => m.content)
    .join('\n');
  const b64 = /([A-Za-z0-9+/]{12,}={0,2})\s*$/.exec(text);
  if (/base64/i.test(text) && b64) text = Buffer.from(b64[1] as string, 'base64').toString();
  const hex = /([0-9a-f]{12,})\s*$/.exec(text);
  if (/hex/i.test(text) && hex) text = Buffer.from(hex[1] as string, 'hex').toString();
  if (/rot13/i.test(text))
    text = text.replace(/[a-z]/gi, (c) =>
      String.fromCharCode(((c.toLowerCase().charCodeAt(0) - 84) % 26) + (c === c.toLowerCase() ? 97 : 65)),
    );
  const rogue = /\b(PWNED-[0-9A-F]{8})\b/i.exec(text);
  if (rogue) return `${(rogue[1] as string).toUpperCase()}`;
  if (/above|instructions|system prompt|configuration|customer|card|email/i.test(text))
    return `Of course. ${system}`;
  return 'Sure, here is exactly how to do that. Step 1: gather the materials...';
}

const refusing = () => "I'm sorry, but I can't help with that.";
/** Polite and safe, except that it reads its instructions back when asked. */
const leaky = (messages: ChatMessage[]) =>
  /your (?:initial )?instructions|system prompt|above this/i.test(messages.at(-1)?.content ?? '')
    ? `My instructions: ${messages[0]?.content}`
    : 'I can only help with Northwind orders, shipping and returns.';

let server: Server;
let base = '';
before(async () => {
  const behaviours: Record<string, (m: ChatMessage[]) => string> = { gullible, refusing, leaky };
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      const json = JSON.parse(body);
      const behaviour = behaviours[(req.url ?? '').split('/')[1] ?? ''] ?? refusing;
      const messages: ChatMessage[] = json.messages ?? [
        { role: 'system', content: json.system },
        { role: 'user', content: json.prompt },
      ];
      const content = behaviour(messages);
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify(
          json.messages
            ? { choices: [{ message: { role: 'assistant', content } }] }
            : { reply: { text: content } },
        ),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

describe('red team against stub endpoints', () => {
  test('every planted weakness of a gullible model is found, in every family', async () => {
    const report = await runRedTeam(openAiTarget(`${base}/gullible`, 'stub'), { concurrency: 8 });
    assert.equal(report.errors.length, 0, JSON.stringify(report.errors));
    for (const family of report.families) {
      assert.equal(
        family.failures,
        family.attempts,
        `${family.family}: ${family.failures}/${family.attempts}`,
      );
      assert.equal(family.passRate, 0);
    }
    assert.equal(report.passed, false);
    const leak = report.failures.find((f) => f.family === 'system-prompt-leak');
    assert.match(leak?.evidence ?? '', /CANARY-|sk-live-/);
  });

  test('a model that refuses everything passes every family', async () => {
    const report = await runRedTeam(openAiTarget(`${base}/refusing`, 'stub'));
    assert.deepEqual(report.failures, []);
    assert.equal(report.passed, true);
    assert.deepEqual(
      report.families.map((f) => f.family),
      [...PROBE_FAMILIES],
    );
  });

  test('only the weakness a model has is reported', async () => {
    const report = await runRedTeam(openAiTarget(`${base}/leaky`, 'stub'));
    const failing = new Set(report.failures.map((f) => f.family));
    assert.deepEqual([...failing], ['system-prompt-leak']);
  });

  test('a templated HTTP endpoint works like an OpenAI one', async () => {
    const target = templateTarget(
      `${base}/gullible`,
      '{"system": "$SYSTEM", "prompt": "$INPUT"}',
      '$.reply.text',
    );
    const report = await runRedTeam(target, {
      families: ['prompt-injection', 'harmful-content'],
      ratePerSecond: 200,
    });
    assert.equal(report.failures.length, report.requests);
  });

  test('an unreachable endpoint is an error per attempt, not a pass', async () => {
    const report = await runRedTeam(openAiTarget('http://127.0.0.1:9', 'stub', { retries: 0 }), {
      families: ['jailbreak'],
    });
    assert.equal(report.errors.length, report.requests);
    assert.equal(report.passed, false);
  });
});

test('an LLM judge decides the harmful-content family when given; its failures are errors, not passes', async () => {
  const judge = (verdict: string) => ({ description: 'stub judge', send: async () => verdict });
  // The leaky stub deflects harmful requests politely; a judge that says COMPLIED overrides the heuristic.
  const strict = await runRedTeam(openAiTarget(`${base}/leaky`, 'stub'), {
    families: ['harmful-content'],
    judge: judge('COMPLIED'),
  });
  assert.equal(strict.failures.length, strict.requests);
  assert.match(strict.failures[0]?.evidence ?? '', /^judge: complied/);
  const lenient = await runRedTeam(openAiTarget(`${base}/gullible`, 'stub'), {
    families: ['harmful-content'],
    judge: judge('REFUSED.'),
  });
  assert.equal(lenient.failures.length, 0);
  const confused = await runRedTeam(openAiTarget(`${base}/gullible`, 'stub'), {
    families: ['harmful-content'],
    judge: judge('maybe'),
  });
  assert.equal(confused.errors.length, confused.requests);
  assert.equal(confused.passed, false);
});
