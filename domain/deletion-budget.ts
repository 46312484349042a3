// The deletion guard's rules, pure: an empty Engage never deletes anyone, and every path shares one
// budget of deletions per sliding window (a count, and a share of the provisioned users).

export interface DeletionThreshold {
  count: number;
  percent: number;
}

export interface BudgetUse {
  /** Deletions already reserved within the window (operator-approved ones excepted). */
  used: number;
  /** Users linked to Visitor now. */
  linked: number;
}

/** Why deletions must be refused outright, or null: an empty Engage looks like "everyone left". */
export function refuseReason(pending: number, engageActive: number): string | null {
  return pending > 0 && engageActive === 0
    ? `Engage returned no active users: ${pending} deletions refused (is the Engage database right?)`
    : null;
}

/**
 * The share of the provisioned users that `adding` more deletions would take within the window. The
 * users deleted earlier in the window count in the base too: the budget is of the window's start.
 */
export function budgetShare(use: BudgetUse, adding: number): number {
  const base = use.linked + use.used;
  return base > 0 ? ((use.used + adding) * 100) / base : 0;
}

/** Whether `adding` more deletions stay within the budget. */
export function budgetAllows(use: BudgetUse, adding: number, t: DeletionThreshold): boolean {
  return use.used + adding <= t.count && budgetShare(use, adding) <= t.percent;
}

/** The operator-facing reason for holding deletions past the budget. */
export function holdReason(use: BudgetUse, adding: number, t: DeletionThreshold, windowMs: number): string {
  const hours = Math.round(windowMs / 3_600_000);
  const earlier = use.used > 0 ? ` (after ${use.used} earlier in the window)` : '';
  return (
    `${adding} deletions${earlier} would take ${budgetShare(use, adding).toFixed(1)}% of ${use.linked + use.used} ` +
    `provisioned users within ${hours}h, past the budget of ${t.count} users or ${t.percent}%: approve or reject`
  );
}
