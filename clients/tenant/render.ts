// What `tenant list` and `tenant show` print. A secret shows as "set, key k2" (or "purged"), never its
// value: the Tenant these render carries no secret at all.
import type { InvitationPolicySetting } from '../../config/service';
import { TENANT_OPTION_NAMES } from '../../state/tenant-rules';
import type { SecretStatus, Tenant } from '../../state/tenants';
import { formatDuration, formatInterval, formatTime, table } from '../format';

export const secretStatus = (s: SecretStatus, purged: Date | null): string =>
  s.set ? `set, key ${s.keyId}` : purged ? `purged ${formatTime(purged)}` : 'not set';

const engageLine = (t: Tenant): string =>
  t.engage.kind === 'schema'
    ? `schema ${t.engage.schema} in the shared Engage database (ENGAGE_DATABASE_URL)`
    : `own database, URL ${secretStatus(t.engage.url, t.secretsPurgedAt)}`;

export const scheduleLine = (t: Tenant): string =>
  `${t.schedule.time} ${t.schedule.timeZone}, every ${formatInterval(t.schedule.intervalMs)}, +${formatDuration(t.schedule.jitterMs)} jitter`;

/** An option as it would be typed: invitations as delay:48h, windows as 24h. */
function optionText(name: string, value: unknown): string {
  if (name === 'invitations') {
    const p = value as InvitationPolicySetting;
    return p.mode === 'delay' ? `delay:${formatInterval(p.delayMs)}` : p.mode;
  }
  if (name === 'deleteWindowMs') return formatInterval(value as number);
  return String(value);
}

const optionsLine = (t: Tenant): string => {
  // In the options' own order (jsonb keeps keys in its own, by length).
  const entries = TENANT_OPTION_NAMES.filter((k) => t.options[k] !== undefined).map(
    (k) => `${k}=${optionText(k, t.options[k])}`,
  );
  return entries.length
    ? `${entries.join(', ')} (the rest: the deployment's settings)`
    : "the deployment's settings";
};

export function tenantDetails(t: Tenant): string {
  const rows: [string, string][] = [
    ['state', `${t.state}${t.stateNote ? ` — ${t.stateNote}` : ''}`],
    ['Engage source', engageLine(t)],
    ['Visitor SCIM', t.visitor.url],
    ['Visitor token', secretStatus(t.visitor.token, t.secretsPurgedAt)],
    ['schedule', scheduleLine(t)],
    ['options', optionsLine(t)],
    ['created', formatTime(t.createdAt)],
    ['updated', formatTime(t.updatedAt)],
  ];
  if (t.offboardedAt) {
    rows.push(['offboarded', formatTime(t.offboardedAt)]);
    rows.push([
      t.secretsPurgedAt ? 'secrets purged' : 'secrets purged after',
      formatTime(t.secretsPurgedAt ?? t.purgeAfter),
    ]);
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  return [`Tenant ${t.id} — ${t.displayName}`, ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)].join(
    '\n',
  );
}

export function tenantTable(tenants: Tenant[]): string {
  return table(tenants, [
    { header: 'TENANT', value: (t) => t.id },
    { header: 'NAME', value: (t) => t.displayName, max: 30 },
    { header: 'STATE', value: (t) => t.state },
    {
      header: 'ENGAGE',
      value: (t) => (t.engage.kind === 'schema' ? `schema ${t.engage.schema}` : 'database'),
    },
    { header: 'VISITOR', value: (t) => hostOf(t.visitor.url), max: 40 },
    { header: 'SCHEDULE', value: scheduleLine, max: 60 },
    {
      header: 'SECRETS',
      value: (t) => (t.secretsPurgedAt ? 'purged' : keyIds(t)),
    },
  ]);
}

const hostOf = (url: string): string => {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
};

const keyIds = (t: Tenant): string => {
  const ids = new Set([t.visitor.token.keyId, t.engage.kind === 'database' ? t.engage.url.keyId : undefined]);
  ids.delete(undefined);
  return ids.size ? `key ${[...ids].join(', ')}` : 'not set';
};
