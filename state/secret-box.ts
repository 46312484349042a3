// Tenants' secrets at rest: AES-256-GCM under the keys of TENANT_SECRETS_KEYS. A sealed value is
// "evs1:<keyId>:<iv>:<tag>:<ciphertext>" (base64), so any listed key can open it and rotation can
// tell what is still under an old key. The context (tenant and field) is authenticated data: one
// tenant's ciphertext copied into another row, or another field, does not open.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Secret, type SecretKey } from '../config/secret';

const VERSION = 'evs1';
const ENVELOPE = /^evs1:([A-Za-z0-9_-]{1,16}):([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]*)$/;

/** A sealed value that cannot be opened: messages name the key id and context, never a value. */
export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
}

/** The key id a sealed value was encrypted with, without opening it (for `tenant show`). */
export function sealedKeyId(sealed: string): string | undefined {
  return ENVELOPE.exec(sealed)?.[1];
}

export class SecretBox {
  readonly #keys: Map<string, Buffer>;
  readonly currentKeyId: string;

  constructor(keys: readonly SecretKey[]) {
    if (keys.length === 0) throw new SecretBoxError('no keys: set TENANT_SECRETS_KEYS');
    this.#keys = new Map(keys.map((k) => [k.id, k.key.reveal()]));
    this.currentKeyId = keys[0]!.id;
  }

  /** Encrypts under the current key, bound to `context` (e.g. "tenant:acme:visitor_token"). */
  seal(value: Secret<string>, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#keys.get(this.currentKeyId)!, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ct = Buffer.concat([cipher.update(value.reveal(), 'utf8'), cipher.final()]);
    const b64 = (b: Buffer) => b.toString('base64');
    return [VERSION, this.currentKeyId, b64(iv), b64(cipher.getAuthTag()), b64(ct)].join(':');
  }

  open(sealed: string, context: string): Secret<string> {
    const m = ENVELOPE.exec(sealed);
    if (!m) throw new SecretBoxError(`the secret for ${context} is not a sealed value`);
    const key = this.#keys.get(m[1]!);
    if (!key)
      throw new SecretBoxError(
        `the secret for ${context} is sealed with key "${m[1]}", which TENANT_SECRETS_KEYS does not list`,
      );
    try {
      const iv = Buffer.from(m[2]!, 'base64');
      const tag = Buffer.from(m[3]!, 'base64');
      // Whole tags only: a shortened one would make a forgery that much cheaper to guess.
      if (iv.length !== 12 || tag.length !== 16) throw new Error('malformed envelope');
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(tag);
      const plain = Buffer.concat([decipher.update(Buffer.from(m[4]!, 'base64')), decipher.final()]);
      return new Secret(plain.toString('utf8'));
    } catch {
      // GCM's tag check failed (or the parts are malformed): tampered, or another key's bytes under this id.
      throw new SecretBoxError(
        `the secret for ${context} does not open with key "${m[1]}": tampered, or the key's bytes changed`,
      );
    }
  }

  /** Re-encrypted under the current key, or undefined when it already is. */
  reseal(sealed: string, context: string): string | undefined {
    if (sealedKeyId(sealed) === this.currentKeyId) {
      this.open(sealed, context); // still proves it opens
      return undefined;
    }
    return this.seal(this.open(sealed, context), context);
  }
}
