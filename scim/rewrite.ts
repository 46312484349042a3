/**
 * An update for a target that cannot PATCH: read the resource, apply the operations to it
 * (scim/local-patch.ts), PUT it back whole. The PUT carries everything the target returned, attributes
 * the client does not model included (a PUT clears what it omits), less what the target sets itself.
 * With ETags, `If-Match` makes a writer in between a 412: the resource is read again and the change
 * applied to what that writer left. Re-applying operations that are already in place sends nothing,
 * so a retried attempt is idempotent.
 */
import { isDeepStrictEqual } from 'node:util';
import { VisitorPreconditionFailedError } from './errors';
import { applyPatchLocally } from './local-patch';
import type { PatchOperation } from './wire';

/** Read-modify-write rounds before a 412 is given up to the caller (whose own retries take over). */
export const MAX_REWRITE_ROUNDS = 4;

type Json = Record<string, unknown>;

export interface Rewritable<T extends Json> {
  /** The resource now; null when it is gone. */
  read(): Promise<T | null>;
  /** The resource as a PUT body: what the target sets itself (meta, …) left out. */
  body(resource: T): Json;
  put(body: Json, ifMatch: string | undefined): Promise<T>;
  gone(): Error;
}

export interface RewriteOptions {
  /** The caller's precondition: sent as is, and its 412 is the caller's (no second round). */
  ifMatch?: string | undefined;
  /** The target supports ETags: each PUT carries the version it was built from. */
  etag: boolean;
}

export async function rewrite<T extends Json & { meta?: { version?: string } }>(
  resource: Rewritable<T>,
  operations: readonly PatchOperation[],
  options: RewriteOptions,
): Promise<T> {
  for (let round = 1; ; round++) {
    const current = await resource.read();
    if (current === null) throw resource.gone();
    const before = resource.body(current);
    const after = applyPatchLocally(before, operations);
    if (isDeepStrictEqual(after, before)) return current;
    const ifMatch = options.ifMatch ?? (options.etag ? current.meta?.version : undefined);
    try {
      return await resource.put(after, ifMatch);
    } catch (err) {
      const again =
        err instanceof VisitorPreconditionFailedError &&
        options.ifMatch === undefined &&
        round < MAX_REWRITE_ROUNDS;
      if (!again) throw err;
    }
  }
}
