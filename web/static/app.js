// The provisioning-log page: reads the JSON endpoints of web/server.ts and renders them. Every value
// goes into the page as text (textContent), never as HTML: user names come from Engage, anyone's to set.

// The outcomes the sync writes to the log (clients/log-cli.ts LOG_OUTCOMES) and its common actions.
const STATUSES = [
  'created',
  'adopted',
  'updated',
  'reactivated',
  'unchanged',
  'deleted',
  'deactivated',
  'held',
  'skipped',
  'quarantined',
  'failed',
  'planned',
  'pendingDeletion',
  'rejected',
  'invited',
  'cancelled',
  'orphaned',
];
const ACTIONS = [
  'create',
  'update',
  'delete',
  'deactivate',
  'reactivate',
  'adopt',
  'invite',
  'skip',
  'validate',
  'write',
  'read',
];
const SEARCH_FIELDS = ['user', 'run', 'action', 'status', 'from', 'to'];
const RUN_MARKED = new Set(['failed', 'stopped', 'cancelled', 'awaiting-approval', 'running']);

const $ = (id) => document.getElementById(id);

/** An element with attributes and children (strings become text nodes). */
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children.flat(Number.POSITIVE_INFINITY)) if (c !== null && c !== undefined) node.append(c);
  return node;
}

const time = (iso) => (iso ? `${iso.slice(0, 19).replace('T', ' ')}Z` : '–');

function showError(message) {
  const p = $('error');
  p.textContent = message;
  p.hidden = !message;
}

async function getJson(path, params) {
  const res = await fetch(`${path}?${params}`, { headers: { Accept: 'application/json' } });
  const body = await res.json().catch(() => ({}));
  if (res.status === 401) {
    window.location.assign('/login');
    throw new Error('login required');
  }
  if (!res.ok) throw new Error(body.error ?? `${res.status} ${res.statusText}`);
  return body;
}

const company = () => $('company').value;

function fillRows(table, rows, empty, columns) {
  const body = $(table).tBodies[0];
  body.replaceChildren();
  if (rows.length === 0) {
    body.append(el('tr', { class: 'empty' }, el('td', { colspan: String(columns) }, empty)));
    return;
  }
  for (const r of rows) body.append(r);
}

function runRow(r) {
  const status = r.dry_run ? `${r.status} (dry run)` : r.status;
  const counts = Object.entries(r.counts ?? {})
    .filter(([, n]) => n)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const link = el(
    'a',
    {
      href: '#',
      onclick: (e) => {
        e.preventDefault();
        searchRun(r.id);
      },
    },
    r.id,
  );
  return el(
    'tr',
    { class: RUN_MARKED.has(r.status) ? `run-${r.status}` : '' },
    el('td', null, link),
    el('td', null, r.kind),
    el('td', null, el('span', { class: `badge status-${r.status}` }, status)),
    el('td', null, time(r.started_at)),
    el('td', null, time(r.finished_at)),
    el('td', null, r.started_by),
    el('td', null, counts),
    el('td', null, r.reason ?? ''),
  );
}

async function loadOverview() {
  const seq = ++overviewSeq;
  const shown = company();
  const o = await getJson('/api/overview', new URLSearchParams({ company: shown }));
  if (seq !== overviewSeq) return;
  fillRows('runs', o.runs.map(runRow), 'No runs yet.', 8);
  $('last-successes').textContent = o.lastSuccesses.length
    ? `Last success: ${o.lastSuccesses.map((s) => `${s.kind} ${time(s.finishedAt)}`).join(' · ')}`
    : 'No run has completed yet.';
  fillRows(
    'decisions',
    o.decisions.map((d) =>
      el(
        'tr',
        null,
        el('td', null, d.type === 'plan-review' ? 'plan review' : 'held deletions'),
        el('td', null, d.id),
        el('td', null, time(d.since)),
        el('td', null, time(d.expiresAt)),
        el('td', null, d.reason ?? ''),
      ),
    ),
    'Nothing waits for a decision.',
    5,
  );
  $('quarantined-count').textContent = `(${o.quarantined.count})`;
  fillRows(
    'quarantined',
    o.quarantined.users.map((q) =>
      el(
        'tr',
        null,
        el('td', null, `${q.userName ?? '?'} (${q.engageUserId})`),
        el('td', null, q.codes.join(', ')),
        el('td', null, String(q.failureCount)),
        el('td', null, time(q.lastFailedAt)),
        el('td', null, time(q.nextAttemptAt)),
      ),
    ),
    'Nobody is quarantined.',
    5,
  );
  $('runs').dataset.company = shown;
}

/** The search in the form, as query parameters (blank fields left out). */
function searchParams() {
  const form = new FormData($('search'));
  const p = new URLSearchParams();
  if (company()) p.set('company', company());
  for (const f of SEARCH_FIELDS) {
    const v = String(form.get(f) ?? '').trim();
    if (v) p.set(f, v);
  }
  return p;
}

function detailRow(e) {
  const parts = [];
  if (e.changes.length)
    parts.push(
      el('h4', null, 'Changes'),
      el(
        'ul',
        { class: 'changes' },
        e.changes.map((c) =>
          el(
            'li',
            null,
            el('b', null, `${c.attribute}: `),
            el('span', { class: 'old' }, c.from),
            ' → ',
            el('span', { class: 'new' }, c.to),
          ),
        ),
      ),
    );
  if (e.steps.length)
    parts.push(
      el('h4', null, 'Steps'),
      el(
        'ol',
        { class: 'steps' },
        e.steps.map((s) => el('li', null, s)),
      ),
    );
  if (e.other.length)
    parts.push(
      el('h4', null, 'Detail'),
      el(
        'dl',
        null,
        e.other.map((o) => [el('dt', null, o.key), el('dd', null, o.value)]),
      ),
    );
  const ids = `entry ${e.id} · Engage ${e.engageId ?? '–'} · Visitor ${e.visitorId ?? '–'}${e.durationMs !== null ? ` · ${e.durationMs} ms` : ''}`;
  parts.push(el('p', { class: 'muted' }, ids));
  return el('tr', { class: 'entry-detail', hidden: '' }, el('td', { colspan: '8' }, parts));
}

function entryRows(e) {
  const detail = detailRow(e);
  const toggle = el(
    'button',
    { type: 'button', class: 'toggle', 'aria-expanded': 'false', 'aria-label': `Open entry ${e.id}` },
    '▸',
  );
  toggle.addEventListener('click', () => {
    detail.hidden = !detail.hidden;
    toggle.setAttribute('aria-expanded', String(!detail.hidden));
    toggle.textContent = detail.hidden ? '▸' : '▾';
  });
  const row = el(
    'tr',
    { class: `entry outcome-${e.outcome}`, 'data-id': e.id },
    el('td', null, toggle),
    el('td', null, time(e.at)),
    el('td', null, e.run),
    el('td', { class: 'user' }, e.object),
    el('td', null, e.action),
    el('td', null, el('span', { class: `badge status-${e.outcome}` }, e.outcome)),
    el('td', null, e.attributes.join(', ')),
    el('td', null, e.summary),
  );
  return [row, detail];
}

let next = null;
// Answers can arrive out of order: only the newest search's is shown.
let logSeq = 0;
let overviewSeq = 0;

async function loadLog(more) {
  const seq = ++logSeq;
  const p = searchParams();
  if (more && next) p.set('before', next);
  const page = await getJson('/api/log', p);
  if (seq !== logSeq) return;
  const body = $('log').tBodies[0];
  if (!more) body.replaceChildren();
  for (const e of page.entries) body.append(...entryRows(e));
  next = page.next;
  $('older').hidden = !next;
  const shown = body.querySelectorAll('tr.entry').length;
  $('log-summary').textContent = shown
    ? `${shown} entries shown${next ? ' (more below)' : ''}`
    : 'No entries match.';
  const exportParams = searchParams().toString();
  $('export-csv').href = `/export/log.csv?${exportParams}`;
  $('export-json').href = `/export/log.json?${exportParams}`;
  // The search is in the address, so a reload or a shared link shows the same.
  history.replaceState(null, '', `/?${exportParams}`);
  // What the table shows now (the browser tests wait on it).
  $('log').dataset.search = exportParams;
}

function searchRun(runId) {
  const form = $('search');
  form.reset();
  form.elements.run.value = runId;
  refresh(loadLog(false));
}

function refresh(work) {
  showError('');
  work.catch((err) => showError(err.message));
}

async function start() {
  const status = $('search').elements.status;
  for (const s of STATUSES) status.append(el('option', { value: s }, s));
  $('actions').append(...ACTIONS.map((a) => el('option', { value: a })));
  // Restore a search from the address.
  const initial = new URLSearchParams(window.location.search);
  for (const f of SEARCH_FIELDS) if (initial.get(f)) $('search').elements[f].value = initial.get(f);
  const { companies } = await getJson('/api/companies', '');
  const select = $('company');
  for (const c of companies)
    select.append(
      el(
        'option',
        { value: c.id },
        c.id ? `${c.name} (${c.id}${c.state === 'active' ? '' : `, ${c.state}`})` : c.name,
      ),
    );
  select.value = initial.get('company') ?? '';
  select.addEventListener('change', () => refresh(Promise.all([loadOverview(), loadLog(false)])));
  $('search').addEventListener('submit', (e) => {
    e.preventDefault();
    refresh(loadLog(false));
  });
  $('search').addEventListener('reset', () => setTimeout(() => refresh(loadLog(false))));
  $('older').addEventListener('click', () => refresh(loadLog(true)));
  await Promise.all([loadOverview(), loadLog(false)]);
  document.body.dataset.ready = 'true';
}

refresh(start());
