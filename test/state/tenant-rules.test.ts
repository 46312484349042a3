// state/tenant-rules.ts: tenant ids, schedules, the jitter that spreads tenants, options over the
// deployment's defaults, and the state transitions.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../config/service';
import {
  checkEngageSchema,
  checkScheduleTime,
  checkTenantId,
  checkTenantOptions,
  checkTimeZone,
  checkVisitorUrl,
  dailyTimeProblem,
  mergeTenantOptions,
  nextTenantState,
  resolveTenantSettings,
  scheduleJitterMs,
  TenantRuleError,
  TenantStateError,
} from '../../state/tenant-rules';

describe('tenant rules', () => {
  it('tenant ids are 2-40 lowercase letters, digits and inner hyphens', () => {
    for (const ok of ['ab', 'acme', 'acme-eu-2', 'a1', 'x'.repeat(40)]) assert.equal(checkTenantId(ok), ok);
    for (const bad of ['a', 'Acme', 'acme_eu', '-acme', 'acme-', 'x'.repeat(41), 'ac me', 'acmé', '']) {
      assert.throws(() => checkTenantId(bad), TenantRuleError, bad);
    }
    assert.throws(() => checkTenantId('Acme'), /tenant id must be 2-40 lowercase .* got "Acme"/);
  });

  it('schedule time, time zone, schema and Visitor URL are checked', () => {
    assert.equal(checkScheduleTime('00:00'), '00:00');
    assert.equal(checkScheduleTime('23:59'), '23:59');
    for (const bad of ['24:00', '2:00', '12:60', '12h']) assert.throws(() => checkScheduleTime(bad), /HH:MM/);
    assert.equal(checkTimeZone('Europe/Brussels'), 'Europe/Brussels');
    assert.equal(checkTimeZone('UTC'), 'UTC');
    assert.equal(checkTimeZone('europe/brussels'), 'Europe/Brussels');
    assert.equal(checkTimeZone('America/Argentina/Buenos_Aires'), 'America/Argentina/Buenos_Aires');
    assert.throws(() => checkTimeZone('+01:00'), /IANA zone/);
    assert.throws(() => checkTimeZone('Mars/Olympus'), /IANA zone .* got "Mars\/Olympus"/);
    assert.equal(checkEngageSchema('tenant_acme'), 'tenant_acme');
    assert.throws(() => checkEngageSchema('acme; drop'), /lowercase identifier/);
    assert.equal(checkVisitorUrl('https://v.example/scim/v1/'), 'https://v.example/scim/v1');
    assert.throws(() => checkVisitorUrl('ftp://v.example'), /http\(s\) URL/);
    assert.throws(
      () => checkVisitorUrl('https://u:secret@v.example/scim'),
      (err: Error) => {
        assert.match(err.message, /must not carry a user or password/);
        assert.ok(!err.message.includes('secret@'));
        return true;
      },
    );
  });

  it('the jitter is stable per tenant, inside min(interval, 1h), and spreads many tenants', () => {
    assert.equal(scheduleJitterMs('acme', 86_400_000), scheduleJitterMs('acme', 86_400_000));
    assert.ok(scheduleJitterMs('acme', 600_000) < 600_000);
    assert.equal(scheduleJitterMs('acme', 500), 0);
    const minutes = new Map<number, number>();
    for (let i = 0; i < 10_000; i++) {
      const j = scheduleJitterMs(`tenant-${i}`, 86_400_000);
      assert.ok(j >= 0 && j < 3_600_000 && j % 1000 === 0, String(j));
      const m = Math.floor(j / 60_000);
      minutes.set(m, (minutes.get(m) ?? 0) + 1);
    }
    // 10,000 tenants over 60 minutes: every minute used, none with more than twice its share.
    assert.equal(minutes.size, 60);
    assert.ok(Math.max(...minutes.values()) < 2 * (10_000 / 60), String(Math.max(...minutes.values())));
  });

  it('options: unknown names and bad values are refused naming the option; null drops a value', () => {
    assert.throws(() => checkTenantOptions({ deprovision: 'archive' }), /option deprovision/);
    assert.throws(() => checkTenantOptions({ colour: 'red' }), /option|colour/);
    assert.throws(() => checkTenantOptions({ deleteThresholdPercent: 150 }), /option deleteThresholdPercent/);
    const merged = mergeTenantOptions(
      { deprovision: 'deactivate', maxRequestsPerSecond: 5 },
      { deprovision: null, longValues: 'refuse' },
    );
    assert.deepEqual(merged, { maxRequestsPerSecond: 5, longValues: 'refuse' });
  });

  it("a tenant's settings are its options over the deployment's defaults", () => {
    const config = loadConfig({ SYNC_DELETE_THRESHOLD_COUNT: '200', VISITOR_SCIM_MAX_RPS: '10' });
    const defaults = { sync: config.sync, maxRequestsPerSecond: config.visitor.maxRequestsPerSecond };
    assert.deepEqual(resolveTenantSettings(defaults, {}), defaults);
    const r = resolveTenantSettings(defaults, {
      deprovision: 'deactivate',
      locationAdminsAdministerTheirLocations: true,
      invitations: { mode: 'delay', delayMs: 3_600_000 },
      deleteThresholdPercent: 2,
      maxRequestsPerSecond: 3,
    });
    assert.equal(r.sync.options.deprovision, 'deactivate');
    assert.equal(r.sync.options.locationAdminsAdministerTheirLocations, true);
    assert.equal(r.sync.options.longValues, 'shorten');
    assert.deepEqual(r.sync.invitations, { mode: 'delay', delayMs: 3_600_000 });
    assert.deepEqual(r.sync.deleteThreshold, { count: 200, percent: 2, windowMs: 86_400_000 });
    assert.equal(r.sync.pageSize, config.sync.pageSize);
    assert.equal(r.maxRequestsPerSecond, 3);
  });

  it('state transitions', () => {
    const o = { id: 'acme', secretsPurged: false };
    assert.equal(nextTenantState('onboarding', 'pause', o), 'paused');
    assert.equal(nextTenantState('active', 'pause', o), 'paused');
    assert.equal(nextTenantState('paused', 'resume', o), 'active');
    assert.equal(nextTenantState('onboarding', 'resume', o), 'active');
    assert.equal(nextTenantState('offboarded', 'resume', o), 'active');
    assert.equal(nextTenantState('active', 'remove', o), 'offboarded');
    assert.equal(nextTenantState('paused', 'update', o), 'paused');
    assert.throws(() => nextTenantState('paused', 'pause', o), TenantStateError);
    assert.throws(() => nextTenantState('paused', 'pause', o), /tenant acme is already paused/);
    assert.throws(() => nextTenantState('active', 'resume', o), /already active/);
    assert.throws(() => nextTenantState('offboarded', 'remove', o), /already offboarded/);
    assert.throws(() => nextTenantState('offboarded', 'update', o), /is offboarded/);
    assert.throws(() => nextTenantState('offboarded', 'pause', o), /is offboarded/);
    assert.throws(
      () => nextTenantState('offboarded', 'resume', { id: 'acme', secretsPurged: true }),
      /secrets are purged/,
    );
  });

  it('a daily time that daylight saving skips or repeats in the coming year is named, with the day', () => {
    const from = new Date('2026-12-03T00:00:00Z');
    // 02:00 + 30 min of spread in Brussels: 2027-03-28 goes from 02:00 to 03:00.
    assert.equal(
      dailyTimeProblem('02:00', 'Europe/Brussels', 1_800_000, from),
      '02:30:00 Europe/Brussels does not exist on 2027-03-28 (daylight saving): that day would have no run',
    );
    assert.match(dailyTimeProblem('01:30', 'America/New_York', 0, from) ?? '', /happens twice on 2027-11-07/);
    // Half-hour and midnight changes.
    assert.match(
      dailyTimeProblem('02:10', 'Australia/Lord_Howe', 0, from) ?? '',
      /does not exist on 2027-10-03/,
    );
    assert.match(dailyTimeProblem('00:00', 'America/Santiago', 0, from) ?? '', /does not exist/);
    for (const [time, zone] of [
      ['03:30', 'Europe/Brussels'],
      ['06:30', 'Europe/Brussels'],
      ['02:00', 'UTC'],
      ['02:30', 'Asia/Tokyo'],
    ] as const)
      assert.equal(dailyTimeProblem(time, zone, 0, from), undefined, `${time} ${zone}`);
    // The spread wraps past midnight into the next day's clock.
    assert.equal(dailyTimeProblem('23:50', 'UTC', 1_800_000, from), undefined);
  });

  it("refuses the configured company's Engage schema (or a system one) as a tenant's", () => {
    for (const schema of ['engage', 'pg_catalog', 'information_schema'])
      assert.throws(() => checkEngageSchema(schema), /is not a tenant's own/);
    assert.equal(checkEngageSchema('engage_acme'), 'engage_acme');
  });
});
