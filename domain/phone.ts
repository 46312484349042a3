// Phone numbers go to Visitor only in E.164 form; anything else is left out, never guessed.

// Visual separators people type: Unicode spaces (incl. NBSP, narrow NBSP), dots, parentheses and dashes.
const SEPARATORS = /[\s.()\-\u2010\u2011\u2012\u2013\u2014\u2212]/g;
// "+44 (0)20 …": the bracketed trunk zero is an explicit "omit when dialling from abroad".
const TRUNK_ZERO = /\(\s*0\s*\)/g;
const E164 = /^\+[1-9][0-9]{6,14}$/;

/**
 * Returns the number as +<7–15 digits> (first digit 1–9) or null.
 * A leading "00" is NOT converted to "+": it is the international prefix only in some countries
 * (the US uses 011, Australia 0011), so reading it as "+" would be a guess about where the user dials from.
 * Extensions, letters, slashes and non-ASCII digits make the number unusable (null).
 */
export function toE164(raw: string | null): string | null {
  if (raw === null) return null;
  const compact = raw.replace(TRUNK_ZERO, '').replace(SEPARATORS, '');
  return E164.test(compact) ? compact : null;
}
