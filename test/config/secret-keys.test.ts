// TENANT_SECRETS_KEYS in config/service.ts: key ids, 32-byte base64 keys, the first one encrypts;
// a bad entry stops start-up naming the variable and the key id, never the key's bytes.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { ConfigError, loadConfig } from '../../config/service';

const b64 = () => randomBytes(32).toString('base64');

test('TENANT_SECRETS_KEYS: unset is fine; set, the keys keep their order (the first encrypts)', () => {
  assert.equal(loadConfig({ DATABASE_URL: 'postgres://sync@db.example/sync' }).tenantSecretKeys, undefined);
  // The local stack (no DATABASE_URL) has its embedded key, as it has its embedded password.
  assert.deepEqual(
    loadConfig({}).tenantSecretKeys?.map((k) => k.id),
    ['local'],
  );
  const k2 = b64();
  const k1 = b64();
  const keys = loadConfig({ TENANT_SECRETS_KEYS: `k2:${k2}, k1:${k1}` }).tenantSecretKeys!;
  assert.deepEqual(
    keys.map((k) => k.id),
    ['k2', 'k1'],
  );
  assert.equal(keys[0]!.key.reveal().toString('base64'), k2);
  assert.ok(!inspect(loadConfig({ TENANT_SECRETS_KEYS: `k2:${k2}` }), { depth: 10 }).includes(k2));
});

test('TENANT_SECRETS_KEYS: a bad key is refused naming the variable, never echoing the key', () => {
  const short = randomBytes(16).toString('base64');
  const good = b64();
  const cases: [string, RegExp][] = [
    [`k1:${short}`, /key "k1" must be 32 bytes in base64/],
    [`k1:${good.slice(0, 20)}!!${good.slice(22)}`, /key "k1" must be 32 bytes in base64/],
    [good, /entry 1 must be <id>:<base64 key>/],
    [`k1:${good},k1:${b64()}`, /key id "k1" appears twice/],
    [`k1:${good},:${b64()}`, /entry 2 must be <id>:<base64 key>/],
  ];
  for (const [value, message] of cases) {
    assert.throws(
      () => loadConfig({ TENANT_SECRETS_KEYS: value }),
      (err: Error) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /TENANT_SECRETS_KEYS: /);
        assert.match(err.message, message);
        assert.ok(!err.message.includes(good) && !err.message.includes(short), 'no key bytes');
        return true;
      },
    );
  }
});
