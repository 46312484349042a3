// `sync user <who>`: an Engage id, or a user name or e-mail, resolved to the one Engage user it names.
// Engage is asked first (the configured company's database); the sync's own record of provisioned users
// answers for a tenant, whose Engage source the CLI does not open.
import { type Kysely, sql } from 'kysely';
import { createDb } from '../../db/connect';
import type { EngageDatabase } from '../../db/engage-schema';
import { UsageError } from '../args';
import { type CliContext, CliError } from '../context';

const MAX_ID = 2_147_483_647;

/** The Engage ids whose user name or e-mail is `who` (case-insensitive), live users first. */
export async function engageIdsByIdentity(db: Kysely<EngageDatabase>, who: string): Promise<number[]> {
  const rows = await db
    .selectFrom('engage.users')
    .select('id')
    .where((eb) =>
      eb.or([
        eb(sql`lower(username)`, '=', who.toLowerCase()),
        eb(sql`lower(email)`, '=', who.toLowerCase()),
      ]),
    )
    .orderBy(sql`deleted_at IS NULL`, 'desc')
    .orderBy('id')
    .limit(10)
    .execute();
  return rows.map((r) => r.id);
}

export type UserArg = { id: number } | { identity: string };

/** The argument's form, checked before anything is opened: an id in range, or a name without spaces. */
export function parseUserArg(raw: string): UserArg {
  const who = raw.trim();
  if (/^\d+$/.test(who)) {
    const id = Number(who);
    if (id < 1 || id > MAX_ID) throw new UsageError(`<user>: ${who} is not an Engage user id (1–${MAX_ID})`);
    return { id };
  }
  if (!who || /\s/.test(who) || who.length > 320)
    throw new UsageError(
      `<user>: give an Engage id, a user name or an e-mail (no spaces, at most 320 characters), got ${JSON.stringify(raw.slice(0, 80))}`,
    );
  return { identity: who };
}

/** The one Engage id the argument names; a name matching none or several is an error. */
export async function resolveUser(ctx: CliContext, arg: UserArg): Promise<number> {
  if ('id' in arg) return arg.id;
  const who = arg.identity;
  let ids: number[] = [];
  if (!ctx.tenant) {
    const engage = createDb<EngageDatabase>({
      url: ctx.config.engageDatabase.url,
      poolSize: 1,
      applicationName: 'evs-cli',
    });
    try {
      ids = await engageIdsByIdentity(engage, who);
    } finally {
      await engage.destroy();
    }
  }
  if (ids.length === 0) {
    const rows = await ctx
      .db()
      .selectFrom('sync.users')
      .select('engage_user_id')
      .where(sql`lower(user_name)`, '=', who.toLowerCase())
      .orderBy('engage_user_id')
      .limit(10)
      .execute();
    ids = rows.map((r) => r.engage_user_id);
  }
  if (ids.length === 0)
    throw new CliError(
      `no Engage user has the user name or e-mail "${who}"${ctx.tenant ? ` among tenant ${ctx.tenant.id}'s provisioned users (give its Engage id)` : ''}`,
    );
  if (ids.length > 1)
    throw new CliError(
      `"${who}" names ${ids.length === 10 ? '10 or more' : ids.length} Engage users (ids ${ids.join(', ')}): give the Engage id`,
    );
  return ids[0]!;
}
