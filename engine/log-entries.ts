// The one builder of provisioning-log entries: what happened to a user, a location or a run.
import type { Warning } from '../domain/types';
import type { LogEntry } from './ports';

type Fields = Partial<Omit<LogEntry, 'run_id' | 'object_type' | 'action' | 'outcome'>>;

function entry(
  runId: string,
  objectType: LogEntry['object_type'],
  action: string,
  outcome: string,
  f: Fields,
): LogEntry {
  return {
    run_id: runId,
    object_type: objectType,
    engage_id: f.engage_id ?? null,
    visitor_id: f.visitor_id ?? null,
    user_name: f.user_name ?? null,
    action,
    outcome,
    attributes: f.attributes ?? null,
    duration_ms: f.duration_ms ?? null,
    detail: f.detail ?? null,
  };
}

export const userEntry = (runId: string, engageId: number, action: string, outcome: string, f: Fields = {}) =>
  entry(runId, 'user', action, outcome, { ...f, engage_id: engageId });

export const locationEntry = (
  runId: string,
  engageId: number,
  action: string,
  outcome: string,
  f: Fields = {},
) => entry(runId, 'location', action, outcome, { ...f, engage_id: engageId });

/** About the run as a whole (an operator decision, a cancelled batch). */
export const runEntry = (runId: string, action: string, outcome: string, detail: Record<string, unknown>) =>
  entry(runId, 'run', action, outcome, { detail });

/** A malformed Engage row: reported for that user, never blocking the others. */
export const invalidRowEntry = (runId: string, engageId: number, reason: string, dryRun: boolean) =>
  userEntry(runId, engageId, 'read', dryRun ? 'planned' : 'failed', {
    detail: { code: 'invalid_row', reason: `malformed Engage row: ${reason}` },
  });

/** Builds one user's entries in a run (engine/reconcile-user.ts EntryFn). */
type UserEntryFn = (action: string, outcome: string, extra?: Partial<LogEntry>) => LogEntry;

/**
 * The entries of a user the plan warned about (a value shortened, characters removed, an unknown
 * user type): each carries detail.warnings — codes, attribute names and messages, never values.
 */
export const withWarnings =
  (build: UserEntryFn, warnings: readonly Warning[]): UserEntryFn =>
  (action, outcome, extra = {}) =>
    build(action, outcome, { ...extra, detail: { ...(extra.detail ?? {}), warnings } });
