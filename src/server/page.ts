/**
 * The server's web page (GET /dashboard): collections with their size and config, search by
 * point id or by a pasted vector with an optional filter (JSON), results with scores and
 * payloads, and live queries/s and latency (from /dashboard/stats, polled each second). One
 * self-contained document: no external script, style or font. The API key, when the server has
 * one, is typed into the page and sent as the `api-key` header; it is kept in sessionStorage only.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>knnkit serve</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
header{background:#1d2430;color:#fff;padding:10px 18px;display:flex;gap:24px;align-items:center}
header h1{font-size:16px;margin:0}.live{font-variant-numeric:tabular-nums;opacity:.9}
main{display:grid;grid-template-columns:280px 1fr;gap:16px;padding:16px}
section{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:12px}
h2{font-size:14px;margin:0 0 8px}ul{list-style:none;margin:0;padding:0}
li{padding:6px 8px;border-radius:4px;cursor:pointer}li:hover,li.sel{background:#e8eefc}
li small{color:#5a6270;display:block}label{display:block;margin:8px 0 2px;color:#5a6270}
input,textarea,select{width:100%;box-sizing:border-box;font:13px ui-monospace,monospace;padding:5px;border:1px solid #c8cdd4;border-radius:4px}
textarea{height:64px}button{margin-top:10px;padding:6px 14px;border:0;border-radius:4px;background:#2f5bd3;color:#fff;cursor:pointer}
table{border-collapse:collapse;width:100%;margin-top:12px}td,th{text-align:left;border-bottom:1px solid #eceef1;padding:5px;vertical-align:top}
td.p{font:12px ui-monospace,monospace;white-space:pre-wrap;word-break:break-word}.err{color:#b3261e;margin-top:8px}
</style></head><body>
<header><h1>knnkit serve</h1><span class="live" id="live">-</span><span style="flex:1"></span>
<input id="key" type="password" placeholder="api-key (if the server needs one)" style="width:240px"></header>
<main>
<section><h2>Collections</h2><ul id="cols"></ul></section>
<section><h2 id="title">Search</h2>
<div style="display:grid;grid-template-columns:1fr 1fr 120px;gap:10px">
<div><label for="by">query by</label><select id="by"><option value="id">point id</option><option value="vector">vector (JSON array)</option></select></div>
<div><label for="q">point id or vector</label><input id="q" placeholder="e.g. 42 or [0.1, 0.2, ...]"></div>
<div><label for="limit">limit</label><input id="limit" type="number" value="10" min="1" max="1000"></div></div>
<label for="filter">filter (optional JSON, Qdrant's form)</label>
<textarea id="filter" placeholder='{"must": [{"key": "color", "match": {"value": "red"}}]}'></textarea>
<button id="go">Search</button><div class="err" id="err"></div>
<table id="res"><thead><tr><th>#</th><th>id</th><th>score</th><th>payload</th></tr></thead><tbody></tbody></table>
</section></main>
<script>
const $ = (id) => document.getElementById(id);
let current = null;
$('key').value = sessionStorage.getItem('knnkit-key') || '';
$('key').onchange = () => { sessionStorage.setItem('knnkit-key', $('key').value); load(); };
async function api(method, path, body) {
  const h = { 'content-type': 'application/json' };
  if ($('key').value) h['api-key'] = $('key').value;
  const r = await fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  const j = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error((j.status && j.status.error) || r.status + ' ' + r.statusText);
  return j.result;
}
function text(el, s) { el.textContent = s; return el; }
async function load() {
  try {
    const list = await api('GET', '/collections');
    const ul = $('cols'); ul.innerHTML = '';
    for (const c of list.collections) {
      const info = await api('GET', '/collections/' + encodeURIComponent(c.name));
      const li = document.createElement('li'); li.dataset.name = c.name;
      li.append(text(document.createElement('b'), c.name), text(document.createElement('small'), info.points_count + ' points, ' + info.config.params.vectors.size + ' dims, ' + info.config.params.vectors.distance + ', ' + info.knnkit.index));
      li.onclick = () => select(c.name); if (c.name === current) li.className = 'sel';
      ul.append(li);
    }
    if (!current && list.collections.length) select(list.collections[0].name);
    $('err').textContent = '';
  } catch (e) { $('err').textContent = e.message; }
}
function select(name) {
  current = name; text($('title'), 'Search ' + name);
  for (const li of $('cols').children) li.className = li.dataset.name === name ? 'sel' : '';
}
$('go').onclick = async () => {
  $('err').textContent = '';
  const tb = $('res').tBodies[0]; tb.innerHTML = '';
  try {
    if (!current) throw new Error('no collection selected');
    const raw = $('q').value.trim();
    let query;
    if ($('by').value === 'id') query = /^\\d+$/.test(raw) ? Number(raw) : raw; else query = JSON.parse(raw);
    const body = { query, limit: Number($('limit').value) || 10, with_payload: true };
    if ($('filter').value.trim()) body.filter = JSON.parse($('filter').value);
    const res = await api('POST', '/collections/' + encodeURIComponent(current) + '/points/query', body);
    res.points.forEach((p, i) => {
      const tr = document.createElement('tr');
      tr.append(text(document.createElement('td'), String(i + 1)), text(document.createElement('td'), String(p.id)), text(document.createElement('td'), p.score.toFixed(4)));
      const td = text(document.createElement('td'), JSON.stringify(p.payload)); td.className = 'p'; tr.append(td);
      tb.append(tr);
    });
    if (!res.points.length) $('err').textContent = 'no results';
  } catch (e) { $('err').textContent = e.message; }
};
async function live() {
  try {
    const s = await (await fetch('/dashboard/stats')).json();
    $('live').textContent = s.qps.toFixed(1) + ' queries/s  p50 ' + s.p50ms.toFixed(2) + ' ms  p99 ' + s.p99ms.toFixed(2) + ' ms  over the last ' + s.windowSeconds + ' s (' + s.searches + ' searches since start)';
  } catch { $('live').textContent = 'stats unavailable'; }
}
load(); live(); setInterval(live, 1000); setInterval(load, 10000);
</script></body></html>`;
