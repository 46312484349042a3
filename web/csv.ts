// CSV (RFC 4180) for the log export. A cell a spreadsheet would run as a formula (starting with
// = + - @, or a tab or carriage return that hides one) gets a leading ' so it opens as text.
import type { EntryView } from './entry-view';

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string | number | null | undefined): string {
  let s = value === null || value === undefined ? '' : String(value);
  if (FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export const csvLine = (cells: (string | number | null | undefined)[]) =>
  `${cells.map(csvCell).join(',')}\r\n`;

export const LOG_CSV_HEADER = csvLine([
  'id',
  'at',
  'run',
  'object',
  'engage_id',
  'visitor_id',
  'user_name',
  'action',
  'outcome',
  'attributes',
  'changes',
  'steps',
  'detail',
  'duration_ms',
]);

export const logCsvLine = (e: EntryView) =>
  csvLine([
    e.id,
    e.at,
    e.run,
    e.object,
    e.engageId,
    e.visitorId,
    e.userName,
    e.action,
    e.outcome,
    e.attributes.join(' '),
    e.changes.map((c) => `${c.attribute}: ${c.from} → ${c.to}`).join('; '),
    e.steps.join('; '),
    e.summary,
    e.durationMs,
  ]);
