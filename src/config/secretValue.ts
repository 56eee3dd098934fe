import { inspect } from "node:util";

const HIDDEN = "[REDACTED]";

/**
 * A secret read from an app setting. The value sits in a private field, so `JSON.stringify`,
 * `util.inspect`, template strings and status output all print "[REDACTED]"; only `reveal()` hands
 * the value to the code that signs or authenticates with it.
 */
export class SecretValue {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return HIDDEN;
  }

  toJSON(): string {
    return HIDDEN;
  }

  [inspect.custom](): string {
    return `SecretValue(${HIDDEN})`;
  }
}
