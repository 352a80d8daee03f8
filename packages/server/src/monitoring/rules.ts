import type { DetectorOutput } from './detectors.ts';

/** An alert rule over detector outputs: fires when the detector fires `forWindows` windows in a row. */
export interface AlertRule {
  readonly name: string;
  readonly detector: DetectorOutput['detector'];
  readonly severity: 'low' | 'medium' | 'high' | 'critical';
  readonly forWindows: number;
  /** Open an incident when it fires (kind `attack` for extraction, `decay` otherwise). */
  readonly incident: boolean;
}

export const DEFAULT_RULES: readonly AlertRule[] = [
  { name: 'feature-drift', detector: 'drift', severity: 'high', forWindows: 1, incident: false },
  { name: 'model-extraction', detector: 'extraction', severity: 'critical', forWindows: 1, incident: true },
  {
    name: 'prompt-injection',
    detector: 'prompt-injection',
    severity: 'high',
    forWindows: 1,
    incident: false,
  },
  { name: 'performance-decay', detector: 'performance', severity: 'high', forWindows: 1, incident: false },
  { name: 'traffic-anomaly', detector: 'traffic', severity: 'medium', forWindows: 2, incident: false },
];

export interface RuleTransition {
  readonly rule: AlertRule;
  readonly subject: string;
  readonly output: DetectorOutput;
}

/**
 * For-duration bookkeeping: how many windows in a row each (rule, subject) has fired. Only subjects currently
 * firing are kept, so the state is bounded by what one window can flag.
 */
export class RuleEvaluator {
  readonly #rules: readonly AlertRule[];
  readonly #streaks = new Map<string, number>();

  constructor(rules: readonly AlertRule[] = DEFAULT_RULES) {
    this.#rules = rules;
  }

  /** What the outputs of one window start (`fire`: the for-duration is reached) and end (`clear`). */
  evaluate(outputs: readonly DetectorOutput[]): { fire: RuleTransition[]; clear: RuleTransition[] } {
    const fire: RuleTransition[] = [];
    const clear: RuleTransition[] = [];
    for (const rule of this.#rules) {
      const output = outputs.find((o) => o.detector === rule.detector);
      if (output === undefined) continue;
      const firing = new Set(output.fired ? output.subjects : []);
      for (const key of [...this.#streaks.keys()]) {
        const [name, subject] = JSON.parse(key) as [string, string];
        if (name === rule.name && !firing.has(subject)) {
          this.#streaks.delete(key);
          clear.push({ rule, subject, output });
        }
      }
      for (const subject of firing) {
        const key = JSON.stringify([rule.name, subject]);
        const streak = (this.#streaks.get(key) ?? 0) + 1;
        this.#streaks.set(key, streak);
        if (streak >= rule.forWindows) fire.push({ rule, subject, output });
      }
    }
    return { fire, clear };
  }
}
