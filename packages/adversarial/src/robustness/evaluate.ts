import { PalisadeError } from '@palisade/core';
import { gradientAttack, type Norm } from '../attacks/gradient-attacks.ts';
import { DEFAULT_HSJ, hopSkipJump } from '../attacks/hop-skip-jump.ts';
import { argmaxRows, type LossName } from '../attacks/loss.ts';
import { squareAttack } from '../attacks/square.ts';
import type { OnnxClassifier } from '../model/onnx-classifier.ts';
import { SeededRandom } from '../random.ts';

/**
 * A robustness evaluation in the RobustBench manner: clean accuracy, then for every attack and ε the robust
 * accuracy (rows still classified correctly under attack), the attack success rate on the rows that were
 * correct, and the queries spent. White-box attacks that cannot run (an op without a backward rule) are
 * listed with the reason instead of being silently dropped, so robustness is never overstated.
 */

export const ATTACKS = ['fgsm', 'pgd', 'square', 'hsj'] as const;
export type AttackName = (typeof ATTACKS)[number];
const WHITE_BOX: readonly AttackName[] = ['fgsm', 'pgd'];

export interface Dataset {
  /** rows × rowSize, row-major. */
  readonly x: Float32Array;
  readonly y: Int32Array;
}

export interface RobustnessOptions {
  readonly attacks: readonly AttackName[];
  readonly epsilons: readonly number[];
  readonly norm: Norm;
  readonly loss: LossName;
  readonly pgdSteps: number;
  /** PGD step size as a fraction of ε (the reference protocol uses ε/4). */
  readonly pgdStepRatio: number;
  readonly restarts: number;
  readonly randomStart: boolean;
  readonly squareQueries: number;
  readonly squarePInit: number;
  /** HopSkipJump iterations (its budgets are L2 distances). */
  readonly hsjIterations: number;
  readonly clipMin: number;
  readonly clipMax: number;
  readonly batchSize: number;
  readonly seed: number;
  /** Fooled rows kept per result for the report. */
  readonly examples: number;
  readonly onProgress?: (done: number, total: number, what: string) => void;
}

export const DEFAULT_ROBUSTNESS_OPTIONS: RobustnessOptions = {
  attacks: ['fgsm', 'pgd', 'square'],
  epsilons: [0.05, 0.1, 0.2],
  norm: 'linf',
  loss: 'ce',
  pgdSteps: 20,
  pgdStepRatio: 0.25,
  restarts: 1,
  randomStart: false,
  squareQueries: 1000,
  squarePInit: 0.3,
  hsjIterations: 20,
  clipMin: 0,
  clipMax: 1,
  batchSize: 256,
  seed: 0,
  examples: 3,
};

/** A row the attack turned from right to wrong: what a person should look at. */
export interface AdversarialExample {
  readonly row: number;
  readonly label: number;
  readonly predicted: number;
  readonly original: Float32Array;
  readonly adversarial: Float32Array;
}

export interface AttackResult {
  readonly attack: AttackName;
  readonly threatModel: 'white-box' | 'black-box' | 'decision-based';
  readonly norm: Norm;
  readonly epsilon: number;
  readonly robustAccuracy: number;
  readonly attackSuccessRate: number;
  readonly queries: number;
  readonly seconds: number;
  readonly parameters: Readonly<Record<string, number | string | boolean>>;
  /** Up to `examples` fooled rows (none for HopSkipJump, which keeps distances only). */
  readonly examples: readonly AdversarialExample[];
}

export interface RobustnessReport {
  readonly samples: number;
  readonly classes: number;
  readonly cleanAccuracy: number;
  readonly results: readonly AttackResult[];
  readonly notRun: readonly { attack: AttackName; reason: string }[];
  readonly whiteBox: { readonly available: boolean; readonly reason?: string };
  /** The lowest robust accuracy per ε over the attacks that ran: the figure a gate should read. */
  readonly worstCase: readonly { epsilon: number; robustAccuracy: number; attack: AttackName }[];
}

function checkData(model: OnnxClassifier, data: Dataset): number {
  const rows = data.y.length;
  if (rows === 0) throw new PalisadeError('INPUT_INVALID', 'the data set has no rows');
  if (data.x.length !== rows * model.rowSize)
    throw new PalisadeError(
      'INPUT_INVALID',
      `the data has ${data.x.length} values for ${rows} labels; the model expects ${model.rowSize} per row (shape ${model.rowShape.join('×')})`,
    );
  for (const label of data.y)
    if (label < 0 || label >= model.classes)
      throw new PalisadeError(
        'INPUT_INVALID',
        `label ${label} is outside the model's ${model.classes} classes`,
      );
  return rows;
}

export async function evaluateRobustness(
  model: OnnxClassifier,
  data: Dataset,
  options: Partial<RobustnessOptions> = {},
): Promise<RobustnessReport> {
  const o = { ...DEFAULT_ROBUSTNESS_OPTIONS, ...options };
  const rows = checkData(model, data);
  const size = model.rowSize;
  const batches: [number, number][] = [];
  for (let from = 0; from < rows; from += o.batchSize)
    batches.push([from, Math.min(rows, from + o.batchSize)]);
  const slice = (from: number, to: number) => ({
    x: data.x.subarray(from * size, to * size),
    y: data.y.subarray(from, to),
  });

  const clean = new Int32Array(rows);
  for (const [from, to] of batches) {
    const part = slice(from, to);
    clean.set(
      argmaxRows(await model.logits({ data: part.x, count: to - from }), to - from, model.classes),
      from,
    );
  }
  const correct = clean.map((p, i) => (p === data.y[i] ? 1 : 0));
  const correctCount = correct.reduce((a, b) => a + b, 0);

  const results: AttackResult[] = [];
  const notRun: { attack: AttackName; reason: string }[] = [];
  const runnable = o.attacks.filter((attack) => {
    if (WHITE_BOX.includes(attack) && !model.hasGradients) {
      notRun.push({ attack, reason: `white-box gradients unavailable: ${model.gradientUnsupported}` });
      return false;
    }
    if (attack === 'hsj' && o.norm !== 'l2') {
      notRun.push({
        attack,
        reason: 'HopSkipJump measures L2 distances: run it with --norm l2 and L2 budgets',
      });
      return false;
    }
    return true;
  });
  // HopSkipJump finds each row's smallest adversarial distance once; every ε is then read off it.
  let hsjDistances: Float64Array | undefined;
  let hsjQueries = 0;
  let hsjSeconds = 0;
  const total = runnable.length * o.epsilons.length * batches.length;
  let done = 0;
  for (const attack of runnable)
    for (const epsilon of o.epsilons) {
      const rng = new SeededRandom(o.seed);
      const started = performance.now();
      const before = model.queries;
      let robust = 0;
      let fooled = 0;
      const examples: Omit<AdversarialExample, 'predicted'>[] = [];
      for (const [from, to] of batches) {
        const part = slice(from, to);
        let final: Float64Array;
        if (attack === 'hsj') {
          if (!hsjDistances) {
            const started = performance.now();
            const before = model.queries;
            hsjDistances = await hsjAll(model, batches, slice, o, rng);
            hsjQueries = model.queries - before;
            hsjSeconds = (performance.now() - started) / 1000;
          }
          // A margin-like value: positive when no adversarial within ε was found.
          final = hsjDistances.subarray(from, to).map((distance) => distance - epsilon);
        } else {
          const outcome = await attackBatch(model, attack, epsilon, part, o, rng);
          final = outcome.margins;
          for (let r = 0; r < to - from && examples.length < o.examples; r++)
            if (correct[from + r] && (final[r] as number) <= 0)
              examples.push({
                row: from + r,
                label: part.y[r] as number,
                original: part.x.slice(r * size, (r + 1) * size),
                adversarial: outcome.adversarial.slice(r * size, (r + 1) * size),
              });
        }
        for (let r = 0; r < to - from; r++) {
          const holds = (final[r] as number) > 0;
          if (holds) robust++;
          else if (correct[from + r]) fooled++;
        }
        o.onProgress?.(++done, total, `${attack} ε=${epsilon}`);
      }
      const hsj = attack === 'hsj';
      results.push({
        attack,
        threatModel: hsj ? 'decision-based' : attack === 'square' ? 'black-box' : 'white-box',
        norm: attack === 'square' ? 'linf' : o.norm,
        epsilon,
        robustAccuracy: robust / rows,
        attackSuccessRate: correctCount === 0 ? 0 : fooled / correctCount,
        // HopSkipJump's one search serves every ε: its cost is reported on each.
        queries: hsj ? hsjQueries : model.queries - before,
        seconds: hsj ? hsjSeconds : (performance.now() - started) / 1000,
        parameters: parametersOf(attack, epsilon, o),
        examples: await withPredictions(model, examples),
      });
    }
  const worstCase = o.epsilons.flatMap((epsilon) => {
    const atEps = results.filter((r) => r.epsilon === epsilon);
    if (atEps.length === 0) return [];
    const worst = atEps.reduce((a, b) => (b.robustAccuracy < a.robustAccuracy ? b : a));
    return [{ epsilon, robustAccuracy: worst.robustAccuracy, attack: worst.attack }];
  });
  return {
    samples: rows,
    classes: model.classes,
    cleanAccuracy: correctCount / rows,
    results,
    notRun,
    whiteBox: model.hasGradients
      ? { available: true }
      : { available: false, reason: model.gradientUnsupported ?? '' },
    worstCase,
  };
}

/** The adversarial rows of one batch and their final margins. */
async function attackBatch(
  model: OnnxClassifier,
  attack: 'fgsm' | 'pgd' | 'square',
  epsilon: number,
  part: Dataset,
  o: RobustnessOptions,
  rng: SeededRandom,
): Promise<{ margins: Float64Array; adversarial: Float32Array }> {
  if (attack === 'square')
    return squareAttack(
      model,
      part.x,
      part.y,
      { epsilon, maxQueries: o.squareQueries, pInit: o.squarePInit, clipMin: o.clipMin, clipMax: o.clipMax },
      rng,
    );
  const pgd = attack === 'pgd';
  return gradientAttack(
    model,
    part.x,
    part.y,
    {
      epsilon,
      norm: o.norm,
      steps: pgd ? o.pgdSteps : 1,
      stepSize: pgd ? epsilon * o.pgdStepRatio : epsilon,
      restarts: pgd ? o.restarts : 1,
      randomStart: pgd && o.randomStart,
      loss: o.loss,
      clipMin: o.clipMin,
      clipMax: o.clipMax,
    },
    rng,
  );
}

async function hsjAll(
  model: OnnxClassifier,
  batches: readonly [number, number][],
  slice: (from: number, to: number) => Dataset,
  o: RobustnessOptions,
  rng: SeededRandom,
): Promise<Float64Array> {
  const out = new Float64Array(batches.at(-1)?.[1] ?? 0);
  for (const [from, to] of batches) {
    const b = slice(from, to);
    const options = { ...DEFAULT_HSJ, iterations: o.hsjIterations, clipMin: o.clipMin, clipMax: o.clipMax };
    out.set(await hopSkipJump(model, b.x, b.y, options, rng), from);
  }
  return out;
}

async function withPredictions(
  model: OnnxClassifier,
  examples: Omit<AdversarialExample, 'predicted'>[],
): Promise<AdversarialExample[]> {
  if (examples.length === 0) return [];
  const batch = new Float32Array(examples.length * model.rowSize);
  examples.forEach((e, i) => {
    batch.set(e.adversarial, i * model.rowSize);
  });
  const predicted = argmaxRows(
    await model.logits({ data: batch, count: examples.length }),
    examples.length,
    model.classes,
  );
  return examples.map((e, i) => ({ ...e, predicted: predicted[i] as number }));
}

function parametersOf(
  attack: AttackName,
  epsilon: number,
  o: RobustnessOptions,
): Record<string, number | string | boolean> {
  if (attack === 'square')
    return { maxQueries: o.squareQueries, pInit: o.squarePInit, loss: 'margin', seed: o.seed };
  if (attack === 'hsj')
    return {
      iterations: o.hsjIterations,
      initialEvaluations: DEFAULT_HSJ.initialEvaluations,
      maxEvaluations: DEFAULT_HSJ.maxEvaluations,
      seed: o.seed,
    };
  if (attack === 'fgsm') return { stepSize: epsilon, loss: o.loss };
  return {
    steps: o.pgdSteps,
    stepSize: epsilon * o.pgdStepRatio,
    restarts: o.restarts,
    randomStart: o.randomStart,
    loss: o.loss,
    seed: o.seed,
  };
}
