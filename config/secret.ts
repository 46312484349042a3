// A secret value (a token, a database URL with its password, a key) that cannot leak by accident:
// JSON.stringify, util.inspect, String() and template literals all print "[secret]".
import { inspect } from 'node:util';

const MASK = '[secret]';

export class Secret<T = string> {
  // A private field: util.inspect and JSON never see it, only reveal() does.
  readonly #value: T;

  constructor(value: T) {
    this.#value = value;
  }

  /** The value itself, for the one call that needs it (a cipher, an Authorization header). */
  reveal(): T {
    return this.#value;
  }

  toString(): string {
    return MASK;
  }

  toJSON(): string {
    return MASK;
  }

  [Symbol.toPrimitive](): string {
    return MASK;
  }

  [inspect.custom](): string {
    return MASK;
  }
}

/** One key of TENANT_SECRETS_KEYS: its id (stored beside every ciphertext) and 32 bytes of AES key. */
export interface SecretKey {
  id: string;
  key: Secret<Buffer>;
}
