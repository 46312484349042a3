import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../config/service';

test('defaults point at the local stack', () => {
  const c = loadConfig({});
  assert.equal(c.temporal.address, '127.0.0.1:7233');
  assert.equal(c.temporal.local, true);
  assert.equal(c.database.local, true);
  assert.match(c.database.url, /engage_visitor_sync$/);
  assert.match(c.engageDatabase.url, /\/engage$/);
  assert.equal(c.visitor.url, 'http://127.0.0.1:8790/scim/v1');
  assert.equal(c.visitor.timeoutMs, 30_000);
});

test('explicit values win and durations are parsed', () => {
  const c = loadConfig({
    TEMPORAL_ADDRESS: 'temporal.example:7233',
    TEMPORAL_API_KEY: 'k',
    VISITOR_SCIM_URL: 'https://visitor.example/scim/v1',
    VISITOR_SCIM_TOKEN: 't',
    VISITOR_SCIM_TIMEOUT: '2m',
  });
  assert.equal(c.temporal.local, false);
  assert.equal(c.temporal.tls, true, 'an API key implies TLS');
  assert.equal(c.visitor.local, false);
  assert.equal(c.visitor.timeoutMs, 120_000);
});

test('a bad value is refused with a message naming the variable, never its secret', () => {
  assert.throws(
    () => loadConfig({ VISITOR_SCIM_CONCURRENCY: 'lots', DATABASE_URL: 'mysql://x' }),
    (err: unknown) =>
      err instanceof ConfigError &&
      /VISITOR_SCIM_CONCURRENCY/.test(err.message) &&
      /DATABASE_URL: expected a postgres:\/\/ URL/.test(err.message),
  );
  assert.throws(
    () => loadConfig({ VISITOR_SCIM_URL: 'https://visitor.example/scim/v1' }),
    /VISITOR_SCIM_TOKEN: required/,
  );
  assert.throws(
    () => loadConfig({ TEMPORAL_TLS: 'maybe', VISITOR_SCIM_TOKEN: 'supersecret' }),
    (err: unknown) =>
      err instanceof ConfigError && /TEMPORAL_TLS/.test(err.message) && !/supersecret/.test(err.message),
  );
});

test('a refused value is quoted as typed (never NaN), except where it may hold a secret', () => {
  assert.throws(
    () =>
      loadConfig({
        SYNC_PAGE_SIZE: 'abc',
        WORKER_PAGE_SLOTS: '2.5',
        DATABASE_URL: 'mysql://u:hunter2@h/db',
      }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /SYNC_PAGE_SIZE: expected a number, got "abc"/);
      assert.match(err.message, /WORKER_PAGE_SLOTS: expected a whole number, got "2\.5"/);
      assert.ok(!/NaN/.test(err.message), err.message);
      assert.ok(!/hunter2/.test(err.message), 'a URL may hold a password: not echoed');
      return true;
    },
  );
});

test('sync rule options: country admins off and long values shortened by default, both validated', () => {
  const d = loadConfig({}).sync.options;
  assert.equal(d.countryAdminsAdministerTheirCountries, false);
  assert.equal(d.longValues, 'shorten');
  const set = loadConfig({
    SYNC_COUNTRY_ADMINS_ADMINISTER_THEIR_COUNTRIES: 'true',
    SYNC_LONG_VALUES: 'refuse',
  }).sync.options;
  assert.equal(set.countryAdminsAdministerTheirCountries, true);
  assert.equal(set.longValues, 'refuse');
  assert.throws(
    () =>
      loadConfig({
        SYNC_LONG_VALUES: 'truncate',
        SYNC_COUNTRY_ADMINS_ADMINISTER_THEIR_COUNTRIES: 'sometimes',
      }),
    (err: unknown) =>
      err instanceof ConfigError &&
      /SYNC_LONG_VALUES: expected shorten or refuse/.test(err.message) &&
      /SYNC_COUNTRY_ADMINS_ADMINISTER_THEIR_COUNTRIES: expected true or false/.test(err.message),
  );
});

test('the log page listens on loopback unless told, and needs a token anywhere else', () => {
  const d = loadConfig({}).logPage;
  assert.equal(d.host, '127.0.0.1');
  assert.equal(d.token, undefined);
  assert.throws(
    () => loadConfig({ LOG_PAGE_HOST: '0.0.0.0' }),
    (err: unknown) =>
      err instanceof ConfigError && /LOG_PAGE_TOKEN: required when LOG_PAGE_HOST/.test(err.message),
  );
  const open = loadConfig({ LOG_PAGE_HOST: '0.0.0.0', LOG_PAGE_TOKEN: 'a-long-enough-token' }).logPage;
  assert.equal(open.token?.reveal(), 'a-long-enough-token');
  assert.equal(JSON.stringify(open), '{"host":"0.0.0.0","port":8795,"token":"[secret]"}');
  assert.throws(
    () => loadConfig({ LOG_PAGE_TOKEN: 'short' }),
    (err: unknown) =>
      err instanceof ConfigError &&
      /LOG_PAGE_TOKEN: expected at least 16/.test(err.message) &&
      !/short/.test(err.message),
  );
});

test('alert webhooks: a comma-separated list of http(s) URLs; a bad entry is refused by position, never echoed', () => {
  assert.deepEqual(loadConfig({}).alerts.webhookUrls, []);
  const a = loadConfig({ ALERT_WEBHOOK_URLS: 'https://hooks.example/a, http://127.0.0.1:9/b' }).alerts;
  assert.deepEqual(a.webhookUrls, ['https://hooks.example/a', 'http://127.0.0.1:9/b']);
  assert.equal(a.checkIntervalMs, 60_000);
  assert.equal(a.staleMarginMs, 3_600_000);
  assert.throws(
    () => loadConfig({ ALERT_WEBHOOK_URLS: 'https://ok.example/x,ftp://secret-host/y' }),
    (err: unknown) =>
      err instanceof ConfigError &&
      /ALERT_WEBHOOK_URLS: entry 2/.test(err.message) &&
      !/secret-host/.test(err.message),
  );
  assert.throws(
    () => loadConfig({ ALERT_STALE_MARGIN: 'soon' }),
    (err: unknown) =>
      err instanceof ConfigError && /ALERT_STALE_MARGIN: expected a duration/.test(err.message),
  );
});

test('the change feed: on by default every 2 s with a 60 s overlap; bad values are refused by name', () => {
  assert.deepEqual(loadConfig({}).changeFeed, {
    enabled: true,
    intervalMs: 2000,
    overlapMs: 60_000,
    bulkThreshold: 500,
  });
  assert.equal(loadConfig({ CHANGE_FEED: 'false' }).changeFeed.enabled, false);
  assert.throws(
    () => loadConfig({ CHANGE_FEED_INTERVAL: 'often', CHANGE_FEED_BULK_THRESHOLD: '0' }),
    (err: unknown) =>
      err instanceof ConfigError &&
      /CHANGE_FEED_INTERVAL: expected a duration/.test(err.message) &&
      /CHANGE_FEED_BULK_THRESHOLD/.test(err.message),
  );
});
