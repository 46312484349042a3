// The `npm run tenant` commands: the registry of companies this deployment serves (state/tenants.ts).
// Workers run each tenant's runs from it; these commands keep its records: add, list, show, update,
// pause and resume (its schedule with it), remove (offboard: schedule deleted, runs stopped), purge
// (secrets, state and log deleted after the grace period) and rotate-secrets.
import { SecretBox, SecretBoxError } from '../../state/secret-box';
import {
  checkTenantId,
  TENANT_STATES,
  type TenantOptions,
  TenantRuleError,
  TenantStateError,
} from '../../state/tenant-rules';
import {
  DEFAULT_OFFBOARD_GRACE_MS,
  type EngageSourceInput,
  type Tenant,
  TenantError,
  TenantRegistry,
} from '../../state/tenants';
import {
  boolFlag,
  durationFlag,
  type FlagSpec,
  oneOf,
  type ParsedCommand,
  stringFlag,
  UsageError,
} from '../args';
import type { Command } from '../command';
import { type CliContext, CliError } from '../context';
import { dispatch } from '../dispatch';
import { formatTime } from '../format';
import { optionChange, optionFlagSpecs, SCHEDULE_FLAGS, scheduleChange } from './option-flags';
import { tenantDetails, tenantTable } from './render';
import {
  processIo,
  readSecret,
  refuseSecretArguments,
  SECRET_FLAGS,
  type SecretIo,
  secretSource,
} from './secret-input';
import { setTenantSchedulePaused, stopTenant } from './temporal-effects';

export const TENANT_INTRO =
  'Keep the registry of companies (tenants) this deployment serves: their Engage source, Visitor\n' +
  'target and token, options, schedule and state. Secrets are read from a file or stdin, stored\n' +
  'encrypted (TENANT_SECRETS_KEYS) and never printed. Runs are not per tenant yet: `npm run sync`\n' +
  'still serves the company configured in the environment.';

const tenantPositional = [
  { name: 'tenant', required: true, description: 'the tenant id (a slug, e.g. acme-eu)' },
];

function tenantArg(p: ParsedCommand): string {
  const id = p.positionals[0]!;
  try {
    return checkTenantId(id);
  } catch (err) {
    throw new UsageError(`<tenant>: ${(err as Error).message}`);
  }
}

/** The registry's refusals in CLI terms: a bad value is a usage error (2), the rest fail the command (1). */
async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof TenantRuleError) throw new UsageError(err.message);
    if (err instanceof TenantError || err instanceof TenantStateError || err instanceof SecretBoxError)
      throw new CliError(err.message);
    throw err;
  }
}

async function requireTenant(ctx: CliContext, id: string): Promise<Tenant> {
  const t = await registry(ctx, false).get(id);
  if (!t) throw new TenantError(`no tenant ${id}`);
  return t;
}

function registry(ctx: CliContext, needsKeys: boolean): TenantRegistry {
  const keys = ctx.config.tenantSecretKeys;
  if (needsKeys && !keys)
    throw new CliError(
      "TENANT_SECRETS_KEYS is not set: tenants' secrets are encrypted with it (see .env.example: one or more id:base64 keys)",
    );
  return new TenantRegistry(ctx.db(), keys ? { box: new SecretBox(keys) } : {});
}

const SOURCE_FLAGS: Record<string, FlagSpec> = {
  'engage-schema': {
    type: 'string',
    value: 'schema',
    description: "the tenant's schema in the shared Engage database (instead of --engage-url-file/-stdin)",
  },
};

const COMMON_FLAGS = (update: boolean): Record<string, FlagSpec> => ({
  name: {
    type: 'string',
    value: 'text',
    description: `the company's display name${update ? '' : ' (required)'}`,
  },
  ...SOURCE_FLAGS,
  'visitor-url': {
    type: 'string',
    value: 'url',
    description: `Visitor's SCIM base URL, e.g. https://<visitor-host>/scim/v1${update ? '' : ' (required)'}`,
  },
  ...SECRET_FLAGS,
  ...SCHEDULE_FLAGS,
  ...optionFlagSpecs(update),
});

const SECRET_HELP =
  'Secrets never go on the command line (--visitor-token is refused): put the token in a file only\n' +
  'you can read and give --visitor-token-file, or pipe it: … | npm run tenant -- add … --visitor-token-stdin.';

type EngageChoice =
  | { kind: 'schema'; schema: string }
  | { kind: 'database'; from: { file: string } | 'stdin' };

/** Which Engage source the flags give (checked before anything is read or opened); undefined: none. */
function engageChoice(p: ParsedCommand): EngageChoice | undefined {
  const schema = stringFlag(p, 'engage-schema');
  const url = secretSource(p, 'engage-url');
  if (schema !== undefined && url)
    throw new UsageError(
      'give the Engage source once: --engage-schema, or --engage-url-file / --engage-url-stdin',
    );
  if (schema !== undefined) return { kind: 'schema', schema };
  return url ? { kind: 'database', from: url } : undefined;
}

async function readEngage(choice: EngageChoice, io: SecretIo): Promise<EngageSourceInput> {
  return choice.kind === 'schema'
    ? choice
    : { kind: 'database', url: await readSecret(choice.from, 'engage-url', io) };
}

export function tenantCommands(io: SecretIo = processIo): Command[] {
  return [
    {
      spec: {
        name: 'add',
        summary: 'Register a company: its Engage source, Visitor target and token, options and schedule.',
        positionals: tenantPositional,
        flags: COMMON_FLAGS(false),
        details: `The tenant starts 'onboarding'; resume makes it active.\n${SECRET_HELP}`,
      },
      async run(p, getCtx) {
        const id = tenantArg(p);
        const name = stringFlag(p, 'name');
        const visitorUrl = stringFlag(p, 'visitor-url');
        if (name === undefined) throw new UsageError('tenant add: --name is required');
        if (visitorUrl === undefined) throw new UsageError('tenant add: --visitor-url is required');
        const tokenSource = secretSource(p, 'visitor-token');
        if (!tokenSource)
          throw new UsageError(
            'tenant add: give the Visitor token with --visitor-token-file <path> or --visitor-token-stdin',
          );
        const engageGiven = engageChoice(p);
        if (!engageGiven)
          throw new UsageError(
            'tenant add: give the Engage source: --engage-url-file <path>, --engage-url-stdin or --engage-schema <schema>',
          );
        const options = optionChange(p, false);
        const schedule = scheduleChange(p);
        const reg = registry(getCtx(), true);
        const engage = await readEngage(engageGiven, io);
        const token = await readSecret(tokenSource, 'visitor-token', io);
        const t = await guarded(() =>
          reg.add({
            id,
            displayName: name,
            engage,
            visitor: { url: visitorUrl, token },
            options: options as TenantOptions,
            schedule,
          }),
        );
        console.log(`Added tenant ${t.id} (${t.state}); npm run tenant -- resume ${t.id} makes it active.`);
        console.log(tenantDetails(t));
        return 0;
      },
    },
    {
      spec: {
        name: 'list',
        summary: 'The tenants, their state, source, Visitor host, schedule and the key their secrets use.',
        flags: {
          state: {
            type: 'string',
            value: 'state',
            description: `only this state: ${TENANT_STATES.join(', ')}`,
          },
          json: { type: 'boolean', description: 'one JSON object per line (no secrets, like the table)' },
        },
      },
      async run(p, getCtx) {
        const state = stringFlag(p, 'state');
        const states = state === undefined ? undefined : [oneOf('--state', state, TENANT_STATES)];
        const tenants = await guarded(() => registry(getCtx(), false).list(states ? { states } : {}));
        if (boolFlag(p, 'json')) {
          for (const t of tenants) console.log(JSON.stringify(t));
          return 0;
        }
        console.log(tenants.length ? tenantTable(tenants) : 'No tenants (npm run tenant -- add --help).');
        return 0;
      },
    },
    {
      spec: {
        name: 'show',
        summary: "One tenant in full; its secrets as 'set, key k2', never their value.",
        positionals: tenantPositional,
        flags: { json: { type: 'boolean', description: 'as one JSON object (no secrets)' } },
      },
      async run(p, getCtx) {
        const id = tenantArg(p);
        const t = await guarded(() => registry(getCtx(), false).get(id));
        if (!t) throw new CliError(`no tenant ${id} (npm run tenant -- list)`);
        console.log(boolFlag(p, 'json') ? JSON.stringify(t, null, 2) : tenantDetails(t));
        return 0;
      },
    },
    {
      spec: {
        name: 'update',
        summary: 'Change a tenant: name, source, Visitor URL or token, options, schedule.',
        positionals: tenantPositional,
        flags: COMMON_FLAGS(true),
        details: `Only what is given changes. An option set to "default" follows the deployment's setting again.\n${SECRET_HELP}`,
      },
      async run(p, getCtx) {
        const id = tenantArg(p);
        const name = stringFlag(p, 'name');
        const visitorUrl = stringFlag(p, 'visitor-url');
        const tokenSource = secretSource(p, 'visitor-token');
        const options = optionChange(p, true);
        const schedule = scheduleChange(p);
        const engageGiven = engageChoice(p);
        if (
          name === undefined &&
          visitorUrl === undefined &&
          !tokenSource &&
          !engageGiven &&
          Object.keys(options).length === 0 &&
          Object.keys(schedule).length === 0
        )
          throw new UsageError('tenant update: nothing to change; give at least one flag (see --help)');
        const reg = registry(getCtx(), Boolean(tokenSource) || engageGiven?.kind === 'database');
        const engage = engageGiven ? await readEngage(engageGiven, io) : undefined;
        const token = tokenSource ? await readSecret(tokenSource, 'visitor-token', io) : undefined;
        const t = await guarded(() =>
          reg.update(id, {
            ...(name !== undefined ? { displayName: name } : {}),
            ...(engage ? { engage } : {}),
            ...(visitorUrl !== undefined ? { visitorUrl } : {}),
            ...(token ? { visitorToken: token } : {}),
            ...(Object.keys(options).length ? { options } : {}),
            ...(Object.keys(schedule).length ? { schedule } : {}),
          }),
        );
        console.log(`Updated tenant ${t.id}.`);
        console.log(tenantDetails(t));
        return 0;
      },
    },
    {
      spec: {
        name: 'pause',
        summary: 'Stop the tenant running until resume (its schedule and runs, once they are per tenant).',
        positionals: tenantPositional,
        flags: { note: { type: 'string', value: 'text', description: 'why, shown with the tenant' } },
      },
      async run(p, getCtx) {
        const id = tenantArg(p);
        const ctx = getCtx();
        const note = stringFlag(p, 'note');
        const current = await guarded(() => requireTenant(ctx, id));
        // Temporal first: should it fail, nothing changed and the command is typed again.
        const schedule = await setTenantSchedulePaused(
          await ctx.temporal(),
          current,
          true,
          note ?? `tenant paused by ${ctx.actor}`,
        );
        const t = await guarded(() => registry(ctx, false).pause(id, note));
        console.log(
          `Paused tenant ${t.id}: ${schedule === 'paused' ? 'its schedule is paused' : 'it has no schedule'}; new runs are refused, and its running ones fail within a minute.`,
        );
        return 0;
      },
    },
    {
      spec: {
        name: 'resume',
        summary:
          'Make the tenant active: after onboarding, after pause, or to undo remove within its grace period.',
        positionals: tenantPositional,
      },
      async run(p, getCtx) {
        const id = tenantArg(p);
        const ctx = getCtx();
        const t = await guarded(() => registry(ctx, false).resume(id));
        const schedule = await setTenantSchedulePaused(
          await ctx.temporal(),
          t,
          false,
          `tenant resumed by ${ctx.actor}`,
        );
        console.log(`Tenant ${t.id} is active${schedule === 'resumed' ? '; its schedule runs again' : ''}.`);
        return 0;
      },
    },
    {
      spec: {
        name: 'remove',
        summary:
          'Offboard the tenant now; its secrets are deleted after the grace period. Its Visitor is never touched.',
        positionals: tenantPositional,
        flags: {
          grace: {
            type: 'string',
            value: 'duration',
            description: 'how long its secrets are kept, so a mistaken remove can be resumed (default 30d)',
          },
          note: { type: 'string', value: 'text', description: 'why, shown with the tenant' },
        },
      },
      async run(p, getCtx) {
        const id = tenantArg(p);
        const grace = stringFlag(p, 'grace');
        const graceMs = grace === undefined ? DEFAULT_OFFBOARD_GRACE_MS : durationFlag('--grace', grace);
        const note = stringFlag(p, 'note');
        const ctx = getCtx();
        const current = await guarded(() => requireTenant(ctx, id));
        // Temporal first (idempotent): should it fail, the tenant is not offboarded yet; type it again.
        const stopped = await stopTenant(await ctx.temporal(), current);
        const t = await guarded(() =>
          registry(ctx, false).remove(id, { graceMs, ...(note !== undefined ? { note } : {}) }),
        );
        console.log(
          `Tenant ${t.id} is offboarded: ${stopped.schedule === 'deleted' ? 'its schedule is deleted' : 'it had no schedule'}, ` +
            `${stopped.cancelled.length} running workflow(s) asked to stop.\n` +
            `Its secrets, sync state and log are deleted after ${formatTime(t.purgeAfter)} (npm run tenant -- purge);\n` +
            `until then npm run tenant -- resume ${t.id} undoes this. Its Visitor is never touched.`,
        );
        return 0;
      },
    },
    {
      spec: {
        name: 'purge',
        summary:
          'Delete the secrets, sync state and log of tenants offboarded longer ago than their grace period (run it daily).',
      },
      async run(_p, getCtx) {
        const purged = await guarded(() => registry(getCtx(), false).purgeOffboarded());
        console.log(purged.length ? `Purged ${purged.join(', ')}.` : 'Nothing to purge.');
        return 0;
      },
    },
    {
      spec: {
        name: 'rotate-secrets',
        summary: "Re-encrypt every tenant's secrets with the first key of TENANT_SECRETS_KEYS.",
        details:
          'Key rotation: put the new key first (TENANT_SECRETS_KEYS=k2:…,k1:…), run this, then drop the old key.\n' +
          'All or nothing: a secret no listed key opens fails it, naming the tenant, and changes nothing.',
      },
      async run(_p, getCtx) {
        const r = await guarded(() => registry(getCtx(), true).rotateSecrets());
        console.log(
          `Re-encrypted ${r.resealed} secret(s) with key ${r.keyId}; all ${r.tenants} tenant(s) holding secrets now use it.`,
        );
        return 0;
      },
    },
  ];
}

/** The tenant CLI: secret-carrying flags are refused before anything is parsed. */
export async function tenantDispatch(
  argv: string[],
  ctx: () => CliContext,
  io: SecretIo = processIo,
): Promise<number> {
  refuseSecretArguments(argv);
  return dispatch('tenant', TENANT_INTRO, tenantCommands(io), argv, ctx);
}
