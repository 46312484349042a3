// The transport-neutral request and response the handlers see: HTTP and /Bulk both produce them.
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
  baseUrl: string;
  maxResults: number;
  maxBodyBytes: number;
}
