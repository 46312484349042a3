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

/** "::ffff:127.0.0.2" → "127.0.0.2"; "[::1]" → "::1". */
function plain(address: string): string {
  const a = address.replace(/^\[(.*)\]$/, '$1');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  return mapped ? mapped[1]! : a;
}

function ipv6Prefix64(address: string): string {
  const [head = '', tail] = address.split('%')[0]!.split('::');
  const left = head ? head.split(':') : [];
  const right = tail === undefined ? [] : tail ? tail.split(':') : [];
  // A trailing dotted IPv4 part ("64:ff9b::192.0.2.1") stands for two groups.
  const dotted = [...left, ...right].at(-1)?.includes('.') ? 1 : 0;
  const missing = Math.max(0, 8 - left.length - right.length - dotted);
  const groups = [...left, ...Array(missing).fill('0'), ...right];
  return groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':');
}
