/**
 * Markdown sections of a model card body, keyed by their lower-cased heading text. Only the text is kept:
 * code blocks, HTML comments and the HF template's "[More Information Needed]" placeholders are dropped, so
 * that an untouched template does not count as a declared field.
 */

const MAX_SECTIONS = 500;
const MAX_ITEMS = 20;
const MAX_ITEM_CHARS = 2000;
const PLACEHOLDER = /^\[?more information needed\]?\.?$/i;

export interface Section {
  readonly heading: string;
  readonly level: number;
  readonly text: string;
}

export function cardSections(body: string): Section[] {
  const cleaned = body.replace(/<!--[\s\S]*?-->/g, '').replace(/^(```|~~~)[\s\S]*?^\1/gm, '');
  const sections: Section[] = [];
  let current: { heading: string; level: number; lines: string[] } = { heading: '', level: 0, lines: [] };
  const flush = (): void => {
    if (sections.length < MAX_SECTIONS)
      sections.push({
        heading: current.heading,
        level: current.level,
        text: current.lines.join('\n').trim(),
      });
  };
  for (const line of cleaned.split(/\r?\n/)) {
    const heading = /^(#{1,6})\s+(.+?)\s*#*\s*$/.exec(line);
    if (heading?.[1] && heading[2]) {
      flush();
      current = { heading: heading[2].trim(), level: heading[1].length, lines: [] };
    } else current.lines.push(line);
  }
  flush();
  return sections;
}

/** Paragraphs and list items of a section's text, without Markdown markup and placeholders. */
export function textItems(text: string): string[] {
  const items: string[] = [];
  for (const block of text.split(/\n\s*\n|\n(?=\s*[-*+]\s|\s*\d+\.\s)/)) {
    const plain = block
      .replace(/^\s*([-*+]|\d+\.)\s+/gm, '')
      .replace(/!\[[^\]]*\]\([^)]*\)/g, '')
      .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
      .replace(/[*_`]{1,3}([^*_`]+)[*_`]{1,3}/g, '$1')
      .replace(/<[^>]+>/g, '')
      .replace(/\s+/g, ' ')
      .trim();
    if (plain === '' || PLACEHOLDER.test(plain) || /^\|/.test(plain)) continue;
    items.push(plain.slice(0, MAX_ITEM_CHARS));
    if (items.length >= MAX_ITEMS) break;
  }
  return items;
}

/** The items of every section whose heading matches, in document order. */
export function sectionItems(sections: readonly Section[], heading: RegExp): string[] {
  const out: string[] = [];
  for (const section of sections) if (heading.test(section.heading)) out.push(...textItems(section.text));
  return [...new Set(out)].slice(0, MAX_ITEMS);
}
