// Provisioning-log rows as an operator reads them: a table, or one JSON object per line.
import { type Column, formatDuration, formatTime, table } from './format';
import type { LogRow } from './runs';

/** A value as the log shows it: quoted text, "(none)" for no value. */
const shown = (v: unknown) => (v === null || v === undefined || v === '' ? '(none)' : JSON.stringify(v));

/**
 * The part of `detail` worth a table cell: the failure's code and message, or what Visitor's SCIM answer
 * said, each changed attribute's old → new value, then each warning the rules logged for the user.
 */
export function detailText(detail: Record<string, unknown> | null): string {
  if (!detail) return '';
  // `plan` is the digest a reviewed plan is compared on: no reader's business.
  const { warnings, plan: _plan, invitation, changes, access, failures, code, ...rest } = detail;
  const parts: string[] = [];
  if (typeof rest.reason === 'string')
    parts.push(typeof code === 'string' ? `${code}: ${rest.reason}` : rest.reason);
  if (Array.isArray(failures))
    for (const f of failures as { code?: unknown; message?: unknown; attribute?: unknown }[])
      parts.push(
        `${String(f?.code ?? 'failed')}: ${String(f?.message ?? '')}${f?.attribute ? ` (${String(f.attribute)})` : ''}`,
      );
  if (changes && typeof changes === 'object')
    for (const [attribute, c] of Object.entries(changes as Record<string, { from?: unknown; to?: unknown }>))
      parts.push(`${attribute}: ${shown(c?.from)} → ${shown(c?.to)}`);
  if (access && typeof access === 'object') {
    const a = access as Record<string, number>;
    const moves = [
      ['added', a.added],
      ['role changed', a.roleChanged],
      ['removed', a.removed],
    ]
      .filter(([, n]) => Number(n) > 0)
      .map(([k, n]) => `${n} ${k}`);
    if (moves.length) parts.push(`locations: ${moves.join(', ')}`);
  }
  if (typeof invitation === 'string')
    parts.push(
      `invitation: ${invitation.replace(/^delayed:(\d+)$/, (_m, ms) => `in ${formatDuration(Number(ms))}`)}`,
    );
  if (rest.status !== undefined || rest.scimType !== undefined) {
    const scim = [rest.status, rest.scimType].filter((v) => v !== undefined && v !== null).join(' ');
    parts.push(`SCIM ${scim}${typeof rest.detail === 'string' ? `: ${rest.detail}` : ''}`);
  }
  // Anything else, key by key: never a JSON blob cut in the middle.
  if (parts.length === 0)
    for (const [k, v] of Object.entries(rest))
      parts.push(`${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
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
