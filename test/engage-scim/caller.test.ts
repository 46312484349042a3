// engage-scim/auth/caller.ts: one rate-limit key per caller, however its address is spelled.
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { callerKey, trustedProxies } from '../../engage-scim/auth/caller';

const req = (remoteAddress: string, xff?: string) =>
  ({
    socket: { remoteAddress },
    headers: xff ? { 'x-forwarded-for': xff } : {},
  }) as unknown as IncomingMessage;

describe('callerKey', () => {
  it('keys IPv4 by address and IPv6 by its /64', () => {
    assert.equal(callerKey(req('203.0.113.7')), '203.0.113.7');
    assert.equal(callerKey(req('2001:db8:1:2:3:4:5:6')), '2001:db8:1:2::/64');
    assert.equal(callerKey(req('2001:db8::1')), '2001:db8:0:0::/64');
  });

  it('an IPv4 address inside IPv6 is that IPv4 address, in any spelling (mapped, NAT64)', () => {
    for (const a of [
      '::ffff:203.0.113.7',
      '0:0:0:0:0:ffff:203.0.113.7',
      '::ffff:cb00:7107',
      '64:ff9b::203.0.113.7',
    ])
      assert.equal(callerKey(req(a)), '203.0.113.7', a);
    assert.notEqual(callerKey(req('64:ff9b::198.51.100.1')), callerKey(req('64:ff9b::203.0.113.7')));
  });

  it("a trusted proxy's hop with a port is still the client's address", () => {
    const proxies = trustedProxies(['10.0.0.0/8']);
    assert.equal(callerKey(req('10.0.0.1', '203.0.113.7:51234'), proxies), '203.0.113.7');
    assert.equal(callerKey(req('10.0.0.1', '[2001:db8:9::1]:443'), proxies), '2001:db8:9:0::/64');
    // Not from a trusted proxy: the header is ignored.
    assert.equal(callerKey(req('192.0.2.9', '203.0.113.7'), proxies), '192.0.2.9');
  });
});
