/** What a SCIM route handler gets: the parsed request and the emulator's state. */
import type { IncomingMessage } from 'node:http';
import type { Reply } from './http';
import type { VisitorStore } from './store';

export interface ScimContext {
  req: IncomingMessage;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed JSON body of POST / PUT / PATCH (undefined when empty). */
  body: unknown;
  store: VisitorStore;
  /** e.g. http://127.0.0.1:8790/scim/v1 — used for meta.location and Location headers. */
  baseUrl: string;
  maxPageSize: number;
  /** Listings refuse a startIndex above this (`400 tooMany`); undefined = no cap. */
  maxListOffset: number | undefined;
  /** false: PATCH answers 501 and /ServiceProviderConfig says so (a target that may not PATCH). */
  patchSupported: boolean;
  /** Absolute URL of the contract the emulator serves (/ServiceProviderConfig documentationUri). */
  documentationUri: string;
  now: string;
}

export type ScimHandler = (ctx: ScimContext) => Reply | Promise<Reply>;
