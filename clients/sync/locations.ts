// `locations …`: the operator's say on Visitor locations that existed before the sync (the HQ,
// Visitor's default). A run proposes a match and holds that Engage location until one is recorded here.
import { sql } from 'kysely';
import { LocationMatches, LocationMatchTakenError } from '../../state/location-matches';
import { positiveInt, runIdArg, UsageError } from '../args';
import type { Command } from '../command';
import { type CliContext, CliError } from '../context';
import { formatTime, table } from '../format';

const engageIdPositional = {
  name: 'engageLocationId',
  required: true,
  description: 'the Engage location id',
};

/** Visitor ids are opaque; refuse what cannot be one (a pasted line, a name). */
function visitorIdArg(value: string): string {
  if (!/^[\w.:@-]{1,255}$/.test(value))
    throw new UsageError(
      `<visitorLocationId> must be a Visitor location id (letters, digits, . _ : @ -), got "${value}"`,
    );
  return value;
}

interface ProposalRow {
  engage_id: number;
  visitor_id: string | null;
  run_id: string;
  outcome: string;
  detail: Record<string, unknown> | null;
  at: Date;
}

/**
 * The latest proposal per Engage location not linked since (an ambiguous one has no visitor id, only
 * candidates); `decided` too keeps those an operator answered already.
 */
async function openProposals(
  ctx: CliContext,
  o: { runId?: string; decided?: boolean } = {},
): Promise<ProposalRow[]> {
  const db = ctx.db();
  const rows = await sql<ProposalRow>`
    SELECT DISTINCT ON (l.engage_id) l.engage_id, l.visitor_id, l.run_id, l.outcome, l.detail, l.at
    FROM ${sql.table('sync.log')} l
    WHERE l.object_type = 'location' AND l.action = 'propose-match'
      ${o.runId ? sql`AND l.run_id = ${o.runId}` : sql``}
      ${o.decided ? sql`` : sql`AND NOT EXISTS (SELECT 1 FROM ${sql.table('sync.location_matches')} m WHERE m.engage_location_id = l.engage_id)`}
      AND NOT EXISTS (SELECT 1 FROM ${sql.table('sync.locations')} k WHERE k.engage_location_id = l.engage_id AND k.status = 'linked')
    ORDER BY l.engage_id, l.at DESC, l.id DESC`.execute(db);
  return rows.rows;
}

/** A match is for a location not in Visitor yet: one linked already is that site. */
async function refuseLinked(ctx: CliContext, engageLocationId: number): Promise<void> {
  const link = await ctx
    .db()
    .selectFrom('sync.locations')
    .select('visitor_location_id')
    .where('engage_location_id', '=', engageLocationId)
    .where('status', '=', 'linked')
    .executeTakeFirst();
  if (link)
    throw new CliError(
      `Engage location ${engageLocationId} is Visitor location ${link.visitor_location_id} already (linked by an earlier run)`,
    );
}

async function decide(
  ctx: CliContext,
  engageLocationId: number,
  decision: 'match' | 'separate',
  visitorLocationId: string | null,
): Promise<void> {
  try {
    await new LocationMatches(ctx.db()).decide({
      engageLocationId,
      decision,
      visitorLocationId,
      decidedBy: ctx.actor,
    });
  } catch (err) {
    if (err instanceof LocationMatchTakenError) throw new CliError(err.message);
    throw err;
  }
}

const NEXT_RUN = 'It applies in the next run (npm run sync -- initial, or the daily schedule).';

export const locationsListCommand: Command = {
  spec: {
    name: 'locations',
    summary: 'List location match decisions and the proposals waiting for one.',
  },
  async run(_p, getCtx) {
    const ctx = getCtx();
    const decisions = [...(await new LocationMatches(ctx.db()).all()).values()];
    const proposals = await openProposals(ctx);
    if (decisions.length === 0 && proposals.length === 0) {
      console.log('No location match decisions, and no proposal waiting for one.');
      return 0;
    }
    if (proposals.length > 0) {
      console.log(
        `Waiting for a decision (${proposals.length}) — these Engage locations are not created until then:`,
      );
      console.log(
        table(proposals, [
          { header: 'engage id', value: (r) => String(r.engage_id), align: 'right' },
          {
            header: 'visitor location',
            value: (r) => r.visitor_id ?? `one of ${((r.detail?.candidates as string[]) ?? []).join(', ')}`,
          },
          { header: 'why', value: (r) => String(r.detail?.reason ?? ''), max: 70 },
          { header: 'proposed by', value: (r) => r.run_id },
        ]),
      );
      console.log(
        '  confirm: npm run sync -- locations match <engageId> <visitorId>   (all of a dry run: locations accept <runId>)\n' +
          '  refuse:  npm run sync -- locations separate <engageId>\n',
      );
    }
    if (decisions.length > 0) {
      console.log('Decisions:');
      console.log(
        table(decisions, [
          { header: 'engage id', value: (d) => String(d.engageLocationId), align: 'right' },
          { header: 'decision', value: (d) => d.decision },
          { header: 'visitor location', value: (d) => d.visitorLocationId ?? '-' },
          { header: 'by', value: (d) => d.decidedBy },
          { header: 'at', value: (d) => formatTime(d.decidedAt) },
        ]),
      );
    }
    return 0;
  },
};

export const locationsMatchCommand: Command = {
  spec: {
    name: 'locations match',
    summary: 'Record that an existing Visitor location is this Engage location (adopted, never duplicated).',
    positionals: [
      engageIdPositional,
      { name: 'visitorLocationId', required: true, description: 'the existing Visitor location' },
    ],
  },
  async run(p, getCtx) {
    const engageId = positiveInt('<engageLocationId>', p.positionals[0]!, 2_147_483_647);
    const visitorId = visitorIdArg(p.positionals[1]!);
    await refuseLinked(getCtx(), engageId);
    await decide(getCtx(), engageId, 'match', visitorId);
    console.log(`Engage location ${engageId} is Visitor location ${visitorId}. ${NEXT_RUN}`);
    return 0;
  },
};

export const locationsSeparateCommand: Command = {
  spec: {
    name: 'locations separate',
    summary: 'Refuse the proposed match: this Engage location gets its own Visitor location.',
    positionals: [engageIdPositional],
  },
  async run(p, getCtx) {
    const engageId = positiveInt('<engageLocationId>', p.positionals[0]!, 2_147_483_647);
    const ctx = getCtx();
    await refuseLinked(ctx, engageId);
    // The proposal refused, even if an earlier answer matched it: the review compares against it.
    const refused =
      (await openProposals(ctx, { decided: true })).find((r) => r.engage_id === engageId)?.visitor_id ?? null;
    await decide(ctx, engageId, 'separate', refused);
    console.log(
      `Engage location ${engageId} gets its own Visitor location${refused ? `; ${refused} stays unmatched` : ''}. ${NEXT_RUN}`,
    );
    return 0;
  },
};

export const locationsForgetCommand: Command = {
  spec: {
    name: 'locations forget',
    summary: 'Forget the decision on an Engage location (a later run proposes again).',
    positionals: [engageIdPositional],
    details: 'A location already matched stays linked in Visitor; this only drops the recorded decision.',
  },
  async run(p, getCtx) {
    const engageId = positiveInt('<engageLocationId>', p.positionals[0]!, 2_147_483_647);
    const gone = await new LocationMatches(getCtx().db()).forget(engageId);
    if (!gone) throw new CliError(`no decision recorded for Engage location ${engageId}`);
    console.log(`Forgot the decision on Engage location ${engageId}.`);
    return 0;
  },
};

export const locationsAcceptCommand: Command = {
  spec: {
    name: 'locations accept',
    summary: 'Confirm every match a dry run proposed (after reviewing them with: plan <runId>).',
    positionals: [{ name: 'runId', required: true, description: 'the dry run that proposed them' }],
  },
  async run(p, getCtx) {
    const runId = runIdArg(p.positionals[0]!);
    const ctx = getCtx();
    const all = await openProposals(ctx, { runId });
    // An ambiguous location has no single proposal: it is matched by hand.
    const proposals = all.filter((r): r is ProposalRow & { visitor_id: string } => r.visitor_id !== null);
    if (proposals.length === 0) throw new CliError(`run ${runId} has no open location match proposal`);
    for (const r of proposals) await decide(ctx, r.engage_id, 'match', r.visitor_id);
    const byHand = all.length - proposals.length;
    if (byHand > 0)
      console.log(
        `${byHand} ambiguous location${byHand === 1 ? '' : 's'} left to match by hand: npm run sync -- locations`,
      );
    console.log(
      `Confirmed ${proposals.length} location match${proposals.length === 1 ? '' : 'es'}: ${proposals
        .map((r) => `${r.engage_id} → ${r.visitor_id}`)
        .join(', ')}. ${NEXT_RUN}`,
    );
    return 0;
  },
};
