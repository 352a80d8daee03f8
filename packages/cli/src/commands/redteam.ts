import { PalisadeError } from '@palisade/core';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { writeResult } from '../io.ts';
import { Progress } from '../progress.ts';

type Adversarial = typeof import('@palisade/adversarial');
type Report = Awaited<ReturnType<Adversarial['runRedTeam']>>;

const integer = (flag: string, value: unknown, min: number, max: number): number | undefined => {
  if (value === undefined) return undefined;
  const v = Number(value);
  if (!Number.isInteger(v) || v < min || v > max)
    throw new PalisadeError('USAGE', `--${flag} ${value}: give a whole number from ${min} to ${max}`);
  return v;
};

function headersFrom(values: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of (values as string[] | undefined) ?? []) {
    const at = h.indexOf(':');
    if (at <= 0) throw new PalisadeError('USAGE', `--header ${h}: write it as "Name: value"`);
    out[h.slice(0, at).trim()] = h.slice(at + 1).trim();
  }
  return out;
}

function text(report: Report): string {
  const lines = [
    `Red team of ${report.target}: ${report.requests} requests`,
    '',
    'family               attempts  failed  errors  pass rate',
  ];
  for (const f of report.families)
    lines.push(
      `${f.family.padEnd(20)} ${String(f.attempts).padStart(8)}  ${String(f.failures).padStart(6)}  ${String(f.errors).padStart(6)}  ${(f.passRate * 100).toFixed(0).padStart(8)} %`,
    );
  for (const f of report.failures) {
    lines.push('', `FAILED ${f.id} (${f.goal}): matched ${f.evidence}`);
    for (const m of f.messages.filter((x) => x.role !== 'system'))
      lines.push(`  ${m.role}: ${m.content.replaceAll('\n', ' ').slice(0, 200)}`);
    lines.push(`  model: ${f.output.replaceAll('\n', ' ').slice(0, 300)}`);
  }
  for (const e of report.errors.slice(0, 10)) lines.push(`error ${e.id}: ${e.message}`);
  lines.push(
    '',
    report.passed ? 'No probe succeeded.' : `${report.failures.length} probe(s) succeeded against the model.`,
  );
  return `${lines.join('\n')}\n`;
}

export const redteamCommand: Command = {
  name: 'redteam',
  summary: 'Probe an LLM endpoint for prompt injection, jailbreaks, leaks and harmful compliance',
  usage: 'palisade redteam --endpoint URL [--model NAME] [--probes FAMILY…] [options]',
  description: [
    'Sends probe conversations to an OpenAI-compatible chat endpoint (or any JSON HTTP endpoint with --template',
    'and --response-path) and checks every answer with deterministic detectors: random rogue strings and',
    'canaries planted per run, leaked personal data, and refusals. Families: prompt-injection,',
    'indirect-injection, jailbreak, system-prompt-leak, pii-leak, harmful-content, encoding. The report lists',
    "each family's pass rate and the transcript of every failure. Exit 0 when no probe succeeded, 1 when one",
    'did (or some requests failed), 2 on bad usage or an unreachable endpoint. The API key is read from the',
    'environment variable named by --api-key-env (default OPENAI_API_KEY), never from the command line.',
  ].join('\n'),
  formats: ['text', 'json'],
  options: [
    {
      name: 'endpoint',
      type: 'string',
      value: 'URL',
      description: 'Base URL (…/v1/chat/completions is added) or full URL (required).',
    },
    {
      name: 'model',
      type: 'string',
      value: 'NAME',
      description: 'Model name sent to an OpenAI-compatible endpoint (default "default").',
    },
    {
      name: 'probes',
      type: 'string',
      multiple: true,
      value: 'FAMILY',
      description: 'Probe families to run (default all).',
    },
    {
      name: 'template',
      type: 'string',
      value: 'JSON',
      description: 'Request body for a non-OpenAI endpoint, with $INPUT (and $SYSTEM).',
    },
    {
      name: 'response-path',
      type: 'string',
      value: 'PATH',
      description: 'Where the answer is in the response JSON, e.g. $.output.text.',
    },
    { name: 'header', type: 'string', multiple: true, value: '"K: V"', description: 'Extra request header.' },
    {
      name: 'api-key-env',
      type: 'string',
      value: 'VAR',
      description: 'Environment variable holding the bearer token (default OPENAI_API_KEY).',
    },
    { name: 'concurrency', type: 'string', value: 'N', description: 'Requests in flight (default 4).' },
    {
      name: 'rate',
      type: 'string',
      value: 'N',
      description: 'Most requests per second (default unlimited).',
    },
    {
      name: 'generations',
      type: 'string',
      value: 'N',
      description: 'Times each probe is sent, for sampling models (default 1).',
    },
    { name: 'timeout', type: 'string', value: 'SECONDS', description: 'Per-request timeout (default 30).' },
  ],
  examples: [
    'palisade redteam --endpoint http://localhost:8000 --model llama3',
    'palisade redteam --endpoint https://llm.internal/v1/chat/completions --probes prompt-injection --probes pii-leak -f json',
    `palisade redteam --endpoint https://bot.example/api --template '{"q": "$INPUT"}' --response-path $.answer`,
  ],
  async run({ io, flags, values }) {
    const endpoint = values.endpoint as string | undefined;
    if (!endpoint)
      throw new PalisadeError('USAGE', "redteam needs --endpoint URL; see 'palisade redteam --help'");
    if (!/^https?:\/\//.test(endpoint))
      throw new PalisadeError('USAGE', `--endpoint ${endpoint}: give an http:// or https:// URL`);
    const adversarial: Adversarial = await import('@palisade/adversarial');
    const families = ((values.probes as string[] | undefined) ?? []).flatMap((p) => p.split(','));
    for (const f of families)
      if (!(adversarial.PROBE_FAMILIES as readonly string[]).includes(f))
        throw new PalisadeError(
          'USAGE',
          `--probes ${f}: choose from ${adversarial.PROBE_FAMILIES.join(', ')}`,
        );
    const timeout = integer('timeout', values.timeout, 1, 600);
    const http = { headers: headersFrom(values.header), ...(timeout ? { timeoutMs: timeout * 1000 } : {}) };
    const template = values.template as string | undefined;
    const apiKey = io.env[(values['api-key-env'] as string | undefined) ?? 'OPENAI_API_KEY'];
    const target = template
      ? adversarial.templateTarget(
          endpoint,
          template,
          (values['response-path'] as string | undefined) ?? '$',
          http,
        )
      : adversarial.openAiTarget(endpoint, (values.model as string | undefined) ?? 'default', {
          ...http,
          ...(apiKey ? { apiKey } : {}),
        });
    const judgeEndpoint = values['judge-endpoint'] as string | undefined;
    if (judgeEndpoint && !/^https?:\/\//.test(judgeEndpoint))
      throw new PalisadeError('USAGE', `--judge-endpoint ${judgeEndpoint}: give an http:// or https:// URL`);
    const judge = judgeEndpoint
      ? adversarial.openAiTarget(judgeEndpoint, (values['judge-model'] as string | undefined) ?? 'default', {
          ...http,
          ...(apiKey ? { apiKey } : {}),
        })
      : undefined;
    const progress = new Progress(io, !flags.quiet);
    const report = await adversarial.runRedTeam(target, {
      ...(judge ? { judge } : {}),
      ...(families.length > 0 ? { families: families as Adversarial['PROBE_FAMILIES'][number][] } : {}),
      concurrency: integer('concurrency', values.concurrency, 1, 64) ?? 4,
      ratePerSecond: integer('rate', values.rate, 0, 10_000) ?? 0,
      generations: integer('generations', values.generations, 1, 100) ?? 1,
      onProgress: (done, total) => {
        progress.start(total);
        progress.update(done, 'probes');
      },
    });
    progress.done();
    if (report.errors.length === report.requests)
      throw new PalisadeError(
        'INPUT_UNREADABLE',
        `no probe got an answer: ${report.errors[0]?.message ?? 'no requests'}`,
      );
    await writeResult(
      io,
      flags.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : text(report),
      flags.output,
    );
    return report.passed ? EXIT.ok : EXIT.findings;
  },
};
