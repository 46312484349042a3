/** Small HTTP helpers: request bodies, SCIM JSON replies, ETag preconditions. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SCIM_CONTENT_TYPE } from '../../scim/wire';
import { badRequest, ScimHttpError, scimErrorBody } from './errors';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const MAX_BODY_BYTES = 32 * 1024 * 1024;

export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new ScimHttpError(413, undefined, 'Request body too large');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks, size).toString('utf8'));
  } catch {
    throw badRequest('invalidSyntax', 'Request body is not valid JSON');
  }
}

export function sendReply(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string | number> = { ...reply.headers };
  if (reply.body === undefined) {
    res.writeHead(reply.status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(reply.body);
  headers['content-type'] ??= `${SCIM_CONTENT_TYPE}; charset=utf-8`;
  headers['content-length'] = Buffer.byteLength(text);
  res.writeHead(reply.status, headers);
  res.end(text);
}

export function errorReply(status: number, scimType: ScimHttpError['scimType'], detail: string): Reply {
  return { status, body: scimErrorBody(status, scimType, detail) };
}

const opaque = (tag: string) => tag.trim().replace(/^W\//, '');

/** True when an `If-Match` / `If-None-Match` list names this ETag (weak comparison) or is `*`. */
export function etagMatches(header: string, etag: string): boolean {
  return header.split(',').some((t) => t.trim() === '*' || opaque(t) === opaque(etag));
}

/** RFC 7644 §3.14: a stale `If-Match` fails with 412 before anything changes. */
export function checkIfMatch(req: IncomingMessage, etag: string): void {
  const header = req.headers['if-match'];
  if (header !== undefined && !etagMatches(header, etag)) {
    throw new ScimHttpError(412, undefined, `If-Match ${header} does not match the current version ${etag}`);
  }
}
