// A run's human-readable report: `report.md` (GitHub-renderable) and `index.html` (self-contained page) side by
// side in the run directory, with a metrics table, optional extra tables, the resolved config and the run's PNGs
// embedded by relative path. Writes are atomic per file (temp file + rename) so a reader never sees half a page.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModeCoverage } from '../metrics/mode-coverage.js';

/** A table cell value. */
export type Cell = string | number | boolean | null | undefined;

/** A table in a run report. */
export interface ReportTable {
  title?: string;
  columns: string[];
  rows: Cell[][];
}

/** The content of a run's report.md / index.html. */
export interface RunReport {
  title: string;
  /** A paragraph under the title (plain text). */
  summary?: string;
  /** Name → value, shown as a two-column table. */
  metrics?: Record<string, Cell>;
  /** Further tables (e.g. per-method results). */
  tables?: ReportTable[];
  /** Pictures, with paths relative to the run directory (e.g. 'samples/final.png'). */
  images?: { title: string; path: string }[];
  /** The resolved config (shown as JSON). */
  config?: unknown;
  /** Free-form notes (plain text lines), shown last. */
  notes?: string[];
}

/** "GDPP: 8/8 modes, HQ 81.2%" — a panel title from a mode-coverage result. */
export function coverageLabel(
  name: string,
  coverage: Pick<ModeCoverage, 'modes' | 'totalModes' | 'hq'>,
): string {
  return `${name}: ${coverage.modes}/${coverage.totalModes} modes, HQ ${coverage.hq.toFixed(1)}%`;
}

function formatCell(value: Cell): string {
  if (value === null || value === undefined) return '–';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return String(value);
    if (Number.isInteger(value)) return String(value);
    const magnitude = Math.abs(value);
    return magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e6)
      ? value.toExponential(3)
      : String(Number(value.toPrecision(4)));
  }
  return String(value);
}

function markdownEscape(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function htmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function tablesOf(report: RunReport): ReportTable[] {
  const tables: ReportTable[] = [];
  if (report.metrics && Object.keys(report.metrics).length > 0) {
    tables.push({
      title: 'Metrics',
      columns: ['metric', 'value'],
      rows: Object.entries(report.metrics).map(([k, v]) => [k, v]),
    });
  }
  return tables.concat(report.tables ?? []);
}

/** The report as Markdown. */
export function renderMarkdown(report: RunReport): string {
  const lines: string[] = [`# ${report.title}`, ''];
  if (report.summary) lines.push(report.summary, '');
  for (const table of tablesOf(report)) {
    if (table.title) lines.push(`## ${table.title}`, '');
    lines.push(`| ${table.columns.map(markdownEscape).join(' | ')} |`);
    lines.push(`|${table.columns.map(() => '---').join('|')}|`);
    for (const row of table.rows)
      lines.push(`| ${row.map((c) => markdownEscape(formatCell(c))).join(' | ')} |`);
    lines.push('');
  }
  if (report.images && report.images.length > 0) {
    lines.push('## Pictures', '');
    for (const image of report.images)
      lines.push(`### ${image.title}`, '', `![${image.title}](${encodeURI(image.path)})`, '');
  }
  if (report.config !== undefined) {
    lines.push('## Config', '', '```json', JSON.stringify(report.config, null, 2), '```', '');
  }
  if (report.notes && report.notes.length > 0) {
    lines.push('## Notes', '');
    for (const note of report.notes) lines.push(`- ${note}`);
    lines.push('');
  }
  return lines.join('\n');
}

/** The report as a self-contained HTML page (images by relative path). */
export function renderHtml(report: RunReport): string {
  const parts: string[] = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${htmlEscape(report.title)}</title>`,
    '<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}' +
      'table{border-collapse:collapse;margin:0.5em 0 1.5em}td,th{border:1px solid #ccc;padding:4px 10px;text-align:left}' +
      'th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}img{max-width:100%;image-rendering:pixelated}' +
      'pre{background:#f6f6f6;padding:1em;overflow:auto}figure{margin:1em 0}</style>',
    '</head><body>',
    `<h1>${htmlEscape(report.title)}</h1>`,
  ];
  if (report.summary) parts.push(`<p>${htmlEscape(report.summary)}</p>`);
  for (const table of tablesOf(report)) {
    if (table.title) parts.push(`<h2>${htmlEscape(table.title)}</h2>`);
    parts.push(
      '<table><thead><tr>',
      ...table.columns.map((c) => `<th>${htmlEscape(c)}</th>`),
      '</tr></thead><tbody>',
    );
    for (const row of table.rows) {
      const cells = row.map(
        (c) => `<td${typeof c === 'number' ? ' class="n"' : ''}>${htmlEscape(formatCell(c))}</td>`,
      );
      parts.push(`<tr>${cells.join('')}</tr>`);
    }
    parts.push('</tbody></table>');
  }
  if (report.images && report.images.length > 0) {
    parts.push('<h2>Pictures</h2>');
    for (const image of report.images) {
      parts.push(
        `<figure><img src="${htmlEscape(encodeURI(image.path))}" alt="${htmlEscape(image.title)}">` +
          `<figcaption>${htmlEscape(image.title)}</figcaption></figure>`,
      );
    }
  }
  if (report.config !== undefined) {
    parts.push('<h2>Config</h2>', `<pre>${htmlEscape(JSON.stringify(report.config, null, 2))}</pre>`);
  }
  if (report.notes && report.notes.length > 0) {
    parts.push('<h2>Notes</h2><ul>', ...report.notes.map((n) => `<li>${htmlEscape(n)}</li>`), '</ul>');
  }
  parts.push('</body></html>', '');
  return parts.join('\n');
}

function writeAtomic(path: string, content: string | Buffer): void {
  const temporary = `${path}.tmp-${process.pid}`;
  writeFileSync(temporary, content);
  renameSync(temporary, path);
}

/** Write `report.md` and `index.html` into `dir` (created if missing); returns their paths. */
export function writeRunReport(dir: string, report: RunReport): { markdown: string; html: string } {
  mkdirSync(dir, { recursive: true });
  const markdown = join(dir, 'report.md');
  const html = join(dir, 'index.html');
  writeAtomic(markdown, renderMarkdown(report));
  writeAtomic(html, renderHtml(report));
  return { markdown, html };
}

/** Write a PNG buffer atomically (creating parent folders). */
export function writePng(path: string, png: Buffer): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeAtomic(path, png);
}
