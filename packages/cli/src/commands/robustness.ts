import { PalisadeError } from '@palisade/core';
import type { Command, CommandContext } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { writeResult } from '../io.ts';
import { Progress } from '../progress.ts';

type Adversarial = typeof import('@palisade/adversarial');
type Report = Awaited<ReturnType<Adversarial['evaluateRobustness']>>;

const number = (flag: string, text: string, min: number, max: number): number => {
  const v = Number(text);
  if (!Number.isFinite(v) || v < min || v > max)
    throw new PalisadeError('USAGE', `--${flag} ${text}: give a number from ${min} to ${max}`);
  return v;
};

const list = (value: unknown): string[] =>
  (Array.isArray(value) ? value : value === undefined ? [] : [value]).flatMap((v) => String(v).split(','));

function optionsFrom(values: CommandContext['values'], attacks: readonly string[]) {
  const chosen = list(values.attack);
  for (const a of chosen)
    if (!attacks.includes(a))
      throw new PalisadeError('USAGE', `--attack ${a}: choose from ${attacks.join(', ')}`);
  const norm = (values.norm as string | undefined) ?? 'linf';
  if (norm !== 'linf' && norm !== 'l2') throw new PalisadeError('USAGE', `--norm ${norm}: use linf or l2`);
  const loss = (values.loss as string | undefined) ?? 'ce';
  if (loss !== 'ce' && loss !== 'margin')
    throw new PalisadeError('USAGE', `--loss ${loss}: use ce or margin`);
  const epsilons = list(values.epsilon).map((e) => number('epsilon', e, 0, 1e6));
  const [clipMin, clipMax] = ((values.clip as string | undefined) ?? '0,1').split(',').map(Number) as [
    number,
    number,
  ];
  if (!Number.isFinite(clipMin) || !Number.isFinite(clipMax) || clipMin >= clipMax)
    throw new PalisadeError('USAGE', '--clip MIN,MAX: the valid input range, e.g. 0,1 or 0,255');
  const o: Record<string, unknown> = { norm, loss, clipMin, clipMax };
  if (chosen.length > 0) o.attacks = chosen;
  if (epsilons.length > 0) o.epsilons = epsilons;
  if (values.steps !== undefined) o.pgdSteps = number('steps', values.steps as string, 1, 10_000);
  if (values.restarts !== undefined) o.restarts = number('restarts', values.restarts as string, 1, 100);
  if (values['random-start'] === true) o.randomStart = true;
  if (values.queries !== undefined) o.squareQueries = number('queries', values.queries as string, 1, 100_000);
  if (values.seed !== undefined) o.seed = number('seed', values.seed as string, 0, 2 ** 32 - 1);
  if (values['batch-size'] !== undefined)
    o.batchSize = number('batch-size', values['batch-size'] as string, 1, 65_536);
  return o;
}

/** Typed arrays (example inputs) as plain, rounded arrays in JSON. */
const jsonArrays = (_key: string, value: unknown) =>
  value instanceof Float32Array ? Array.from(value, (v) => Math.round(v * 1e4) / 1e4) : value;

/** The evaluation as facts for `palisade gate --evaluation` (facts schema: evaluations.robustness). */
function robustnessFacts(report: Report, floor: number | undefined) {
  const worst = Math.min(...report.worstCase.map((w) => w.robustAccuracy));
  const metrics: Record<string, number> = { cleanAccuracy: report.cleanAccuracy };
  if (Number.isFinite(worst)) metrics.worstRobustAccuracy = worst;
  for (const w of report.worstCase)
    metrics[`robustAccuracy_eps_${String(w.epsilon).replace('.', '_')}`] = w.robustAccuracy;
  const failed = floor !== undefined && (!Number.isFinite(worst) || worst < floor);
  return { status: failed ? ('failed' as const) : ('passed' as const), metrics };
}

const pct = (v: number) => `${(v * 100).toFixed(2)} %`;

function text(report: Report, model: string, data: string): string {
  const lines = [
    `Robustness of ${model} on ${data} (${report.samples} rows, ${report.classes} classes)`,
    `clean accuracy        ${pct(report.cleanAccuracy)}`,
    `white-box gradients   ${report.whiteBox.available ? 'available (ONNX backward graph)' : `unavailable: ${report.whiteBox.reason}`}`,
    '',
    'attack  threat      norm  ε         robust acc.  success   queries     time',
    ...report.results.map(
      (r) =>
        `${r.attack.padEnd(7)} ${r.threatModel.padEnd(11)} ${r.norm.padEnd(5)} ${String(r.epsilon).padEnd(9)} ${pct(r.robustAccuracy).padStart(11)}  ${pct(r.attackSuccessRate).padStart(8)}  ${String(r.queries).padStart(10)}  ${r.seconds.toFixed(2)} s`,
    ),
  ];
  for (const n of report.notRun) lines.push(`not run: ${n.attack}: ${n.reason}`);
  lines.push('', 'worst case per ε (the figure to gate on):');
  for (const w of report.worstCase) lines.push(`  ε ${w.epsilon}: ${pct(w.robustAccuracy)} (${w.attack})`);
  return `${lines.join('\n')}\n`;
}

export const robustnessCommand: Command = {
  name: 'robustness',
  summary: 'Attack an ONNX classifier (FGSM, PGD, Square) and report robust accuracy per ε',
  usage:
    'palisade robustness --model MODEL.onnx --data FILE [--attack fgsm|pgd|square…] [--epsilon E…] [options]',
  description: [
    'Evaluates how far a classifier can be fooled by small input changes, as RobustBench reports it: clean',
    'accuracy, then robust accuracy, attack success rate and queries per attack and ε. White-box FGSM and PGD',
    "run on the model's exact input gradient, computed by ONNX Runtime from a backward graph Palisade adds to",
    'the model (ops: Gemm, MatMul, Conv, MaxPool, Relu, Sigmoid, Tanh, Add, Sub, Mul, Div, reshapes); when an op',
    'has no backward rule the report says which one and only black-box attacks run (Square Attack; HopSkipJump,',
    'label-only, with --attack hsj --norm l2). Data: .npz with arrays x and y, or CSV with numeric feature',
    'columns and a label column. Defaults follow the PyTorch',
    'reference protocol: L∞, ε 0.05/0.1/0.2, PGD-20 with step ε/4, cross-entropy, inputs clipped to [0,1];',
    'Square Attack with 1,000 queries. --format html writes a self-contained report (accuracy-vs-ε curve,',
    'fooled examples); the JSON carries `facts` for `palisade gate`. Exit 0 when the evaluation ran, 1 when',
    '--min-robust-accuracy is not met. The model runs in ONNX Runtime: scan it with `palisade scan` first.',
  ].join('\n'),
  formats: ['text', 'json', 'html'],
  options: [
    {
      name: 'model',
      type: 'string',
      value: 'MODEL.onnx',
      description: 'The ONNX classifier to attack (required).',
    },
    {
      name: 'data',
      type: 'string',
      value: 'FILE',
      description: 'Labelled data: .npz (x, y) or .csv (required).',
    },
    {
      name: 'label',
      type: 'string',
      value: 'COLUMN',
      description: 'The label column of a CSV (default "label").',
    },
    {
      name: 'attack',
      type: 'string',
      multiple: true,
      value: 'NAME',
      description: 'fgsm, pgd, square (the default three), hsj (HopSkipJump, label-only; with --norm l2).',
    },
    {
      name: 'epsilon',
      type: 'string',
      multiple: true,
      value: 'E',
      description: 'Perturbation budgets (default 0.05 0.1 0.2).',
    },
    {
      name: 'norm',
      type: 'string',
      value: 'linf|l2',
      description: 'Norm of the white-box attacks (default linf).',
    },
    {
      name: 'loss',
      type: 'string',
      value: 'ce|margin',
      description: 'White-box loss (default ce; margin does not saturate).',
    },
    { name: 'steps', type: 'string', value: 'N', description: 'PGD iterations (default 20).' },
    {
      name: 'restarts',
      type: 'string',
      value: 'N',
      description: 'PGD restarts; the worst per row counts (default 1).',
    },
    { name: 'random-start', type: 'boolean', description: 'Start PGD from a random point of the ε-ball.' },
    {
      name: 'queries',
      type: 'string',
      value: 'N',
      description: 'Square Attack queries per row (default 1000).',
    },
    { name: 'clip', type: 'string', value: 'MIN,MAX', description: 'Valid input range (default 0,1).' },
    {
      name: 'input-shape',
      type: 'string',
      value: 'D1,D2,…',
      description: 'Row shape when the model does not declare it.',
    },
    {
      name: 'batch-size',
      type: 'string',
      value: 'N',
      description: 'Rows per ONNX Runtime call (default 256).',
    },
    {
      name: 'min-robust-accuracy',
      type: 'string',
      value: 'A',
      description: 'Fail (exit 1) when the worst robust accuracy at any ε is below A (0–1).',
    },
    {
      name: 'seed',
      type: 'string',
      value: 'N',
      description: 'Seed of the random choices, for repeatable runs (default 0).',
    },
  ],
  examples: [
    'palisade robustness --model digits.onnx --data test.npz',
    'palisade robustness --model model.onnx --data test.csv --label y --attack pgd --epsilon 0.03 --format json',
    'palisade robustness --model cifar.onnx --data cifar.npz --epsilon 0.0314 --restarts 5 --random-start --loss margin',
  ],
  async run({ io, flags, values }) {
    const modelPath = values.model as string | undefined;
    const dataPath = values.data as string | undefined;
    if (!modelPath || !dataPath)
      throw new PalisadeError(
        'USAGE',
        "robustness needs --model MODEL.onnx and --data FILE; see 'palisade robustness --help'",
      );
    const adversarial: Adversarial = await import('@palisade/adversarial');
    const options = optionsFrom(values, adversarial.ATTACKS);
    const data = await adversarial.loadDataset(dataPath, { label: values.label as string | undefined });
    const shape = values['input-shape'] as string | undefined;
    const rowShape = shape ? shape.split(',').map((d) => number('input-shape', d, 1, 1e9)) : undefined;
    const model = await adversarial.OnnxClassifier.fromFile(modelPath, {
      ...(rowShape ? { rowShape } : {}),
      defaultRowShape: data.rowShape,
    });
    const progress = new Progress(io, !flags.quiet);
    const report = await adversarial.evaluateRobustness(model, data, {
      ...options,
      onProgress: (done, total, what) => {
        progress.start(total);
        progress.update(done, what);
      },
    });
    progress.done();
    const minimum = values['min-robust-accuracy'];
    const floor = minimum === undefined ? undefined : number('min-robust-accuracy', minimum as string, 0, 1);
    const facts = robustnessFacts(report, floor);
    const out =
      flags.format === 'json'
        ? `${JSON.stringify({ model: modelPath, data: dataPath, ...report, facts: { robustness: facts } }, jsonArrays, 2)}\n`
        : flags.format === 'html'
          ? adversarial.robustnessHtml(report, {
              model: modelPath,
              data: dataPath,
              rowShape: model.rowShape,
              clip: [options.clipMin as number, options.clipMax as number],
            })
          : text(report, modelPath, dataPath);
    await writeResult(io, out, flags.output);
    return facts.status === 'failed' ? EXIT.findings : EXIT.ok;
  },
};
