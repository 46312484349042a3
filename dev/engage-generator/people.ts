// Builds plausible Engage user rows: names from the office's culture (and others), company e-mails, SSO
// external ids, E.164 phones with some written locally. Keeps usernames/e-mails unique case-insensitively.
import type { Insertable } from 'kysely';
import type { EngageUsersTable } from '../../db/engage-schema';
import type { EngageUserType } from '../../domain/types';
import {
  ADMIN_TITLES,
  CULTURES,
  type CultureKey,
  DEPARTMENTS,
  JOB_TITLES,
  mailboxName,
  personName,
  VENDOR_TITLES,
} from './names';
import { CITIES, type City, e164 } from './places';
import type { Random } from './random';

/** Reserved .example domains: generated invitations can never reach a real mailbox. */
export const COMPANY_DOMAIN = 'meridian-group.example';
export const VENDOR_DOMAINS: readonly string[] = [
  'brightclean-services.example',
  'sentinel-security.example',
  'freshplate-catering.example',
  'apex-facilities.example',
  'consultix-partners.example',
];

export type UserInsert = Insertable<EngageUsersTable>;

export interface HomeLocation {
  id: number;
  city: City;
}

const CULTURE_KEYS = Object.keys(CULTURES) as CultureKey[];
const DAY_MS = 86_400_000;

export function cityByName(name: string | null): City {
  return CITIES.find((c) => c.city === name) ?? CITIES[0]!;
}

export class PeopleFactory {
  /** Lower-cased usernames and e-mails already used by non-deleted users. */
  readonly taken: Set<string>;

  constructor(
    private readonly random: Random,
    private readonly homes: readonly HomeLocation[],
    private readonly now: Date,
    taken: Iterable<string> = [],
  ) {
    this.taken = new Set(taken);
  }

  /** A unique identity "<base>[n]@domain", reserved on return. */
  uniqueAddress(base: string, domain: string): string {
    for (let n = 1; ; n++) {
      const candidate = `${base}${n === 1 ? '' : n}@${domain}`;
      if (this.reserve(candidate)) return candidate;
    }
  }

  /** A unique non-e-mail login such as "jsmith" or "CORP\\jsmith", reserved on return. */
  uniqueLogin(given: string, family: string): string {
    const [first, last] = mailboxName(given, family).split('.') as [string, string];
    const base = `${first.slice(0, 1)}${last}`.slice(0, 16) || 'user';
    const prefix = this.random.chance(0.3) ? 'CORP\\' : '';
    for (let n = 1; ; n++) {
      const candidate = `${prefix}${base}${n === 1 ? '' : n}`;
      if (this.reserve(candidate)) return candidate;
    }
  }

  reserve(identity: string): boolean {
    const key = identity.toLowerCase();
    if (this.taken.has(key)) return false;
    this.taken.add(key);
    return true;
  }

  /** An hour before the generator's clock: when today's hires were created. */
  recent(): Date {
    return new Date(this.now.getTime() - 3_600_000);
  }

  home(): HomeLocation {
    return this.random.pick(this.homes);
  }

  culture(home: HomeLocation): CultureKey {
    return this.random.chance(0.65) ? home.city.culture : this.random.pick(CULTURE_KEYS);
  }

  phone(city: City, localShare: number): string {
    const number = e164(this.random, city);
    if (!this.random.chance(localShare)) return number;
    const nsn = number.slice(1 + city.callingCode.length);
    // Some people write the international form with the bracketed trunk zero.
    return this.random.chance(0.2) ? `+${city.callingCode} (0)${nsn}` : city.localPhone(nsn);
  }

  /** A complete, clean user of the given type at a random home location. */
  user(
    userType: EngageUserType,
    opts: { active?: boolean; createdAfter?: Date } = {},
  ): UserInsert & { username: string } {
    const r = this.random;
    const home = this.home();
    const { given, family } = personName(r, this.culture(home));
    const vendor = userType === 'vendor';
    const domain = vendor ? r.pick(VENDOR_DOMAINS) : COMPANY_DOMAIN;
    const email = this.uniqueAddress(mailboxName(given, family), domain);
    // A few employees sign in with a directory login; Engage then needs the e-mail for Visitor.
    const username = !vendor && r.chance(0.02) ? this.uniqueLogin(given, family) : email;
    const sso = !vendor && r.chance(0.55);
    const start = opts.createdAfter?.getTime() ?? this.now.getTime() - 5 * 365 * DAY_MS;
    const createdAt = new Date(r.int(start, Math.max(start, this.now.getTime() - DAY_MS)));
    const updatedAt = new Date(r.int(createdAt.getTime(), this.now.getTime()));
    const attributes = vendor
      ? { company: domain.split('.')[0], sponsor: `${r.int(1000, 9999)}` }
      : {
          department: r.pick(DEPARTMENTS),
          costCenter: `CC-${r.int(1000, 9999)}`,
          employeeNumber: `E${r.digits(7)}`,
          homeLocationId: home.id,
        };
    const language = r.weighted({ home: 80, en: 10, none: 10 });
    return {
      username,
      email,
      given_name: given,
      family_name: family,
      mobile_phone: r.chance(0.85) ? this.phone(home.city, 0.1) : null,
      work_phone: r.chance(0.5) ? this.phone(home.city, 0.3) : null,
      job_title: userType.endsWith('_admin')
        ? r.pick(ADMIN_TITLES)
        : vendor
          ? r.pick(VENDOR_TITLES)
          : r.pick(JOB_TITLES),
      preferred_language: language === 'home' ? home.city.language : language === 'en' ? 'en' : null,
      user_type: userType,
      sso,
      active: opts.active ?? true,
      external_id: sso ? r.uuid() : null,
      custom_attributes: JSON.stringify(attributes),
      created_at: createdAt,
      updated_at: updatedAt,
    };
  }
}
