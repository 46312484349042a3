// Text rendering for the CLIs: tables, durations, counts and the progress line. Pure functions only,
// so what an operator sees is unit-tested.
import type { Counts, RunProgress } from '../workflows/types';

/** 850ms, 42s, 5m 20s, 2h 05m, 3d 4h — precise enough to judge, short enough for a table. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** Local wall time without the "T" and milliseconds: 2025-01-31 14:05:09 (UTC if asked). */
export function formatTime(d: Date | string | null | undefined, utc = false): string {
  if (!d) return '-';
  const date = typeof d === 'string' ? new Date(d) : d;
  if (Number.isNaN(date.getTime())) return '-';
  if (utc) return `${date.toISOString().slice(0, 19).replace('T', ' ')}Z`;
  const p = (n: number) => String(n).padStart(2, '0');
  // Local time with its offset, so a time pasted elsewhere still says when it was.
  const off = -date.getTimezoneOffset();
  const zone =
    off === 0 ? 'UTC' : `${off > 0 ? '+' : '-'}${p(Math.floor(Math.abs(off) / 60))}:${p(Math.abs(off) % 60)}`;
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())} ${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())} ${zone}`;
}

export const formatNumber = (n: number) => n.toLocaleString('en-US');

/** The order operators read outcomes in: writes first, then the quiet and the bad ones. */
const COUNT_ORDER: (keyof Counts)[] = [
  'created',
  'adopted',
  'updated',
  'reactivated',
  'deleted',
  'deactivated',
  'unchanged',
  'skipped',
  'quarantined',
  'failed',
  'planned',
  'pendingDeletion',
  'invited',
  'invitationsPending',
];

/** "created 12, updated 3, failed 1" — zero counts left out; "-" when nothing happened. */
export function countsSummary(counts: Record<string, number | undefined> | null | undefined): string {
  if (!counts) return '-';
  const known = COUNT_ORDER as string[];
  const keys = [
    ...known,
    ...Object.keys(counts)
      .filter((k) => !known.includes(k))
      .sort(),
  ];
  const parts = keys.filter((k) => (counts[k] ?? 0) > 0).map((k) => `${k} ${formatNumber(counts[k] ?? 0)}`);
  return parts.length ? parts.join(', ') : '-';
}

export function truncate(text: string, max: number): string {
  if (max <= 0) return '';
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/**
 * A cell's text as lines of at most `width` characters, broken at spaces
 * and, for a word longer than the width (an id, a URL), inside it: nothing is ever cut off.
 */
export function wrapText(text: string, width: number): string[] {
  const w = Math.max(1, width);
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ').filter((x) => x !== '')) {
    let rest = word;
    if (line && line.length + 1 + rest.length <= w) {
      line += ` ${rest}`;
      continue;
    }
    if (line) lines.push(line);
    line = '';
    while (rest.length > w) {
      lines.push(rest.slice(0, w));
      rest = rest.slice(w);
    }
    line = rest;
  }
  if (line || lines.length === 0) lines.push(line);
  return lines;
}

export interface Column<Row> {
  header: string;
  value: (row: Row) => string;
  /** Longer cells wrap onto more lines of this width (never cut). */
  max?: number;
  align?: 'left' | 'right';
}

/** A plain-text table with a header and a rule; empty input gives just the header. Long cells wrap. */
export function table<Row>(rows: Row[], columns: Column<Row>[]): string {
  const cells = rows.map((r) => columns.map((c) => wrapText(c.value(r).replace(/\s+/g, ' '), c.max ?? 200)));
  const widths = columns.map((c, i) =>
    Math.max(c.header.length, ...cells.map((row) => Math.max(...row[i]!.map((l) => l.length)))),
  );
  const line = (values: string[]) =>
    values
      .map((v, i) => (columns[i]!.align === 'right' ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  // A wrapped row takes as many lines as its tallest cell; the other cells are blank below their first.
  const rowLines = (row: string[][]) =>
    Array.from({ length: Math.max(...row.map((c) => c.length)) }, (_, k) => line(row.map((c) => c[k] ?? '')));
  return [
    line(columns.map((c) => c.header)),
    line(widths.map((w) => '-'.repeat(w))),
    ...cells.flatMap(rowLines),
  ].join('\n');
}

/** Where the run is in the Temporal UI. */
export function workflowUrl(uiUrl: string, namespace: string, workflowId: string): string {
  return `${uiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** [#########-----------] with `width` cells between the brackets. */
export function bar(fraction: number, width: number): string {
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const filled = Math.round(f * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

/**
 * One status line of a running sync, at most `width` characters:
 *   users [#####-----] 12/40 pages  3,400 users  created 120, failed 2  85.3/s  ETA 5m 20s
 * The bar shrinks first; counts go next when the terminal is narrow.
 */
export function renderProgress(progress: RunProgress, width: number): string {
  const phase = progress.phase === 'awaiting-approval' ? 'AWAITING APPROVAL' : progress.phase;
  const head = `${progress.dryRun ? 'DRY RUN ' : ''}${phase}`;
  const pages = `${progress.pagesDone}/${progress.pagesTotal} pages`;
  const users = `${formatNumber(progress.usersProcessed)} users`;
  const rate = `${progress.usersPerSecond.toFixed(1)}/s`;
  const eta =
    progress.phase === 'awaiting-approval'
      ? `${formatNumber(progress.deletionsPending ?? 0)} deletions wait for approve/reject`
      : progress.etaSeconds === null
        ? progress.phase === 'finished'
          ? 'done'
          : 'ETA -'
        : `ETA ${formatDuration(progress.etaSeconds * 1000)}`;
  const counts = countsSummary(progress.counts);
  const fraction = progress.pagesTotal > 0 ? progress.pagesDone / progress.pagesTotal : 0;
  const compose = (barWidth: number, withCounts: boolean) =>
    [
      head,
      barWidth > 0 ? bar(fraction, barWidth) : '',
      pages,
      users,
      withCounts && counts !== '-' ? counts : '',
      rate,
      eta,
    ]
      .filter(Boolean)
      .join('  ');
  const MIN_BAR = 10;
  const MAX_BAR = 30;
  for (const withCounts of [true, false]) {
    const fixed = compose(0, withCounts).length + 2; // two spaces join the bar in
    const room = width - fixed - 2; // the brackets
    if (room >= MIN_BAR) return compose(Math.min(MAX_BAR, room), withCounts);
  }
  return truncate(compose(0, false), width);
}

/** An interval the way it was most likely typed: 24h → "24h", 90m → "90m", 2d → "2d". */
export function formatInterval(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1000, 's'],
  ];
  // Days only when the hours would be unwieldy (24h reads better than 1d for the daily schedule).
  for (const [size, unit] of units) {
    if (ms % size === 0 && !(unit === 'd' && ms / size < 2)) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
