import * as functions from "@azure/functions";

/** A function registration as the host would see it. */
export interface Registration {
  kind: string;
  name: string;
  options: Record<string, unknown>;
}

type Registrar = (name: string, options: Record<string, unknown>) => void;

/**
 * Loads the app's entry module with `app.*` replaced by recorders, returning every registration.
 * Outside the Functions host `@azure/functions` only prints "Skipping call to register function";
 * capturing the calls lets tests invoke the exact handlers the host would call.
 */
export function captureRegistrations(entryModulePath: string): Registration[] {
  const registrations: Registration[] = [];
  const target = functions.app as unknown as Record<string, unknown>;
  const kinds = ["http", "timer", "generic", "storageQueue", "storageBlob", "get", "post"];
  const originals = new Map<string, unknown>();
  for (const kind of kinds) {
    originals.set(kind, target[kind]);
    const recorder: Registrar = (name, options) => registrations.push({ kind, name, options });
    target[kind] = recorder;
  }
  try {
    delete require.cache[require.resolve(entryModulePath)];
    require(entryModulePath);
  } finally {
    for (const [kind, original] of originals) target[kind] = original;
  }
  return registrations;
}
