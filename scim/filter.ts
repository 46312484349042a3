/** Builds SCIM filter expressions; values are always quoted JSON strings so nothing can break out. */

/** A SCIM string literal: JSON escaping covers quotes, backslashes and control characters. */
export function scimString(value: string): string {
  return JSON.stringify(value);
}

/** `attribute eq "value"`; the attribute path is ours (a constant), the value is untrusted. */
export function eqFilter(attribute: string, value: string): string {
  return `${attribute} eq ${scimString(value)}`;
}
