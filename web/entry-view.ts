// One provisioning-log entry as the page and the CSV show it: its old → new values, its steps and
// the rest of its detail as readable text. `detail` is free-form JSON written by several versions of
// the sync: every shape is shown somehow, none throws.
import { detailText } from '../clients/log-table';
import type { LogRow } from '../clients/runs';

export interface Change {
  attribute: string;
  from: string;
  to: string;
}

export interface EntryView {
  id: string;
  at: string;
  run: string;
  object: string;
  engageId: number | null;
  visitorId: string | null;
  userName: string | null;
  action: string;
  outcome: string;
  attributes: string[];
  durationMs: number | null;
  /** The reason, SCIM answer and warnings in one line (as `npm run log` shows them). */
  summary: string;
  changes: Change[];
  steps: string[];
  /** Every other key of detail, its value as text. */
  other: { key: string; value: string }[];
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A value as text: strings as they are, nothing as "(none)", anything else as JSON. */
export function valueText(v: unknown): string {
  if (v === undefined || v === null) return '(none)';
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** detail.changes: { attribute: { from, to } }; an entry of another shape shows as its value. */
export function changesOf(detail: Record<string, unknown> | null): Change[] {
  const changes = detail?.changes;
  if (!isRecord(changes)) return [];
  return Object.entries(changes).map(([attribute, c]) =>
    isRecord(c) && ('from' in c || 'to' in c)
      ? { attribute, from: valueText(c.from), to: valueText(c.to) }
      : { attribute, from: '?', to: valueText(c) },
  );
}

/**
 * jsonb keeps an object's keys shortest first, not in the order the sync wrote them: show the changes
 * in the order of the entry's `attributes` (the sync's own), the others after.
 */
function inAttributeOrder(changes: Change[], attributes: string[] | null): Change[] {
  const order = Array.isArray(attributes) ? attributes : [];
  const rank = (c: Change) => (order.includes(c.attribute) ? order.indexOf(c.attribute) : order.length);
  return [...changes].sort((a, b) => rank(a) - rank(b));
}

/** detail.steps: a list of strings or of objects ("name: create, status: 201"). */
export function stepsOf(detail: Record<string, unknown> | null): string[] {
  const steps = detail?.steps;
  if (steps === undefined || steps === null) return [];
  if (!Array.isArray(steps)) return [valueText(steps)];
  return steps.map((s) =>
    isRecord(s)
      ? Object.entries(s)
          .map(([k, v]) => `${k}: ${valueText(v)}`)
          .join(', ')
      : valueText(s),
  );
}

// Shown in their own sections (changes, steps) or not at all (`plan`: the digest a reviewed plan is
// compared on, as in clients/log-table.ts).
const OWN_SECTIONS = new Set(['changes', 'steps', 'plan']);

function otherOf(detail: Record<string, unknown> | null): { key: string; value: string }[] {
  if (!detail) return [];
  const out: { key: string; value: string }[] = [];
  for (const [key, value] of Object.entries(detail)) {
    if (OWN_SECTIONS.has(key)) continue;
    if (key === 'warnings' && Array.isArray(value)) {
      for (const w of value)
        out.push({
          key: 'warning',
          value: isRecord(w) && 'message' in w ? valueText(w.message) : valueText(w),
        });
      continue;
    }
    out.push({ key, value: valueText(value) });
  }
  return out;
}

/** Reason and warnings as one line, without the sections shown apart. */
function summaryOf(detail: Record<string, unknown> | null): string {
  if (!isRecord(detail)) return detail === null ? '' : valueText(detail);
  const { changes: _c, steps: _s, ...rest } = detail;
  try {
    return detailText(rest);
  } catch {
    return valueText(rest);
  }
}

const objectOf = (r: LogRow) =>
  r.object_type === 'user'
    ? `${r.user_name ?? '?'} (${r.engage_id ?? '-'})`
    : `${r.object_type} ${r.engage_id ?? r.visitor_id ?? ''}`.trim();

export function entryView(r: LogRow): EntryView {
  // A detail that is not an object (an old row, a hand-written one) is shown whole as "detail".
  const detail = r.detail === null || isRecord(r.detail) ? r.detail : { detail: r.detail };
  return {
    id: String(r.id),
    at: new Date(r.at).toISOString(),
    run: r.run_id,
    object: objectOf(r),
    engageId: r.engage_id,
    visitorId: r.visitor_id,
    userName: r.user_name,
    action: r.action,
    outcome: r.outcome,
    attributes: Array.isArray(r.attributes) ? r.attributes : [],
    durationMs: r.duration_ms,
    summary: summaryOf(detail),
    changes: inAttributeOrder(changesOf(detail), r.attributes),
    steps: stepsOf(detail),
    other: otherOf(detail),
  };
}
