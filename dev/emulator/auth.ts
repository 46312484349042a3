/** Bearer-token check in constant time (hashing first makes lengths equal). */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (text: string) => createHash('sha256').update(text).digest();

export function bearerChecker(token: string): (authorization: string | undefined) => boolean {
  const expected = digest(token);
  return (authorization) => {
    const match = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
    const presented = digest(match?.[1]?.trim() ?? '');
    return timingSafeEqual(presented, expected) && match !== null;
  };
}
