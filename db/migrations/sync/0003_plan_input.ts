import type { Kysely } from 'kysely';

// What each user's state was planned from (the Engage row's digest and the planning context's), so a
// daily run can pass over users whose inputs are the same without reading or planning them again.
// Null = unknown (older state, or written by a path that does not vouch for it): planned as before.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.withSchema('sync').alterTable('users').addColumn('plan_input', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.withSchema('sync').alterTable('users').dropColumn('plan_input').execute();
}
