import type { ScimType } from '../../scim/wire';
import { URN_ERROR } from '../../scim/wire';

/** A failure that maps straight onto a SCIM Error response. */
export class ScimHttpError extends Error {
  constructor(
    readonly status: number,
    readonly scimType: ScimType | undefined,
    detail: string,
  ) {
    super(detail);
  }
}

export function scimErrorBody(status: number, scimType: ScimType | undefined, detail: string) {
  return {
    schemas: [URN_ERROR],
    status: String(status),
    ...(scimType ? { scimType } : {}),
    detail,
  };
}

export const badRequest = (scimType: ScimType, detail: string) => new ScimHttpError(400, scimType, detail);
export const notFound = (detail: string) => new ScimHttpError(404, undefined, detail);
export const conflict = (detail: string) => new ScimHttpError(409, 'uniqueness', detail);
