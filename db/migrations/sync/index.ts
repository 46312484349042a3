import type { Migration } from 'kysely';
import * as m0001 from './0001_runs';
import * as m0002 from './0002_sync_state';
import * as m0003 from './0003_plan_input';
import * as m0004 from './0004_deletion_guard';
import * as m0005 from './0005_run_pages_and_user_leases';
import * as m0006 from './0006_activity_fences';
import * as m0007 from './0007_decision_workflow_key';
import * as m0008 from './0008_visitor_rate_slots';
import * as m0009 from './0009_location_matches';
import * as m0010 from './0010_tenants';
import * as m0011 from './0011_alerts';
import * as m0012 from './0012_change_feed';

// Ordered by name; add new migrations here.
export const syncMigrations: Record<string, Migration> = {
  '0001_runs': m0001,
  '0002_sync_state': m0002,
  '0003_plan_input': m0003,
  '0004_deletion_guard': m0004,
  '0005_run_pages_and_user_leases': m0005,
  '0006_activity_fences': m0006,
  '0007_decision_workflow_key': m0007,
  '0008_visitor_rate_slots': m0008,
  '0009_location_matches': m0009,
  '0010_tenants': m0010,
  '0011_alerts': m0011,
  '0012_change_feed': m0012,
};
