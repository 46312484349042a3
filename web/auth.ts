// The page's token (LOG_PAGE_TOKEN): a script sends `Authorization: Bearer <token>`; a browser logs in
// once and carries a session cookie. The cookie holds an HMAC of the token, not the token, so it is
// void when the token changes. Comparisons are of equal-length digests with timingSafeEqual.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Secret } from '../config/secret';

export const SESSION_COOKIE = 'evs_log_session';
const SESSION_MAX_AGE_S = 12 * 3600;

const digest = (s: string) => createHash('sha256').update(s).digest();
const sameDigest = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

export class TokenGate {
  readonly #token: Secret<string> | undefined;

  constructor(token: Secret<string> | undefined) {
    this.#token = token;
  }

  /** Without a token (loopback only) every request is let in. */
  get required(): boolean {
    return this.#token !== undefined;
  }

  /** A correct token typed into the login form. */
  accepts(candidate: string): boolean {
    return this.#token !== undefined && sameDigest(candidate, this.#token.reveal());
  }

  allows(req: IncomingMessage): boolean {
    if (!this.#token) return true;
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (bearer) return this.accepts(bearer[1]!);
    const session = cookie(req, SESSION_COOKIE);
    return session !== undefined && sameDigest(session, this.#session());
  }

  /** Set-Cookie after a successful login: not readable by scripts, never sent cross-site. */
  sessionCookie(): string {
    return `${SESSION_COOKIE}=${this.#session()}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_MAX_AGE_S}`;
  }

  #session(): string {
    return createHmac('sha256', this.#token!.reveal()).update('evs-log-page-session-v1').digest('base64url');
  }
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Without a token the page trusts loopback, so it also refuses a Host header that is not loopback:
 * a web page cannot then reach it through a DNS name rebound to 127.0.0.1.
 */
export function loopbackHost(req: IncomingMessage): boolean {
  const host = (req.headers.host ?? '').toLowerCase();
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;
  return LOOPBACK_HOSTS.has(name);
}
