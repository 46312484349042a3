// db/error-kind.ts: which PostgreSQL errors no retry can cure (configuration errors) and which stay
// retryable; the message names the problem without a connection string or password.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { configCondition, dbConfigProblem, redact } from '../../db/error-kind';

/** An error as node-postgres raises it for a server ErrorResponse. */
const pgError = (code: string, message: string) =>
  Object.assign(new pg.DatabaseError(message, message.length, 'error'), { code, severity: 'ERROR' });

/** An error as Node raises it for a socket. */
const systemError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('dbConfigProblem: errors no retry can cure', () => {
  // SQLSTATE, condition name, then the server's message: one error a line.
  const cases = `
    42P01 undefined_table                     relation "engage.locations" does not exist
    42703 undefined_column                    column "sso" does not exist
    3F000 invalid_schema_name                 schema "sync" does not exist
    42501 insufficient_privilege              permission denied for table users
    28000 invalid_authorization_specification no pg_hba.conf entry for host "10.0.0.1", user "evs"
    28P01 invalid_password                    password authentication failed for user "evs"
    3D000 invalid_catalog_name                database "engage_prod" does not exist
    42883 undefined_function                  function gen_random_uuid() does not exist
    42704 undefined_object                    type "sync.run_status" does not exist
  `
    .trim()
    .split('\n')
    .map(
      (line) =>
        line
          .trim()
          .match(/^(\S+) (\S+) +(.+)$/)!
          .slice(1) as [string, string, string],
    );
  assert.equal(cases.length, 9);
  for (const [code, condition, message] of cases) {
    it(`${code} ${condition} → a configuration problem naming it`, () => {
      const p = dbConfigProblem(pgError(code, message));
      assert.ok(p, code);
      assert.equal(p.sqlState, code);
      assert.equal(p.condition, condition);
      assert.ok(p.message.startsWith(`PostgreSQL: ${message} (${code} ${condition}); check `), p.message);
      assert.equal(configCondition(code), condition);
    });
  }

  it('tells what to check: names and migrations for a missing relation, the role for a refusal', () => {
    assert.match(
      dbConfigProblem(pgError('42P01', 'relation "x" does not exist'))!.message,
      /npm run migrate/,
    );
    assert.match(dbConfigProblem(pgError('28P01', 'password authentication failed'))!.message, /role/);
    assert.match(dbConfigProblem(pgError('42501', 'permission denied for table users'))!.message, /grant/);
  });

  it('finds the driver error behind a wrapper (its cause)', () => {
    const wrapped = new Error('reading the page failed', {
      cause: pgError('42P01', 'relation "engage.users" does not exist'),
    });
    assert.equal(dbConfigProblem(wrapped)?.condition, 'undefined_table');
  });

  it('never carries a connection string or password', () => {
    const leaky = pgError(
      '3D000',
      'database "x" does not exist (postgres://evs:s3cret@db:5432/x, password=s3cret)',
    );
    const p = dbConfigProblem(leaky)!;
    assert.ok(!p.message.includes('s3cret'), p.message);
    assert.ok(p.message.includes('postgres://***@db:5432/x'), p.message);
    assert.equal(redact("password='a b' host=x"), 'password=*** host=x');
  });
});

describe('dbConfigProblem: errors a retry may cure stay retryable', () => {
  const retryable: [string, Error][] = [
    ['connection refused', systemError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['connection reset', systemError('ECONNRESET', 'read ECONNRESET')],
    ['a broken pipe', systemError('EPIPE', 'write EPIPE')],
    ['a connect time-out', new Error('timeout exceeded when trying to connect')],
    ['a connection ended', new Error('Connection terminated unexpectedly')],
    ['57P01 admin_shutdown', pgError('57P01', 'terminating connection due to administrator command')],
    ['57P03 cannot_connect_now', pgError('57P03', 'the database system is starting up')],
    ['40001 serialization_failure', pgError('40001', 'could not serialize access')],
    ['40P01 deadlock_detected', pgError('40P01', 'deadlock detected')],
    ['53300 too_many_connections', pgError('53300', 'sorry, too many clients already')],
    ['57014 query_canceled', pgError('57014', 'canceling statement due to statement timeout')],
    ['08006 connection_failure', pgError('08006', 'connection failure')],
    ['23505 unique_violation', pgError('23505', 'duplicate key value violates unique constraint')],
  ];
  for (const [what, err] of retryable) {
    it(`${what} → not a configuration problem`, () => {
      assert.equal(dbConfigProblem(err), undefined);
    });
  }

  it('nor anything that is no error, or has no code', () => {
    for (const v of [undefined, null, 'relation does not exist', { code: '42P01' }, new Error('42P01')])
      assert.equal(dbConfigProblem(v), undefined);
  });
});
