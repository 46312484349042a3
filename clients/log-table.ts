// Provisioning-log rows as an operator reads them: a table, or one JSON object per line.
import { type Column, formatTime, table } from './format';
import type { LogRow } from './runs';

/** The part of `detail` worth a table cell: the reason, or what Visitor's SCIM answer said. */
export function detailText(detail: Record<string, unknown> | null): string {
  if (!detail) return '';
  const parts: string[] = [];
  if (typeof detail.reason === 'string') parts.push(detail.reason);
  if (detail.status !== undefined || detail.scimType !== undefined) {
    const scim = [detail.status, detail.scimType].filter((v) => v !== undefined && v !== null).join(' ');
    parts.push(`SCIM ${scim}${typeof detail.detail === 'string' ? `: ${detail.detail}` : ''}`);
  }
  if (parts.length > 0) return parts.join(' — ');
  return JSON.stringify(detail);
}

const objectOf = (r: LogRow) =>
  r.object_type === 'user'
    ? `${r.user_name ?? '?'} (${r.engage_id ?? '-'})`
    : `${r.object_type} ${r.engage_id ?? r.visitor_id ?? ''}`.trim();

export function logTable(rows: LogRow[], opts: { showUser: boolean; showRun: boolean }): string {
  const columns: Column<LogRow>[] = [
    { header: 'time', value: (r) => formatTime(r.at) },
    ...(opts.showRun ? [{ header: 'run', value: (r: LogRow) => r.run_id, max: 36 }] : []),
    ...(opts.showUser ? [{ header: 'object', value: objectOf, max: 40 }] : []),
    { header: 'action', value: (r) => r.action },
    { header: 'outcome', value: (r) => r.outcome },
    { header: 'changed', value: (r) => (r.attributes ?? []).join(', '), max: 40 },
    { header: 'reason / SCIM detail', value: (r) => detailText(r.detail), max: 90 },
  ];
  return table(rows, columns);
}

export const logJson = (r: LogRow) =>
  JSON.stringify({
    id: r.id,
    at: r.at.toISOString(),
    run: r.run_id,
    object: r.object_type,
    engageId: r.engage_id,
    visitorId: r.visitor_id,
    userName: r.user_name,
    action: r.action,
    outcome: r.outcome,
    attributes: r.attributes ?? [],
    detail: r.detail,
    durationMs: r.duration_ms,
  });
