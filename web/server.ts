// The provisioning-log page's HTTP server (node:http): routes, the token gate and the login form.
// Read-only: it serves the page's files and answers GETs from the sync database.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Db } from '../clients/runs';
import type { Secret } from '../config/secret';
import { listen } from '../observability/listen';
import { companiesEndpoint, exportEndpoint, logEndpoint, overviewEndpoint } from './api';
import { ASSETS, loginPage } from './assets';
import { loopbackHost, TokenGate } from './auth';
import { HttpError } from './http-error';
import { securityHeaders, sendError } from './respond';

export interface LogPageOptions {
  db: Db;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Required unless host is loopback (config/service.ts refuses it too). */
  token?: Secret<string>;
  log?: (msg: string) => void;
  now?: () => Date;
}

export interface LogPage {
  port: number;
  url: string;
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void;

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const MAX_LOGIN_BODY = 4096;

export async function startLogPage(o: LogPageOptions): Promise<LogPage> {
  if (!o.token && !LOOPBACK.has(o.host))
    throw new Error(`the log page needs a token (LOG_PAGE_TOKEN) to listen on ${o.host}`);
  const gate = new TokenGate(o.token);
  const log = o.log ?? console.error;
  const now = o.now ?? (() => new Date());

  const asset =
    (path: string): Handler =>
    (_req, res) => {
      const a = ASSETS[path]!;
      res.writeHead(200, { 'Content-Type': a.type }).end(a.body);
    };
  // Routes that need no token: the login form and the files it uses (no data in them).
  const open: Record<string, Handler> = {
    'GET /login': (_req, res) => sendLogin(res, 200, false),
    'POST /login': (req, res) => login(req, res, gate),
    'GET /style.css': asset('/style.css'),
    'GET /app.js': asset('/app.js'),
    'GET /favicon.ico': (_req, res) => void res.writeHead(204).end(),
  };
  const guarded: Record<string, Handler> = {
    'GET /': asset('/'),
    'GET /api/companies': (_req, res, url) => companiesEndpoint(o.db, url, res),
    'GET /api/overview': (_req, res, url) => overviewEndpoint(o.db, url, res),
    'GET /api/log': (_req, res, url) => logEndpoint(o.db, url, res),
    'GET /export/log.csv': (_req, res, url) => exportEndpoint(o.db, url, res, 'csv', now()),
    'GET /export/log.json': (_req, res, url) => exportEndpoint(o.db, url, res, 'json', now()),
  };
  const paths = new Set([...Object.keys(open), ...Object.keys(guarded)].map((k) => k.split(' ')[1]));

  const server = http.createServer(async (req, res) => {
    securityHeaders(res);
    try {
      if (!gate.required && !loopbackHost(req))
        throw new HttpError(421, 'this page answers to 127.0.0.1 or localhost only (no token is configured)');
      const url = new URL(req.url ?? '/', 'http://log-page.invalid');
      const key = `${req.method} ${url.pathname}`;
      const openHandler = open[key];
      if (openHandler) return await openHandler(req, res, url);
      const handler = guarded[key];
      if (!handler) {
        if (paths.has(url.pathname)) throw new HttpError(405, `${req.method} is not allowed here: GET only`);
        throw new HttpError(404, `not found: ${url.pathname.slice(0, 100)}`);
      }
      if (!gate.allows(req)) {
        // A browser asking for the page gets the login form; a script gets the reason.
        if (url.pathname === '/') return sendLogin(res, 401, false);
        throw new HttpError(
          401,
          'a token is required: Authorization: Bearer <LOG_PAGE_TOKEN>, or log in at /login',
        );
      }
      await handler(req, res, url);
    } catch (err) {
      sendError(res, err, log);
    }
  });
  const port = await listen(server, o.port, o.host);
  const shown = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    port,
    url: `http://${shown}:${port}/`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function sendLogin(res: ServerResponse, status: number, failed: boolean): void {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8' }).end(loginPage(failed));
}

/** POST /login (a form's token=…): the session cookie and back to the page, or the form again. */
async function login(req: IncomingMessage, res: ServerResponse, gate: TokenGate): Promise<void> {
  if (!gate.required) {
    res.writeHead(303, { Location: '/' }).end();
    return;
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded')
    throw new HttpError(415, 'login: send the form as application/x-www-form-urlencoded');
  const body = await readBody(req, MAX_LOGIN_BODY);
  const token = new URLSearchParams(body).get('token') ?? '';
  if (!gate.accepts(token)) return sendLogin(res, 401, true);
  res.writeHead(303, { Location: '/', 'Set-Cookie': gate.sessionCookie() }).end();
}

async function readBody(req: IncomingMessage, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) throw new HttpError(413, `login: the form is larger than ${max} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
