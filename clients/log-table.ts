// Provisioning-log rows as an operator reads them: a table, or one JSON object per line.
import { type Column, formatDuration, formatTime, table } from './format';
import type { LogRow } from './runs';

/**
 * The part of `detail` worth a table cell: the reason, or what Visitor's SCIM answer said, then each
 * warning the rules logged for the user (a value shortened, an unknown user type).
 */
export function detailText(detail: Record<string, unknown> | null): string {
  if (!detail) return '';
  // `plan` is the digest a reviewed plan is compared on: no reader's business.
  const { warnings, plan: _plan, invitation, ...rest } = detail;
  const parts: string[] = [];
  if (typeof rest.reason === 'string') parts.push(rest.reason);
  if (typeof invitation === 'string')
    parts.push(
      `invitation: ${invitation.replace(/^delayed:(\d+)$/, (_m, ms) => `in ${formatDuration(Number(ms))}`)}`,
    );
  if (rest.status !== undefined || rest.scimType !== undefined) {
    const scim = [rest.status, rest.scimType].filter((v) => v !== undefined && v !== null).join(' ');
    parts.push(`SCIM ${scim}${typeof rest.detail === 'string' ? `: ${rest.detail}` : ''}`);
  }
  if (parts.length === 0 && Object.keys(rest).length > 0) parts.push(JSON.stringify(rest));
  if (Array.isArray(warnings))
    for (const w of warnings)
      parts.push(`warning: ${(w as { message?: unknown })?.message ?? JSON.stringify(w)}`);
  return parts.join(' — ');
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
