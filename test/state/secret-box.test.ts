// state/secret-box.ts: AES-256-GCM sealing of tenants' secrets, key rotation, and a Secret that never
// prints its value.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { Secret, type SecretKey } from '../../config/secret';
import { SecretBox, SecretBoxError, sealedKeyId } from '../../state/secret-box';

const key = (id: string): SecretKey => ({ id, key: new Secret(randomBytes(32)) });
const PLAIN = 'visitor-token-0123456789';
const CTX = 'tenant:acme:visitor_token';

describe('SecretBox', () => {
  it('round-trips a value, and the sealed text holds neither the value nor the key', () => {
    const k1 = key('k1');
    const box = new SecretBox([k1]);
    const sealed = box.seal(new Secret(PLAIN), CTX);
    assert.equal(box.open(sealed, CTX).reveal(), PLAIN);
    assert.ok(!sealed.includes(PLAIN));
    assert.ok(!sealed.includes(Buffer.from(PLAIN).toString('base64').slice(0, 12)));
    assert.ok(!sealed.includes(k1.key.reveal().toString('base64')));
    assert.equal(sealedKeyId(sealed), 'k1');
    // A fresh IV each time: the same value never seals to the same text.
    assert.notEqual(box.seal(new Secret(PLAIN), CTX), sealed);
  });

  it('rotates: the first key seals, every listed key opens, reseal moves old values to the new key', () => {
    const k1 = key('k1');
    const k2 = key('k2');
    const old = new SecretBox([k1]).seal(new Secret(PLAIN), CTX);
    const rotated = new SecretBox([k2, k1]);
    assert.equal(rotated.currentKeyId, 'k2');
    assert.equal(rotated.open(old, CTX).reveal(), PLAIN);
    const moved = rotated.reseal(old, CTX);
    assert.ok(moved);
    assert.equal(sealedKeyId(moved), 'k2');
    assert.equal(rotated.reseal(moved, CTX), undefined, 'already under the current key');
    // Once k1 is dropped, only the resealed value opens.
    const k2only = new SecretBox([k2]);
    assert.equal(k2only.open(moved, CTX).reveal(), PLAIN);
    assert.throws(
      () => k2only.open(old, CTX),
      /sealed with key "k1", which TENANT_SECRETS_KEYS does not list/,
    );
  });

  it('refuses a wrong key under the same id, another context, and tampered text — naming no value', () => {
    const box = new SecretBox([key('k1')]);
    const sealed = box.seal(new Secret(PLAIN), CTX);
    const check = (fn: () => unknown, pattern: RegExp) =>
      assert.throws(fn, (err: Error) => {
        assert.ok(err instanceof SecretBoxError);
        assert.match(err.message, pattern);
        assert.ok(!err.message.includes(PLAIN) && !err.message.includes(sealed));
        return true;
      });
    check(() => new SecretBox([key('k1')]).open(sealed, CTX), /does not open with key "k1"/);
    check(() => box.open(sealed, 'tenant:other:visitor_token'), /does not open/);
    const parts = sealed.split(':');
    const ct = Buffer.from(parts[4]!, 'base64');
    ct[0] = ct[0]! ^ 1;
    check(() => box.open([...parts.slice(0, 4), ct.toString('base64')].join(':'), CTX), /does not open/);
    const tag = Buffer.from(parts[3]!, 'base64');
    tag[5] = tag[5]! ^ 0x80;
    check(
      () => box.open([parts[0], parts[1], parts[2], tag.toString('base64'), parts[4]].join(':'), CTX),
      /does not open/,
    );
    check(() => box.open('plain text', CTX), /is not a sealed value/);
    // A tag cut short (a forgery needs only 2^32 tries at 4 bytes) is refused, even if it is a prefix of the right one.
    const short = Buffer.from(parts[3]!, 'base64').subarray(0, 4);
    check(
      () => box.open([parts[0], parts[1], parts[2], short.toString('base64'), parts[4]].join(':'), CTX),
      /does not open/,
    );
  });

  it('needs at least one key', () => {
    assert.throws(() => new SecretBox([]), /set TENANT_SECRETS_KEYS/);
  });
});

describe('Secret', () => {
  it('never prints its value: JSON, util.inspect, String(), templates, nested in objects and errors', () => {
    const s = new Secret(PLAIN);
    const holder = { tenant: 'acme', token: s, nested: [{ url: new Secret('postgres://u:pw@db/x') }] };
    const renderings = [
      JSON.stringify(s),
      JSON.stringify(holder),
      inspect(s),
      inspect(holder, { depth: 10, showHidden: true }),
      String(s),
      `${s}`,
      `${holder.token}`,
      s + '',
      new Error(`bad ${s}`).message,
      Object.keys(s).join(','),
    ];
    for (const r of renderings) {
      assert.ok(!r.includes(PLAIN), r);
      assert.ok(!r.includes('pw@'), r);
    }
    assert.equal(
      JSON.stringify(holder),
      '{"tenant":"acme","token":"[secret]","nested":[{"url":"[secret]"}]}',
    );
    assert.equal(String(s), '[secret]');
    assert.equal(s.reveal(), PLAIN);
  });

  it('a key list never prints its key bytes', () => {
    const k = key('k9');
    const rendered = inspect([k], { depth: 5 }) + JSON.stringify([k]);
    assert.ok(!rendered.includes(k.key.reveal().toString('base64')));
    assert.ok(!rendered.includes(k.key.reveal().toString('hex').slice(0, 16)));
  });
});
