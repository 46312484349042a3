// Table types of the sync's own schema (`sync.*`), for kysely.
import type { ColumnType, Generated, JSONColumnType } from 'kysely';
import type { DesiredVisitorUser, Role } from '../domain/types';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface RunsTable {
  id: string;
  kind: string;
  status: string;
  workflow_id: string;
  started_by: Generated<string>;
  dry_run: Generated<boolean>;
  full: Generated<boolean>;
  counts: ColumnType<Record<string, number>, string | undefined, string>;
  reason: string | null;
  started_at: Generated<Date>;
  finished_at: Date | null;
}

export interface LocationsTable {
  engage_location_id: number;
  visitor_location_id: string;
  fingerprint: string;
  status: Generated<string>;
  created_at: Generated<Date>;
  updated_at: Timestamp;
}

/** An operator's decision on a Visitor location that existed before the sync (0009). */
export interface LocationMatchesTable {
  engage_location_id: number;
  decision: 'match' | 'separate';
  visitor_location_id: string | null;
  decided_by: string;
  decided_at: Generated<Date>;
}

export type InvitationStatus = 'none' | 'pending' | 'sent' | 'skipped' | 'cancelled' | 'disabled';

export interface UsersTable {
  engage_user_id: number;
  visitor_user_id: string | null;
  user_name: string;
  attributes: JSONColumnType<DesiredVisitorUser>;
  /** sha256 of the owned access set, stored once in sync.access_sets. */
  owned_access_digest: string;
  fingerprint: string;
  deprovisioned: Generated<boolean>;
  /** `<context digest>:<Engage row digest>` the state was planned from; null = unknown (re-plan). */
  plan_input: ColumnType<string | null, string | null | undefined, string | null>;
  invitation_status: ColumnType<InvitationStatus, InvitationStatus | undefined, InvitationStatus>;
  invitation_run_id: string | null;
  invitation_due_at: Date | null;
  invitation_sent_at: Date | null;
  created_by_run: string | null;
  last_run_id: string | null;
  created_at: Generated<Date>;
  updated_at: Timestamp;
}

export interface AccessSetsTable {
  digest: string;
  access: JSONColumnType<Record<string, Role>>;
  created_at: Generated<Date>;
}

export interface UserFailuresTable {
  engage_user_id: number;
  codes: string[];
  detail: JSONColumnType<Record<string, unknown>>;
  failure_count: Generated<number>;
  first_failed_at: Generated<Date>;
  last_failed_at: Timestamp;
  next_attempt_at: Timestamp;
  last_run_id: string;
}

export interface PendingDeletionsTable {
  run_id: string;
  engage_user_id: number;
  visitor_user_id: string;
  mode: string;
  reason: string;
  status: ColumnType<string, string | undefined, string>;
  created_at: Generated<Date>;
}

export interface DeletionLedgerTable {
  run_id: string;
  engage_user_id: number;
  path: string;
  reserved_at: ColumnType<Date, Date | undefined, Date>;
}

export interface DeletionDecisionsTable {
  id: Generated<string>;
  status: ColumnType<string, string | undefined, string>;
  reason: string;
  opened_at: ColumnType<Date, Date | undefined, Date>;
  expires_at: Date;
  decided_by: string | null;
  decided_at: Date | null;
  workflow_key: ColumnType<string, string | undefined, string>;
}

export interface HeldDeletionsTable {
  engage_user_id: number;
  decision_id: string | number;
  visitor_user_id: string;
  mode: string;
  reason: string;
  held_by_run: string;
  held_at: ColumnType<Date, Date | undefined, Date>;
}

export interface LogTable {
  id: Generated<string>;
  run_id: string;
  object_type: 'user' | 'location' | 'run';
  engage_id: number | null;
  visitor_id: string | null;
  user_name: string | null;
  action: string;
  outcome: string;
  attributes: string[] | null;
  detail: JSONColumnType<Record<string, unknown>> | null;
  duration_ms: number | null;
  at: Generated<Date>;
}

/** The attempt that may write a thing to Visitor (engine/attempt-fence.ts). */
export interface ActivityFencesTable {
  key: string;
  token: ColumnType<string, string | number, string | number>;
  claimed_at: Generated<Date>;
}

/** How many users a page's range held, recorded by the attempt that finished it (engine/run-counts.ts). */
export interface RunPagesTable {
  run_id: string;
  after_id: number;
  processed: number;
  recorded_at: Generated<Date>;
}

/** Who may act on one user now (engine/user-lease.ts). */
export interface UserLeasesTable {
  engage_user_id: number;
  holder: string;
  expires_at: Timestamp;
}

export interface SyncDatabase {
  'sync.runs': RunsTable;
  'sync.locations': LocationsTable;
  'sync.location_matches': LocationMatchesTable;
  'sync.users': UsersTable;
  'sync.access_sets': AccessSetsTable;
  'sync.user_failures': UserFailuresTable;
  'sync.pending_deletions': PendingDeletionsTable;
  'sync.log': LogTable;
  'sync.deletion_ledger': DeletionLedgerTable;
  'sync.deletion_decisions': DeletionDecisionsTable;
  'sync.held_deletions': HeldDeletionsTable;
  'sync.activity_fences': ActivityFencesTable;
  'sync.visitor_rate_slots': VisitorRateSlotsTable;
  'sync.run_pages': RunPagesTable;
  'sync.user_leases': UserLeasesTable;
  'sync.tenants': TenantsTable;
  'sync.alerts_sent': AlertsSentTable;
  'sync.change_feed': ChangeFeedTable;
}

/** The shared slot book of one Visitor company (scim/pacer.ts). */
export interface VisitorRateSlotsTable {
  key: string;
  next_at: ColumnType<Date, Date | undefined, Date>;
}

/** One company the deployment serves (0010); secrets sealed by state/secret-box.ts. */
export interface TenantsTable {
  id: string;
  display_name: string;
  engage_kind: 'database' | 'schema';
  engage_database_url_sealed: string | null;
  engage_schema: string | null;
  visitor_scim_url: string;
  visitor_token_sealed: string | null;
  options: ColumnType<Record<string, unknown>, string | undefined, string>;
  schedule_time: string;
  schedule_time_zone: string;
  /** bigint: node-postgres returns it as a string. */
  schedule_interval_ms: ColumnType<string, number, number>;
  schedule_jitter_ms: number;
  state: ColumnType<TenantStateName, TenantStateName | undefined, TenantStateName>;
  state_note: string | null;
  created_at: Generated<Date>;
  updated_at: Timestamp;
  offboarded_at: Date | null;
  purge_after: Date | null;
  secrets_purged_at: Date | null;
}

export type TenantStateName = 'onboarding' | 'active' | 'paused' | 'offboarded';

export type AlertSendStatus = 'claimed' | 'sent' | 'failed';

/** An alert claimed or sent by the webhook alerter (0011), shared by every worker; tenant '' = configured. */
export interface AlertsSentTable {
  tenant: ColumnType<string, string | undefined, string>;
  key: string;
  status: ColumnType<AlertSendStatus, AlertSendStatus | undefined, AlertSendStatus>;
  claimed_at: ColumnType<Date, Date | undefined, Date>;
  sent_at: Date | null;
  attempts: ColumnType<number, number | undefined, number>;
}

/** The Engage change feed's state (0012), one row per company. */
export interface ChangeFeedTable {
  id: ColumnType<number, number | undefined, never>;
  users_watermark: Date | null;
  locations_watermark: Date | null;
  bulk_requested_at: Date | null;
  floor: Date | null;
  caught_up_to: Date | null;
  holder: string | null;
  lease_until: Date | null;
  polled_at: Date | null;
}
