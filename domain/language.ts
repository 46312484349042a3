// preferredLanguage must be ISO 639-1 (optionally with a region) for Visitor and the identity providers.

// ISO 639-1 codes in current use (withdrawn iw/in/ji/bh/mo omitted: their replacements are listed).
const ISO_639_1 = new Set(
  (
    'aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ' +
    'ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ' +
    'ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi ' +
    'mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw ' +
    'sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ' +
    'ur uz ve vi vo wa wo xh yi yo za zh zu'
  ).split(' '),
);

// Language, then an optional ISO 3166-1 alpha-2 region; "_" is accepted as the separator (Java/POSIX style).
const TAG = /^([A-Za-z]{2})(?:[-_]([A-Za-z]{2}))?$/;

/**
 * Normalises to "ll" or "ll-RR" (e.g. "EN_gb" → "en-GB"), or null when not a valid ISO 639-1 code.
 * Only the region's shape is checked (two letters), not its membership in ISO 3166-1.
 */
export function normalizeLanguageTag(raw: string | null): string | null {
  if (raw === null) return null;
  const match = TAG.exec(raw.trim());
  if (!match) return null;
  const language = (match[1] ?? '').toLowerCase();
  if (!ISO_639_1.has(language)) return null;
  const region = match[2];
  return region === undefined ? language : `${language}-${region.toUpperCase()}`;
}
