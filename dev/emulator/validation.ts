/** Turns zod issues into the SCIM 400 `invalidValue` Visitor answers, naming the attribute. */
import type { z } from 'zod';
import { MAX_STRING_LENGTH } from '../../scim/wire';
import { badRequest, type ScimHttpError } from './errors';

function pathText(path: PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

export function invalidValueFrom(error: z.ZodError): ScimHttpError {
  const issue = error.issues[0];
  if (!issue) return badRequest('invalidValue', 'Invalid request body');
  const attr = pathText(issue.path);
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return badRequest('invalidValue', `Attribute '${attr}' is required`);
  }
  if (issue.code === 'too_big') {
    return badRequest('invalidValue', `Attribute '${attr}' is longer than ${MAX_STRING_LENGTH} characters`);
  }
  if (issue.code === 'too_small') return badRequest('invalidValue', `Attribute '${attr}' must not be empty`);
  return badRequest('invalidValue', `Attribute '${attr}': ${issue.message}`);
}

/** A `schemas` list must name the resource's core schema (or an accepted alias). */
export function checkSchemas(schemas: string[] | undefined, accepted: string[]): void {
  if (!schemas?.some((s) => accepted.includes(s))) {
    throw badRequest('invalidSyntax', `"schemas" must include ${accepted.join(' or ')}`);
  }
}
