// Docker's --format front end for listings: `table` adds a header row (the same template run
// over the column names) and aligns columns like Go's tabwriter (min width 10, padding 3);
// `\t` and `\n` written literally on the command line become real tabs and newlines. Every
// value a template prints (template.ts) and every table cell is made terminal-safe: the values
// come from images and registries.
import { terminalSafe } from '../util/terminal-text.js';
import { executeTemplate, goMap, parseTemplate } from './template.js';

export interface ParsedFormat {
  table: boolean;
  render(data: unknown): string;
  header(headers: Record<string, string>): string;
}

export function parseFormat(format: string): ParsedFormat {
  let body = format;
  const table = /^table(\s|$)/.test(body);
  if (table) body = body.slice('table'.length);
  body = body.trim().replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  const t = parseTemplate(body);
  return {
    table,
    render: (data) => executeTemplate(t, data),
    header: (headers) => executeTemplate(t, goMap({ ...headers })),
  };
}

/** Go's tabwriter as Docker configures it: each tab-terminated cell padded to its column. */
export function alignColumns(lines: string[], minWidth = 10, padding = 3): string[] {
  const cells = lines.map((l) => l.split('\t'));
  const widths: number[] = [];
  for (const row of cells) {
    row.slice(0, -1).forEach((c, i) => (widths[i] = Math.max(widths[i] ?? minWidth, c.length + padding)));
  }
  return cells.map((row) => row.map((c, i) => (i < row.length - 1 ? c.padEnd(widths[i]!) : c)).join(''));
}

/** Rows of cells (the first one the titles) aligned by the same tabwriter. */
export function alignRows(rows: string[][]): string[] {
  return alignColumns(rows.map((r) => r.map(terminalSafe).join('\t')));
}

/** Renders rows with a --format (or the verb's default table); returns the output text. */
export function renderListing(format: string, rows: unknown[], headers: Record<string, string>): string {
  const f = parseFormat(format);
  const lines = rows.map((r) => f.render(r));
  if (!f.table) return lines.map((l) => l + '\n').join('');
  const all = [f.header(headers), ...lines].join('\n').split('\n');
  return alignColumns(all).map((l) => l + '\n').join('');
}
