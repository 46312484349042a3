/**
 * What the Visitor requests made inside a piece of work share without passing it through every
 * call: their lane (a per-user change goes ahead of bulk page traffic under the same rate limit)
 * and the signal that abandons them (a cancelled or timed-out activity stops waiting for its turn).
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** 'event': one user's change, now (Engage SCIM API, `sync user`); 'bulk': a run's pages and batches. */
export type RequestLane = 'event' | 'bulk';

export interface RequestContext {
  lane: RequestLane;
  signal?: AbortSignal | undefined;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `work` with its Visitor requests in `context` (nested calls see the innermost one). */
export function withRequestContext<T>(context: RequestContext, work: () => T): T {
  return storage.run(context, work);
}

/** The context of the current work; bulk with no signal outside any. */
export function currentRequestContext(): RequestContext {
  return storage.getStore() ?? { lane: 'bulk' };
}
