import { readFileSync } from 'node:fs';
import { type GuardModel, score } from './classifier.ts';
import { clip } from './features.ts';
import { signalsIn, strongSignalIn } from './signals.ts';

/**
 * The run-time guard for LLM inputs: a text is flagged when a strong hand-written signal fires or when the
 * shipped classifier's probability reaches the threshold; the signals that fired explain the verdict.
 * Offline, bounded work.
 */

export interface PromptVerdict {
  readonly score: number;
  readonly injection: boolean;
  readonly signals: readonly string[];
}

let shipped: GuardModel | undefined;
export function shippedGuardModel(): GuardModel {
  shipped ??= JSON.parse(
    // import.meta.url (not dirname): the CLI bundle rewrites it to this source file's location.
    readFileSync(new URL('../../models/prompt-guard.json', import.meta.url), 'utf8'),
  ) as GuardModel;
  return shipped;
}

export function scanPrompt(
  text: string,
  options: { threshold?: number; model?: GuardModel } = {},
): PromptVerdict {
  const s = score(options.model ?? shippedGuardModel(), text);
  const signals = signalsIn(clip(text));
  return { score: s, injection: s >= (options.threshold ?? 0.5) || strongSignalIn(signals), signals };
}
