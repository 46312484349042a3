// In-memory DeletionGuardStore for engine tests; state/deletion-guard.ts is tested over PostgreSQL
// against the same behaviour (test/state/deletion-guard.test.ts).
import type {
  BudgetUse,
  DecisionStatus,
  DeletionDecision,
  DeletionGuardStore,
  DeletionPath,
  HeldDeletion,
} from '../../engine/deletion-guard-port';
import type { Clock, PendingDeletion } from '../../engine/ports';
import type { FakeStore } from './fakes';

interface LedgerRow {
  runId: string;
  engageUserId: number;
  path: DeletionPath;
  at: number;
}

export class FakeDeletionGuard implements DeletionGuardStore {
  ledger: LedgerRow[] = [];
  decisions: DeletionDecision[] = [];
  held = new Map<number, HeldDeletion & { decisionId: number; heldAt: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly store: FakeStore,
  ) {}

  async budgetUse(since: Date): Promise<BudgetUse> {
    const used = new Set(
      this.ledger.filter((r) => r.path !== 'approved' && r.at >= since.getTime()).map((r) => r.engageUserId),
    ).size;
    return { used, linked: await this.store.countLinkedUsers() };
  }

  async reserve(r: {
    runId: string;
    engageUserIds: readonly number[];
    path: DeletionPath;
    since: Date;
    allow: (use: BudgetUse, adding: number) => boolean;
  }) {
    const fresh = r.engageUserIds.filter(
      (id) => !this.ledger.some((l) => l.runId === r.runId && l.engageUserId === id),
    );
    const use = await this.budgetUse(r.since);
    if (fresh.length > 0 && !r.allow(use, fresh.length)) return { ok: false, use };
    const at = this.clock.now();
    for (const id of fresh) this.ledger.push({ runId: r.runId, engageUserId: id, path: r.path, at });
    return { ok: true, use };
  }

  async hold(r: { runId: string; deletions: readonly PendingDeletion[]; reason: string; expiresAt: Date }) {
    let d = this.decisions.find((x) => x.status === 'pending');
    const opened = !d;
    if (!d) {
      d = {
        id: this.decisions.length + 1,
        status: 'pending',
        openedAt: new Date(this.clock.now()),
        expiresAt: r.expiresAt,
        held: 0,
        reason: r.reason,
        decidedBy: null,
        decidedAt: null,
        workflowId: `deletion-decision-${this.decisions.length + 1}-fake`,
      };
      this.decisions.push(d);
    }
    for (const p of r.deletions) {
      this.held.set(p.engage_user_id, {
        decisionId: d.id,
        engageUserId: p.engage_user_id,
        visitorUserId: p.visitor_user_id,
        mode: p.mode as 'delete' | 'deactivate',
        reason: p.reason,
        heldByRun: r.runId,
        heldAt: this.clock.now(),
      });
      for (const s of this.store.deletions)
        if (s.run_id === r.runId && s.engage_user_id === p.engage_user_id) s.status = 'held';
    }
    d.held = this.countHeld(d.id);
    return { ...d, opened };
  }

  async whichHeld(ids: readonly number[]) {
    return new Set(ids.filter((id) => this.held.has(id)));
  }

  async dropHeld(ids: readonly number[]) {
    let n = 0;
    for (const id of ids) if (this.held.delete(id)) n++;
    for (const d of this.decisions) d.held = this.countHeld(d.id);
    return n;
  }

  async pendingDecision() {
    const d = this.decisions.find((x) => x.status === 'pending');
    return d ? { ...d } : undefined;
  }

  async decision(id: number) {
    const d = this.decisions.find((x) => x.id === id);
    return d ? { ...d } : undefined;
  }

  async heldDeletions(decisionId: number, limit: number) {
    return [...this.held.values()]
      .filter((h) => h.decisionId === decisionId)
      .sort((a, b) => a.engageUserId - b.engageUserId)
      .slice(0, limit)
      .map(({ decisionId: _, heldAt: __, ...h }) => h);
  }

  async releaseHeld(decisionId: number, engageUserId: number, outcome: 'applied' | 'stale') {
    const h = this.held.get(engageUserId);
    if (!h || h.decisionId !== decisionId) return;
    this.held.delete(engageUserId);
    if (outcome === 'applied')
      this.ledger.push({
        runId: `decision-${decisionId}`,
        engageUserId,
        path: 'approved',
        at: this.clock.now(),
      });
    const d = this.decisions.find((x) => x.id === decisionId);
    if (d) d.held = this.countHeld(decisionId);
  }

  async countHeldByRun(runId: string) {
    const pending = this.decisions.find((x) => x.status === 'pending');
    return [...this.held.values()].filter((h) => h.heldByRun === runId && h.decisionId === pending?.id)
      .length;
  }

  async beginApplying(id: number, r: { by: string; approvedAt: Date; successorExpiresAt: Date }) {
    const d = this.decisions.find((x) => x.id === id);
    if (d?.status === 'pending') {
      d.status = 'applying';
      d.decidedBy = r.by;
      d.decidedAt = r.approvedAt;
      const late = [...this.held.values()].filter(
        (h) => h.decisionId === id && h.heldAt > r.approvedAt.getTime(),
      );
      if (late.length > 0) {
        const next: DeletionDecision = {
          ...d,
          id: this.decisions.length + 1,
          status: 'pending',
          openedAt: new Date(this.clock.now()),
          expiresAt: r.successorExpiresAt,
          decidedBy: null,
          decidedAt: null,
          workflowId: `deletion-decision-${this.decisions.length + 1}-fake`,
        };
        this.decisions.push(next);
        for (const h of late) h.decisionId = next.id;
        next.held = this.countHeld(next.id);
        d.held = this.countHeld(id);
      }
    }
    const pending = this.decisions.find((x) => x.status === 'pending');
    return {
      applying: d?.status === 'applying',
      successor: pending ? { ...pending } : undefined,
    };
  }

  async closeDecision(id: number, status: Exclude<DecisionStatus, 'pending' | 'applying'>, by: string) {
    const d = this.decisions.find((x) => x.id === id);
    if (d?.status !== 'pending' && d?.status !== 'applying')
      return { closed: d?.status === status, dropped: 0 };
    d.status = status;
    d.decidedBy = by;
    d.decidedAt = new Date(this.clock.now());
    let dropped = 0;
    for (const [k, h] of this.held)
      if (h.decisionId === id) {
        this.held.delete(k);
        dropped++;
      }
    return { closed: true, dropped };
  }

  private countHeld(decisionId: number): number {
    return [...this.held.values()].filter((h) => h.decisionId === decisionId).length;
  }
}
