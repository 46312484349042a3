// Which PostgreSQL errors no retry can cure. A sync pointed at the wrong database, or at one whose
// migrations never ran, or under a role without the grants it needs, fails the same way on every
// attempt: activities raise those as configuration errors (activities/failures.ts), so the run fails
// at once with the reason instead of retrying for ever. Everything else — connection refused, time-
// outs, an administrator's shutdown, serialization failures, too many connections — stays retryable.

/** SQLSTATE codes (https://www.postgresql.org/docs/current/errcodes-appendix.html) no retry cures. */
const CONFIG_CONDITIONS: Record<string, string> = {
  '42P01': 'undefined_table',
  '42703': 'undefined_column',
  '42883': 'undefined_function',
  '42704': 'undefined_object',
  '3F000': 'invalid_schema_name',
  '42501': 'insufficient_privilege',
  '28000': 'invalid_authorization_specification',
  '28P01': 'invalid_password',
  '3D000': 'invalid_catalog_name',
};

/** What an operator checks; by default the database names and migrations. */
const SCHEMA_CHECK =
  'check that DATABASE_URL and ENGAGE_DATABASE_URL name the right databases and that the sync database is migrated (npm run migrate)';
const ROLE_CHECK = 'check the role and credentials in DATABASE_URL and ENGAGE_DATABASE_URL';
const CHECKS: Record<string, string> = {
  insufficient_privilege: 'check the grants of the role DATABASE_URL and ENGAGE_DATABASE_URL name',
  invalid_authorization_specification: ROLE_CHECK,
  invalid_password: ROLE_CHECK,
  invalid_catalog_name: 'check the database names in DATABASE_URL and ENGAGE_DATABASE_URL',
};

export interface DbConfigProblem {
  /** The SQLSTATE code, e.g. 42P01. */
  sqlState: string;
  /** Its condition name, e.g. undefined_table. */
  condition: string;
  /** For operators: what PostgreSQL said, what it means and what to check; never a URL or password. */
  message: string;
}

/** The SQLSTATE condition name when `code` is one no retry can cure, else undefined. */
export function configCondition(code: string | undefined): string | undefined {
  return code === undefined ? undefined : CONFIG_CONDITIONS[code];
}

/**
 * The configuration problem behind `err` when it is (or was caused by) a PostgreSQL error no retry
 * can cure; undefined for anything else, which stays retryable.
 */
export function dbConfigProblem(err: unknown): DbConfigProblem | undefined {
  // A wrapper may keep the driver's error as its cause; a few levels are plenty.
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e instanceof Error; depth++) {
    const code = (e as { code?: unknown }).code;
    const condition = typeof code === 'string' ? configCondition(code) : undefined;
    if (condition && typeof code === 'string') {
      const said = redact(e.message).slice(0, 300);
      const check = CHECKS[condition] ?? SCHEMA_CHECK;
      return {
        sqlState: code,
        condition,
        message: `PostgreSQL: ${said} (${code} ${condition}); ${check}`,
      };
    }
    e = e.cause;
  }
  return undefined;
}

/** Credentials a message might carry: the user-info part of a URL, a key=value password. */
export function redact(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, '$1***@')
    .replace(/(password\s*=\s*)('[^']*'|\S+)/gi, '$1***');
}
