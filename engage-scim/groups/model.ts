// A group as SCIM sees it. Members are users only: Engage has no nested groups.
import { z } from 'zod';
import { badRequest } from '../errors';
import { normalizeResource, type Obj } from '../resource-json';
import { GROUP_SCHEMA, groupResource } from '../schemas';

export interface GroupMemberRef {
  value: string;
  type?: string | null;
  ref?: string | null;
}

export interface GroupState {
  display_name: string;
  external_id: string | null;
  members: GroupMemberRef[];
}

const body = z.object({
  displayName: z.string().trim().min(1, 'displayName is required').max(256),
  externalId: z.string().max(1024).nullish(),
  members: z
    .array(
      z.object({
        value: z.union([z.string().max(64), z.number().int()]).transform(String),
        type: z.string().max(32).nullish(),
        $ref: z.string().max(2048).nullish(),
      }),
    )
    .max(100_000)
    .nullish(),
});

export function groupStateFromBody(raw: Obj, existing?: GroupState): GroupState {
  const parsed = body.safeParse(normalizeResource(raw, groupResource));
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw badRequest(`${i?.path.join('.') || 'body'}: ${i?.message}`, 'invalidValue');
  }
  const b = parsed.data;
  return {
    display_name: b.displayName,
    external_id: b.externalId || existing?.external_id || null,
    members: (b.members ?? []).map((m) => ({ value: m.value, type: m.type, ref: m.$ref })),
  };
}

export interface GroupView {
  id: string;
  display_name: string;
  external_id: string | null;
  created_at: Date;
  updated_at: Date;
  members: { id: number; username: string }[];
}

export function renderGroup(g: GroupView, baseUrl: string): Obj {
  return {
    schemas: [GROUP_SCHEMA],
    id: g.id,
    ...(g.external_id ? { externalId: g.external_id } : {}),
    displayName: g.display_name,
    members: g.members.map((m) => ({
      value: String(m.id),
      $ref: `${baseUrl}/Users/${m.id}`,
      display: m.username,
      type: 'User',
    })),
  };
}

export const groupStateFromView = (g: GroupView): GroupState => ({
  display_name: g.display_name,
  external_id: g.external_id,
  members: g.members.map((m) => ({ value: String(m.id), type: 'User' })),
});
