// The query string of the page's JSON and export endpoints, checked: each parameter known, given
// once, and well formed, or a 400 naming it. Empty values count as unset (a form's blank fields).
import { badRequest } from './http-error';
import type { LogSearch } from './log-search';

const DAY_MS = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// An ISO time with its zone: a time without one would mean a different moment on every machine.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** The parameters an endpoint accepts; anything else is refused, so a typo never widens a search. */
export function checkedParams(params: URLSearchParams, allowed: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of params) {
    if (!allowed.includes(name))
      throw badRequest(`unknown parameter "${name.slice(0, 40)}" (expected ${allowed.join(', ')})`);
    if (out.has(name)) throw badRequest(`parameter "${name}" given twice`);
    if (value.trim() !== '') out.set(name, value.trim());
  }
  return out;
}

/** A whole number in [min, max]; `fallback` when absent. */
export function intParam(p: Map<string, string>, name: string, fallback: number, max: number): number {
  const raw = p.get(name);
  if (raw === undefined) return fallback;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < 1 || Number(raw) > max)
    throw badRequest(`${name}: expected a whole number from 1 to ${max}`);
  return Number(raw);
}

/** A UTC day (2026-01-31) or an ISO time with its zone; `end` makes a day mean its whole length. */
export function timeParam(p: Map<string, string>, name: string, end: boolean): Date | undefined {
  const raw = p.get(name);
  if (raw === undefined) return undefined;
  const day = DATE.exec(raw);
  if (day) {
    const date = new Date(`${raw}T00:00:00Z`);
    // 2026-02-30 parses as 2 March: refuse a day the calendar does not have.
    if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== raw)
      throw badRequest(`${name}: ${JSON.stringify(raw)} is not a calendar day`);
    return end ? new Date(date.getTime() + DAY_MS) : date;
  }
  const time = DATE_TIME.test(raw) ? new Date(raw) : undefined;
  if (!time || Number.isNaN(time.getTime()))
    throw badRequest(`${name}: expected a day like 2026-01-31 or an ISO time like 2026-01-31T14:00:00Z`);
  // `to` includes the instant it names.
  return end ? new Date(time.getTime() + 1) : time;
}

/** A value of a bounded pattern (a run id, an action, an outcome). */
function patternParam(p: Map<string, string>, name: string, re: RegExp, example: string): string | undefined {
  const raw = p.get(name);
  if (raw === undefined) return undefined;
  if (!re.test(raw)) throw badRequest(`${name}: expected ${example}`);
  return raw;
}

export const SEARCH_PARAMS = ['company', 'user', 'run', 'action', 'status', 'from', 'to'] as const;

/** The log search of a query string (without its page: limit and before are the caller's). */
export function searchOf(p: Map<string, string>): Omit<LogSearch, 'limit'> {
  const user = p.get('user');
  // PostgreSQL text holds no NUL, and engage_id is an integer: refuse what the query could not take.
  if (user !== undefined && (user.length > 320 || /\p{Cc}/u.test(user)))
    throw badRequest('user: at most 320 characters, without control characters');
  if (user !== undefined && /^\d+$/.test(user) && Number(user) > 2_147_483_647)
    throw badRequest('user: an Engage id is at most 2147483647');
  const runId = patternParam(p, 'run', /^[\w.@:-]{1,200}$/, 'a run id (e.g. daily-sync-20260101-020000)');
  const action = patternParam(p, 'action', /^[\w:-]{1,60}$/, 'an action such as create, update or delete');
  const outcome = patternParam(p, 'status', /^[\w-]{1,40}$/, 'an outcome such as created, failed or held');
  const from = timeParam(p, 'from', false);
  const to = timeParam(p, 'to', true);
  if (from && to && from >= to) throw badRequest('from: must be before to');
  return {
    ...(user !== undefined ? { user } : {}),
    ...(runId !== undefined ? { runId } : {}),
    ...(action !== undefined ? { action } : {}),
    ...(outcome !== undefined ? { outcome } : {}),
    ...(from ? { from } : {}),
    ...(to ? { toExclusive: to } : {}),
  };
}

/** The keyset cursor: the id of the last entry the previous page showed. */
export function beforeParam(p: Map<string, string>): string | undefined {
  return patternParam(p, 'before', /^[1-9]\d{0,17}$/, 'an entry id (the "next" of the previous page)');
}
