// What a PATCH may not take away from an Engage user (RFC 7644 §3.5.2: an operation incompatible
// with an attribute's mutability or schema is a 400). Engage keeps `active`, `userType` and `sso`
// for every user, so removing them (or the whole Engage extension, or setting them to null) is
// refused rather than answered 200 with nothing changed; a set externalId is immutable.
import { badRequest } from '../errors';
import { getKey, isObj, type Obj } from '../resource-json';
import { ENGAGE_SCHEMA } from '../schemas';

const unassigned = (v: unknown) => v === undefined || v === null;

/** `before` is the stored representation the patch started from, `after` the patched one. */
export function assertNothingRequiredRemoved(before: Obj, after: Obj): void {
  if (!unassigned(getKey(before, 'externalId')) && unassigned(getKey(after, 'externalId'))) {
    throw badRequest('externalId cannot be removed: it is immutable once set', 'mutability');
  }
  const ext = getKey(after, ENGAGE_SCHEMA);
  const gone = [
    unassigned(getKey(after, 'active')) ? 'active' : undefined,
    !isObj(ext) || unassigned(getKey(ext, 'userType')) ? `${ENGAGE_SCHEMA}:userType` : undefined,
    !isObj(ext) || unassigned(getKey(ext, 'sso')) ? `${ENGAGE_SCHEMA}:sso` : undefined,
  ].filter((x): x is string => x !== undefined);
  if (gone.length > 0) {
    throw badRequest(
      `cannot remove ${gone.join(', ')}: Engage keeps a value for ${gone.length > 1 ? 'them' : 'it'} on every user (replace it instead)`,
      'mutability',
    );
  }
}
