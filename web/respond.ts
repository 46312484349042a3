// How every response of the page leaves: security headers, no caching of data, JSON errors.
import type { ServerResponse } from 'node:http';
import { HttpError } from './http-error';

// No inline script or style anywhere: the page's own files only, no framing, forms post back here.
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function securityHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  // The log names people: no copy in a browser's or a proxy's cache.
  res.setHeader('Cache-Control', 'no-store');
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

export function sendError(res: ServerResponse, err: unknown, log: (m: string) => void): void {
  if (err instanceof HttpError) {
    if (!res.headersSent) sendJson(res, err.status, { error: err.message });
    else res.destroy();
    return;
  }
  log(`log page: ${(err as Error)?.stack ?? String(err)}`);
  // A failure after an export's first bytes: cut the download short rather than end it as if complete.
  if (res.headersSent) res.destroy();
  else sendJson(res, 500, { error: 'internal error (see the log page server log)' });
}
