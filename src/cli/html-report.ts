/**
 * A standalone HTML report (`search --html`, `evaluate --html`): a title, a definition list of
 * the run's settings, tables, and charts as inline SVG (src/cli/charts.ts). Nothing external to
 * load: the file opens offline and can be attached or archived as is.
 */
export interface ReportTable { caption: string; head: string[]; rows: (string | number)[][] }
export interface Report { title: string; meta: [string, string | number][]; tables: ReportTable[]; charts: string[] }

const esc = (s: string | number) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

const STYLE = `body{font-family:sans-serif;margin:2em;color:#222;max-width:1000px}h1{font-size:1.4em;font-weight:normal}
dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1.2em}dt{color:#666}dd{margin:0}
table{border-collapse:collapse;margin:1.2em 0}caption{text-align:left;font-weight:bold;padding:.3em 0}
th,td{border-bottom:1px solid #ddd;padding:.3em .8em;text-align:right}th:first-child,td:first-child{text-align:left}
figure{margin:1.2em 0}`;

export function htmlReport(r: Report): string {
  const parts = [`<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${esc(r.title)}</title><style>${STYLE}</style></head><body>`,
    `<h1>${esc(r.title)}</h1>`, '<dl>', ...r.meta.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`), '</dl>'];
  for (const t of r.tables) {
    parts.push(`<table><caption>${esc(t.caption)}</caption><thead><tr>${t.head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>`);
    for (const row of t.rows) parts.push(`<tr>${row.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`);
    parts.push('</tbody></table>');
  }
  // the charts are SVG documents of our own renderer: inlined as markup, without their XML prolog
  for (const svg of r.charts) parts.push(`<figure>${svg.replace(/^<\?xml[^>]*>\s*/, '')}</figure>`);
  parts.push('</body></html>');
  return parts.join('\n') + '\n';
}
