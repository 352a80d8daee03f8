import { PalisadeError } from '@palisade/core';
import { parse } from 'yaml';
import { isRecord } from '../read-bounded.ts';

/** Largest YAML front matter parsed; real cards with long model-index blocks stay well under it. */
export const MAX_FRONT_MATTER_BYTES = 256 * 1024;

export interface SplitCard {
  readonly frontMatter: Record<string, unknown>;
  readonly body: string;
}

/**
 * Splits a Hugging Face README into its YAML front matter (between `---` lines at the very top, as the Hub
 * reads it) and the Markdown body. YAML is parsed with the core schema (no custom tags), a bounded alias
 * count (no billion-laughs) and a size cap.
 */
export function splitCard(text: string): SplitCard {
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const open = /^---[ \t]*\r?\n/.exec(source);
  if (!open) return { frontMatter: {}, body: source };
  const rest = source.slice(open[0].length);
  const close = /^---[ \t]*(\r?\n|$)/m.exec(rest);
  if (!close) return { frontMatter: {}, body: source };
  const yamlText = rest.slice(0, close.index);
  if (yamlText.length > MAX_FRONT_MATTER_BYTES) {
    throw new PalisadeError(
      'LIMIT_EXCEEDED',
      `README.md front matter is ${yamlText.length} bytes; at most ${MAX_FRONT_MATTER_BYTES} are read.`,
    );
  }
  let value: unknown;
  try {
    value = parse(yamlText, {
      schema: 'core',
      maxAliasCount: 100,
      uniqueKeys: false,
      prettyErrors: false,
      logLevel: 'error',
    });
  } catch (error) {
    throw new PalisadeError(
      'INPUT_INVALID',
      `README.md front matter is not valid YAML (${(error as Error).message.split('\n')[0]}); fix it so the Hub can read it too.`,
      { cause: error },
    );
  }
  return {
    frontMatter: isRecord(value) ? value : {},
    body: rest.slice(close.index + close[0].length),
  };
}
