/** Escapes text for HTML and SVG (element content and quoted attributes): names come from the user's data. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const WIDTH = 640;
const LABEL_WIDTH = 180;
const ROW = 22;
const PLOT = WIDTH - LABEL_WIDTH - 70;

function short(text: string, max = 28): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function number(v: number): string {
  if (!Number.isFinite(v)) return '—';
  return Math.abs(v) >= 100 || v === 0 ? String(Math.round(v * 100) / 100) : v.toPrecision(3);
}

export interface Bar {
  readonly label: string;
  readonly value: number;
  /** A confidence interval or ± spread drawn as a whisker. */
  readonly low?: number;
  readonly high?: number;
  readonly highlight?: boolean;
}

/**
 * Horizontal bars, one per row, signed values drawn left or right of zero, optional whiskers and a dashed
 * reference line (e.g. the 0.8 of the four-fifths rule). Pure SVG: no script, no external asset.
 */
export function barChart(
  title: string,
  bars: readonly Bar[],
  options: { reference?: number; referenceLabel?: string } = {},
): string {
  const finite = bars.flatMap((b) => [b.value, b.low ?? b.value, b.high ?? b.value]).filter(Number.isFinite);
  if (options.reference !== undefined) finite.push(options.reference);
  const min = Math.min(0, ...finite);
  const max = Math.max(0, ...finite, 1e-12);
  const x = (v: number) => LABEL_WIDTH + ((v - min) / (max - min)) * PLOT;
  const height = bars.length * ROW + 40;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${escapeHtml(title)}">`,
    `<text x="0" y="14" class="title">${escapeHtml(title)}</text>`,
    `<line x1="${x(0)}" y1="22" x2="${x(0)}" y2="${height - 14}" class="axis"/>`,
  ];
  bars.forEach((bar, i) => {
    const y = 26 + i * ROW;
    parts.push(
      `<text x="${LABEL_WIDTH - 6}" y="${y + 13}" text-anchor="end">${escapeHtml(short(bar.label))}</text>`,
    );
    if (Number.isFinite(bar.value)) {
      const x0 = Math.min(x(0), x(bar.value));
      const w = Math.max(1, Math.abs(x(bar.value) - x(0)));
      const cls = bar.highlight ? 'bar alert' : bar.value < 0 ? 'bar negative' : 'bar';
      parts.push(
        `<rect x="${x0.toFixed(1)}" y="${y + 3}" width="${w.toFixed(1)}" height="${ROW - 8}" class="${cls}"/>`,
      );
      parts.push(
        `<text x="${(Math.max(x(bar.value), x(0)) + 4).toFixed(1)}" y="${y + 13}" class="value">${number(bar.value)}</text>`,
      );
    }
    if (
      bar.low !== undefined &&
      bar.high !== undefined &&
      Number.isFinite(bar.low) &&
      Number.isFinite(bar.high)
    ) {
      const mid = y + ROW / 2 - 1;
      parts.push(
        `<line x1="${x(bar.low).toFixed(1)}" y1="${mid}" x2="${x(bar.high).toFixed(1)}" y2="${mid}" class="whisker"/>`,
      );
    }
  });
  if (options.reference !== undefined) {
    const rx = x(options.reference).toFixed(1);
    parts.push(`<line x1="${rx}" y1="22" x2="${rx}" y2="${height - 14}" class="reference"/>`);
    parts.push(
      `<text x="${rx}" y="${height - 2}" text-anchor="middle" class="value">${escapeHtml(options.referenceLabel ?? number(options.reference))}</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}

/** Reference and current shares side by side per bin or label: the drift histogram. */
export function distributionChart(
  title: string,
  labels: readonly string[],
  reference: readonly number[],
  current: readonly number[],
): string {
  const width = 320;
  const height = 150;
  const plotTop = 22;
  const plotHeight = 100;
  const n = Math.max(1, labels.length);
  const slot = (width - 20) / n;
  const max = Math.max(1e-12, ...reference, ...current);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(title)}">`,
    `<text x="0" y="14" class="title">${escapeHtml(short(title, 44))}</text>`,
  ];
  for (let i = 0; i < labels.length; i++) {
    const x = 10 + i * slot;
    const bar = (v: number, offset: number, cls: string) => {
      const h = (v / max) * plotHeight;
      return `<rect x="${(x + offset).toFixed(1)}" y="${(plotTop + plotHeight - h).toFixed(1)}" width="${Math.max(0.5, slot / 2 - 1).toFixed(1)}" height="${h.toFixed(1)}" class="${cls}"><title>${escapeHtml(labels[i] as string)}: ${number(v)}</title></rect>`;
    };
    parts.push(
      bar(reference[i] ?? 0, 0, 'bar reference-data'),
      bar(current[i] ?? 0, slot / 2, 'bar current-data'),
    );
  }
  parts.push(
    `<line x1="10" y1="${plotTop + plotHeight}" x2="${width - 10}" y2="${plotTop + plotHeight}" class="axis"/>`,
  );
  if (labels.length > 0) {
    parts.push(
      `<text x="10" y="${height - 12}" class="value">${escapeHtml(short(labels[0] as string, 16))}</text>`,
    );
    parts.push(
      `<text x="${width - 10}" y="${height - 12}" text-anchor="end" class="value">${escapeHtml(short(labels.at(-1) as string, 16))}</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}
