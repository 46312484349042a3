// Taking a leaver out of Visitor: delete, or deactivate (the deployment's choice). Both idempotent:
// a user already gone counts as done.
import { visitorErrorKind } from '../scim/errors';
import type { VisitorTarget } from './ports';

export async function deprovision(
  visitor: Pick<VisitorTarget, 'deleteUser' | 'patchUser'>,
  kind: 'delete' | 'deactivate',
  visitorUserId: string,
): Promise<void> {
  if (kind === 'delete') {
    await visitor.deleteUser(visitorUserId); // 404 → already gone: fine
    return;
  }
  try {
    await visitor.patchUser(visitorUserId, [{ op: 'replace', path: 'active', value: false }]);
  } catch (err) {
    if (visitorErrorKind(err) !== 'notFound') throw err;
  }
}
