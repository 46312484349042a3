// The Visitor users a dry run's creates are checked against, read once per run and worker: onboarding
// a company whose Visitor holds a few hundred users costs a few listing pages, not two look-ups for
// each of 100,000 Engage users (hours at a real Visitor's rate limit).
import type { Engine } from './engine';
import { shared } from './location-context';
import type { VisitorTarget } from './ports';

/** Past this many Visitor users, listing them all costs more than looking each create up. */
export const MAX_INDEXED_USERS = 50_000;
const PAGE_SIZE = 500;

export interface IndexedVisitorUser {
  id: string;
  externalId?: string | undefined;
}

export interface VisitorUserIndex {
  byExternalId: Map<string, IndexedVisitorUser>;
  /** By lower-cased userName (Visitor's userNames are case-insensitive). */
  byUserName: Map<string, IndexedVisitorUser>;
}

/** Every Visitor user by externalId and userName; null when there are too many to hold. */
export async function loadVisitorUserIndex(
  visitor: Pick<VisitorTarget, 'listUsers'>,
): Promise<VisitorUserIndex | null> {
  const index: VisitorUserIndex = { byExternalId: new Map(), byUserName: new Map() };
  for await (const page of visitor.listUsers({ pageSize: PAGE_SIZE })) {
    if (page.totalResults > MAX_INDEXED_USERS) return null;
    for (const u of page.resources) {
      const entry = { id: u.id, externalId: u.externalId };
      if (u.externalId) index.byExternalId.set(u.externalId, entry);
      index.byUserName.set(u.userName.toLowerCase(), entry);
    }
  }
  return index;
}

/** The run's index, shared by its pages on this worker (re-read after the engine's TTL). */
export function visitorUsersFor(engine: Engine, runId: string): Promise<VisitorUserIndex | null> {
  return engine.visitorUsers.get(runId, () => shared(() => loadVisitorUserIndex(engine.visitor)));
}
