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

/**
 * Which of several bearer tokens (companies) a request presents: its index, or undefined.
 * Compares against every token, so the time taken does not depend on which one matched.
 */
export function tokenResolver(
  tokens: readonly string[],
): (authorization: string | undefined) => number | undefined {
  const expected = tokens.map(digest);
  return (authorization) => {
    const match = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
    const presented = digest(match?.[1]?.trim() ?? '');
    let found: number | undefined;
    expected.forEach((e, i) => {
      if (timingSafeEqual(presented, e) && match !== null && found === undefined) found = i;
    });
    return found;
  };
}
