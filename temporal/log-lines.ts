// The worker's log: one line per message (time, level, message, its fields as JSON), never colour codes,
// so a log file or collector reads it as is. Core's own messages are forwarded here too; the ones
// a healthy worker repeats by design (a query on a closed or evicted run) go to DEBUG.
import type { LogEntry, LogLevel } from '@temporalio/worker';

/** Core messages that describe normal operation, not a fault (each `sync watch` poll logs one). */
const ROUTINE = [/Query not found/i, /workflow (?:execution )?not found in cache/i];

const SEVERITY: Record<LogLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };

/** The level a message is logged at: a routine core message is DEBUG whatever it was sent as. */
export function effectiveLevel(entry: Pick<LogEntry, 'level' | 'message'>): LogLevel {
  return ROUTINE.some((r) => r.test(entry.message)) ? 'DEBUG' : entry.level;
}

// ANSI escapes a message may carry (core's console formatter, a library's coloured error).
// biome-ignore lint/suspicious/noControlCharactersInRegex: the escape character is what is removed
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

/** One line: `<ISO time> <LEVEL> <message> <fields as JSON>`; newlines in the message are escaped. */
export function formatLogLine(entry: LogEntry): string {
  const at = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  const message = entry.message.replace(ANSI, '').replace(/\r?\n/g, '\\n');
  // An activity's task token completes it for whoever holds it: never in a log.
  const { taskToken: _token, ...meta } = entry.meta ?? {};
  const fields = Object.keys(meta).length ? ` ${safeJson(meta)}` : '';
  return `${at} ${effectiveLevel(entry)} ${message}${fields}`;
}

function safeJson(meta: Record<string, unknown>): string {
  try {
    return JSON.stringify(meta, (_k, v) =>
      typeof v === 'bigint' ? String(v) : v instanceof Error ? { name: v.name, message: v.message } : v,
    ).replace(ANSI, '');
  } catch {
    return '{"meta":"unprintable"}';
  }
}

/** A log function for DefaultLogger: lines at or above `min` (LOG_LEVEL) to stdout. */
export function lineLogFunction(
  min: LogLevel,
  write: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): (entry: LogEntry) => void {
  return (entry) => {
    if (SEVERITY[effectiveLevel(entry)] < SEVERITY[min]) return;
    write(formatLogLine(entry));
  };
}
