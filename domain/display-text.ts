// Display values (names, job titles) made safe to send: they end up in invitation e-mails and on
// badges, so line breaks, control characters and bidirectional overrides never reach Visitor, and a
// value over Visitor's limit is cut where a reader sees a character end, never inside one.

/** Line breaks and tabs: a separator between words, so they become one space (never a header break). */
const LINE_BREAKS = /[\t\n\v\f\r\u0085\u2028\u2029]+/g;

/**
 * Every other C0/C1 control and DEL, and the bidirectional formatting characters that can make a name
 * read differently from what it is (embeddings and overrides U+202A–U+202E, isolates U+2066–U+2069,
 * the marks U+200E, U+200F and U+061C). ZWJ (U+200D) stays: emoji sequences need it.
 */
const UNSAFE = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/** The value without control or bidirectional formatting characters (line breaks and tabs as a space). */
export function stripUnsafeCharacters(value: string): string {
  return value.replace(LINE_BREAKS, ' ').replace(UNSAFE, '');
}

/** Length in characters as Visitor counts them: code points, not UTF-16 units. */
export function codePointLength(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

let segmenter: Intl.Segmenter | undefined;

/**
 * The longest prefix of whole grapheme clusters (a letter with its accents, an emoji with its
 * modifiers and joiners) that is at most `max` code points long, without trailing spaces. A cluster
 * that would cross the limit is left out entirely, so a cut never splits a surrogate pair, strips an
 * accent or breaks an emoji sequence.
 */
export function shortenAtGraphemeBoundary(value: string, max: number): string {
  if (codePointLength(value) <= max) return value;
  segmenter ??= new Intl.Segmenter('und', { granularity: 'grapheme' });
  let kept = 0;
  let end = 0;
  for (const { segment, index } of segmenter.segment(value)) {
    const n = codePointLength(segment);
    if (kept + n > max) break;
    kept += n;
    end = index + segment.length;
  }
  return value.slice(0, end).trimEnd();
}
