/**
 * On-disk form of records. Location access is packed 2 bits per location ordinal and
 * base64-encoded: 500 locations cost 168 characters per user in the snapshot and journal.
 */
import type { InvitationSend, LocationRecord, UserRecord } from './records';

export function packAccess(access: Uint8Array): string {
  const packed = new Uint8Array(Math.ceil(access.length / 4));
  for (let i = 0; i < access.length; i++) {
    packed[i >> 2]! |= (access[i]! & 3) << ((i & 3) * 2);
  }
  return Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength).toString('base64');
}

export function unpackAccess(encoded: string, length: number): Uint8Array {
  const packed = Buffer.from(encoded, 'base64');
  const access = new Uint8Array(length);
  for (let i = 0; i < length; i++) access[i] = ((packed[i >> 2] ?? 0) >> ((i & 3) * 2)) & 3;
  return access;
}

export interface EncodedUser extends Omit<UserRecord, 'access' | 'seq'> {
  access: string;
  accessLength: number;
}

export function encodeUser(user: UserRecord): EncodedUser {
  const { access, seq: _seq, ...rest } = user;
  return { ...rest, access: packAccess(access), accessLength: access.length };
}

export function decodeUser(encoded: EncodedUser): UserRecord {
  const { access, accessLength, ...rest } = encoded;
  return { ...rest, seq: 0, access: unpackAccess(access, accessLength) };
}

/** One line of a snapshot file. */
export type SnapshotLine =
  | { k: 'meta'; format: 'visitor-emulator-snapshot'; version: 1; generation: number; writtenAt: string }
  | { k: 'loc'; loc: LocationRecord }
  | { k: 'user'; user: EncodedUser }
  | { k: 'inv'; send: InvitationSend };
