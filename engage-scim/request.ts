// The transport-neutral request and response the handlers see: HTTP and /Bulk both produce them.
import type { Scope } from './auth/scopes';
import type { Obj } from './resource-json';

export interface ScimRequest {
  method: string;
  /** Path below the base path, e.g. "/Users/12". */
  path: string;
  query: URLSearchParams;
  body: unknown;
  ifMatch?: string;
  ifNoneMatch?: string;
}

export interface ScimResponse {
  status: number;
  body?: Obj;
  headers?: Record<string, string>;
}

export interface ScimContext {
  /** From configuration only (ENGAGE_SCIM_PUBLIC_URL, else the listening address), never the request. */
  baseUrl: string;
  maxResults: number;
  maxBodyBytes: number;
  /** What the authenticated client may do. */
  scopes: ReadonlySet<Scope>;
  /** Server-side log for unexpected errors a response must not show (a bulk operation's 500). */
  log: (message: string, err?: unknown) => void;
}
