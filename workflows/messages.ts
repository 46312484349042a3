// Signals, queries and updates: how operators and other workflows talk to running workflows.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { DecisionStatus, DeletionDecision, InvitationsInput, RunProgress } from './types';

export const progressQuery = defineQuery<RunProgress>('progress');
/** Ask a run to stop after the pages in flight; nothing is left half-done. */
export const stopRunSignal = defineSignal<[{ by: string; reason?: string }]>('stop');
/**
 * Operator decision on deletions held back by the deletion budget: sent to the pending decision's
 * workflow (and, for runs recorded before the guard, to the run waiting for it).
 */
export const decideDeletionsUpdate = defineUpdate<{ accepted: boolean; pending: number }, [DeletionDecision]>(
  'decideDeletions',
);

/** A change to this user arrived (Engage SCIM, CLI): provision again after the current pass. */
export const userChangedSignal = defineSignal<[{ source: string }]>('userChanged');

export const releaseInvitationsSignal = defineSignal<[{ by: string }]>('releaseInvitations');
export const cancelInvitationsSignal = defineSignal<[{ by: string }]>('cancelInvitations');
export const invitationsStatusQuery = defineQuery<
  InvitationsInput & {
    state: 'waiting' | 'sending' | 'done';
    sent: number;
    skipped: number;
    cancelled: number;
  }
>('invitationsStatus');

export const decisionStatusQuery = defineQuery<DecisionStatus>('decisionStatus');
