import type { AdversarialExample, AttackResult, RobustnessReport } from './evaluate.ts';

/**
 * A self-contained HTML robustness report: no scripts, no external assets (a Content-Security-Policy forbids
 * them), so it opens offline and can be attached to an audit. The accuracy-vs-ε curve and the example inputs
 * are inline SVG.
 */

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
const COLORS: Record<string, string> = { fgsm: '#1f77b4', pgd: '#d62728', square: '#2ca02c', hsj: '#9467bd' };

function curve(report: RobustnessReport): string {
  const width = 560;
  const height = 300;
  const left = 50;
  const bottom = 40;
  const epsilons = [0, ...new Set(report.results.map((r) => r.epsilon))].sort((a, b) => a - b);
  const maxEps = epsilons.at(-1) || 1;
  const x = (e: number) => left + (e / maxEps) * (width - left - 20);
  const y = (a: number) => height - bottom - a * (height - bottom - 20);
  const parts: string[] = [
    `<line x1="${left}" y1="${y(0)}" x2="${width - 10}" y2="${y(0)}" stroke="#444"/>`,
    `<line x1="${left}" y1="${y(0)}" x2="${left}" y2="10" stroke="#444"/>`,
  ];
  for (const a of [0, 0.25, 0.5, 0.75, 1])
    parts.push(
      `<line x1="${left - 4}" y1="${y(a)}" x2="${width - 10}" y2="${y(a)}" stroke="#ddd"/><text x="${left - 8}" y="${y(a) + 4}" text-anchor="end">${a * 100}%</text>`,
    );
  for (const e of epsilons)
    parts.push(`<text x="${x(e)}" y="${height - bottom + 16}" text-anchor="middle">${e}</text>`);
  parts.push(`<text x="${(width + left) / 2}" y="${height - 6}" text-anchor="middle">ε</text>`);
  const attacks = [...new Set(report.results.map((r) => r.attack))];
  attacks.forEach((attack, k) => {
    const points = [
      [0, report.cleanAccuracy] as const,
      ...report.results.filter((r) => r.attack === attack).map((r) => [r.epsilon, r.robustAccuracy] as const),
    ];
    const color = COLORS[attack] ?? '#333';
    parts.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.map(([e, a]) => `${x(e).toFixed(1)},${y(a).toFixed(1)}`).join(' ')}"/>`,
      ...points.map(
        ([e, a]) => `<circle cx="${x(e).toFixed(1)}" cy="${y(a).toFixed(1)}" r="3" fill="${color}"/>`,
      ),
      `<text x="${width - 120}" y="${24 + k * 16}" fill="${color}">■ ${escapeHtml(attack)}</text>`,
    );
  });
  return `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="robust accuracy against epsilon">${parts.join('')}</svg>`;
}

/** An image row as a grid of grey (1 channel) or colour (3 channels) cells. */
function image(values: Float32Array, shape: readonly number[], lo: number, hi: number): string {
  const [c, h, w] = shape.length === 3 ? shape : [1, shape[0] ?? 1, shape[1] ?? values.length];
  const cell = Math.max(2, Math.floor(96 / Math.max(h as number, w as number)));
  const level = (v: number) => Math.round(Math.min(1, Math.max(0, (v - lo) / (hi - lo || 1))) * 255);
  const rects: string[] = [];
  for (let i = 0; i < (h as number); i++)
    for (let j = 0; j < (w as number); j++) {
      const at = (k: number) => values[k * (h as number) * (w as number) + i * (w as number) + j] as number;
      const rgb = c === 3 ? [at(0), at(1), at(2)].map(level) : [level(at(0)), level(at(0)), level(at(0))];
      rects.push(
        `<rect x="${j * cell}" y="${i * cell}" width="${cell}" height="${cell}" fill="rgb(${rgb.join(',')})"/>`,
      );
    }
  return `<svg width="${(w as number) * cell}" height="${(h as number) * cell}">${rects.join('')}</svg>`;
}

function example(e: AdversarialExample, shape: readonly number[], clip: [number, number]): string {
  const delta = e.adversarial.map((v, i) => v - (e.original[i] as number));
  const isImage = shape.length === 3 || (shape.length === 2 && (shape[0] as number) > 1);
  if (isImage) {
    const span = Math.max(...delta.map(Math.abs), 1e-12);
    return `<figure>${image(e.original, shape, clip[0], clip[1])}${image(e.adversarial, shape, clip[0], clip[1])}${image(
      delta.map(Math.abs),
      shape,
      0,
      span,
    )}<figcaption>row ${e.row}: label ${e.label} → predicted ${e.predicted} (original, adversarial, |perturbation|)</figcaption></figure>`;
  }
  const top = [...delta.keys()]
    .sort((a, b) => Math.abs(delta[b] as number) - Math.abs(delta[a] as number))
    .slice(0, 5);
  return `<p>row ${e.row}: label ${e.label} → predicted ${e.predicted}; largest changes: ${top
    .map(
      (i) =>
        `feature ${i} ${(e.original[i] as number).toFixed(3)} → ${(e.adversarial[i] as number).toFixed(3)}`,
    )
    .join(', ')}</p>`;
}

function row(r: AttackResult): string {
  return `<tr><td>${escapeHtml(r.attack)}</td><td>${r.threatModel}</td><td>${r.norm}</td><td>${r.epsilon}</td><td>${pct(r.robustAccuracy)}</td><td>${pct(r.attackSuccessRate)}</td><td>${r.queries.toLocaleString('en')}</td><td>${r.seconds.toFixed(2)} s</td></tr>`;
}

export function robustnessHtml(
  report: RobustnessReport,
  meta: { model: string; data: string; rowShape: readonly number[]; clip: [number, number] },
): string {
  const shown = report.worstCase.flatMap((w) => {
    const result = report.results.find((r) => r.epsilon === w.epsilon && r.attack === w.attack);
    return result?.examples.length ? [{ result, e: result.examples[0] as AdversarialExample }] : [];
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Robustness of ${escapeHtml(meta.model)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:980px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f4f4f4}svg text{font:11px sans-serif}figure{display:inline-block;margin:0 1em 1em 0}figure svg{margin-right:4px;border:1px solid #ccc}.warn{color:#a00}</style>
</head><body>
<h1>Robustness report</h1>
<p>Model <code>${escapeHtml(meta.model)}</code>, data <code>${escapeHtml(meta.data)}</code>: ${report.samples} rows, ${report.classes} classes. Clean accuracy <b>${pct(report.cleanAccuracy)}</b>.
White-box gradients: ${report.whiteBox.available ? 'available (ONNX backward graph)' : `<span class="warn">unavailable — ${escapeHtml(report.whiteBox.reason ?? '')}</span>`}.</p>
${report.notRun.map((n) => `<p class="warn">Not run: ${escapeHtml(n.attack)} — ${escapeHtml(n.reason)}</p>`).join('\n')}
<h2>Robust accuracy against ε</h2>
${curve(report)}
<table><tr><th>attack</th><th>threat model</th><th>norm</th><th>ε</th><th>robust accuracy</th><th>success rate</th><th>queries</th><th>time</th></tr>
${report.results.map(row).join('\n')}</table>
<h2>Worst case per ε</h2>
<ul>${report.worstCase.map((w) => `<li>ε ${w.epsilon}: ${pct(w.robustAccuracy)} (${escapeHtml(w.attack)})</li>`).join('')}</ul>
<h2>Examples</h2>
${shown.length === 0 ? '<p>No fooled rows were kept.</p>' : shown.map(({ result, e }) => `<h3>${escapeHtml(result.attack)}, ε ${result.epsilon}</h3>${example(e, meta.rowShape, meta.clip)}`).join('\n')}
</body></html>
`;
}
