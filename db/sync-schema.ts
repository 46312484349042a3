// Table types of the sync's own schema (`sync.*`), for kysely.
import type { ColumnType, Generated } from 'kysely';

export interface RunsTable {
  id: string;
  kind: string;
  status: string;
  workflow_id: string;
  started_by: Generated<string>;
  dry_run: Generated<boolean>;
  counts: ColumnType<Record<string, number>, string | undefined, string>;
  reason: string | null;
  started_at: Generated<Date>;
  finished_at: Date | null;
}

export interface SyncDatabase {
  'sync.runs': RunsTable;
}
