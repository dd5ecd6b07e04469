// Docker's `--format` for listings: `{{.Field}}`, `{{json .}}`, `{{json .Field}}`, and a leading
// `table` for a header row. A small subset of Go templates; anything else is an error. Pure.
import { NookError } from '../errors.js';

export type Row = Record<string, string>;

const FIELD = /\{\{\s*(json\s+)?\.([A-Za-z]*)\s*\}\}/g;

export function renderRows(format: string, rows: Row[]): string[] {
  let body = format;
  const table = /^table\s/.test(body);
  if (table) body = body.replace(/^table\s+/, '');
  body = body.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  const leftover = body.replace(FIELD, '');
  if (/\{\{|\}\}/.test(leftover)) throw new NookError(`unsupported --format template "${format}"`, { hint: 'use {{.Field}}, {{json .}} or table {{.Field}}\\t...' });
  const render = (row: Row, header: boolean) => body.replace(FIELD, (_m, json: string | undefined, field: string) => {
    if (field === '') return header ? '' : JSON.stringify(row);
    if (!(field in row)) throw new NookError(`--format: unknown field .${field}`, { hint: `known: ${Object.keys(row).map((k) => '.' + k).join(' ')}` });
    if (header) return field.replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
    return json ? JSON.stringify(row[field]) : row[field]!;
  });
  const lines = rows.map((r) => render(r, false));
  if (table && rows.length > 0) lines.unshift(render(rows[0]!, true));
  return lines;
}

/** Columns padded like Docker's tabwriter (3 spaces between columns). */
export function columns(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 3))).join('').trimEnd());
}

/** 1.2MB, 68.3MB, 1.05GB: Docker's decimal units. */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? v : v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0)}${units[u]}`;
}

/** "3 minutes ago", "About an hour ago": Docker's HumanDuration. */
export function timeAgo(iso: string | undefined, now = Date.now()): string {
  if (!iso) return 'N/A';
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return 'N/A';
  const s = Math.max(0, Math.floor((now - t) / 1000));
  const m = Math.floor(s / 60);
  const h = Math.floor(m / 60);
  const d = Math.floor(h / 24);
  let text: string;
  if (s < 1) text = 'Less than a second';
  else if (s === 1) text = '1 second';
  else if (s < 60) text = `${s} seconds`;
  else if (m === 1) text = 'About a minute';
  else if (m < 60) text = `${m} minutes`;
  else if (h === 1) text = 'About an hour';
  else if (h < 48) text = `${h} hours`;
  else if (d < 14) text = `${d} days`;
  else if (d < 90) text = `${Math.floor(d / 7)} weeks`;
  else if (d < 730) text = `${Math.floor(d / 30)} months`;
  else text = `${Math.floor(d / 365)} years`;
  return `${text} ago`;
}
