// Who is calling, for rate limits that must hold before any credential is checked: the socket's
// remote address. X-Forwarded-For is believed only from configured proxies (anyone can send the
// header), reading right to left past them. IPv6 callers are keyed by their /64, which one host
// usually holds whole.
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

export interface TrustedProxies {
  has(address: string): boolean;
}

/** "10.0.0.0/8, 127.0.0.1, ::1" → a matcher; throws on an entry that is not an address or subnet. */
export function trustedProxies(list: readonly string[]): TrustedProxies {
  const block = new BlockList();
  for (const raw of list) {
    const entry = raw.trim();
    if (!entry) continue;
    const [address = '', bits] = entry.split('/');
    const family = isIP(address);
    if (family === 0) throw new Error(`not an IP address or subnet: "${entry}"`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) block.addAddress(address, type);
    else {
      const prefix = Number(bits);
      if (!/^\d{1,3}$/.test(bits) || prefix > (family === 4 ? 32 : 128)) {
        throw new Error(`not an IP address or subnet: "${entry}"`);
      }
      block.addSubnet(address, prefix, type);
    }
  }
  return {
    has: (address) => {
      const family = isIP(address);
      return family !== 0 && block.check(address, family === 4 ? 'ipv4' : 'ipv6');
    },
  };
}

const NONE: TrustedProxies = { has: () => false };

/** The rate-limit key of the request's caller. */
export function callerKey(req: IncomingMessage, proxies: TrustedProxies = NONE): string {
  let address = plain(req.socket.remoteAddress ?? '');
  if (proxies.has(address)) {
    const hops = String(req.headers['x-forwarded-for'] ?? '')
      .split(',')
      .map((h) => plain(h.trim()))
      .filter(Boolean);
    // The nearest hop a trusted proxy saw; a malformed one keeps the last proxy's address.
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!;
      if (isIP(hop) === 0) break;
      address = hop;
      if (!proxies.has(hop)) break;
    }
  }
  return isIP(address) === 6 ? `${ipv6Prefix64(address)}::/64` : address;
}

/**
 * One spelling per caller: a hop's port dropped ("203.0.113.7:51234", "[2001:db8::1]:443"), and an
 * IPv4 address inside IPv6 (mapped "::ffff:…" in any spelling, NAT64 "64:ff9b::/96") as that IPv4
 * address — or every such client would share one IPv6 /64 bucket.
 */
function plain(address: string): string {
  let a = address.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(a);
  if (bracketed) a = bracketed[1]!;
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(a)) a = a.slice(0, a.lastIndexOf(':'));
  if (isIP(a) !== 6) return a;
  const g = ipv6Groups(a);
  const zero = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  const mapped = zero(0, 5) && g[5] === 0xffff;
  const nat64 = g[0] === 0x64 && g[1] === 0xff9b && zero(2, 6);
  return mapped || nat64 ? `${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}` : a;
}

/** The eight 16-bit groups of an IPv6 address (a zone dropped, a dotted IPv4 tail as two groups). */
function ipv6Groups(address: string): number[] {
  const [head = '', tail] = address.split('%')[0]!.split('::');
  const part = (s: string) =>
    s
      ? s.split(':').flatMap((x) => {
          if (!x.includes('.')) return [Number.parseInt(x, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = x.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        })
      : [];
  const left = part(head);
  const right = tail === undefined ? [] : part(tail);
  return [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill(0), ...right];
}

function ipv6Prefix64(address: string): string {
  return ipv6Groups(address)
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':');
}
