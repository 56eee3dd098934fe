import * as functions from "@azure/functions";

/** A function registration as the Functions host would see it. */
export interface Registration {
  kind: string;
  name: string;
  options: Record<string, unknown>;
}

type Registrar = (name: string, options: Record<string, unknown>) => void;

const KINDS = ["http", "timer", "generic", "storageQueue", "storageBlob", "get", "post"];

/**
 * Loads the app's entry module with `app.*` replaced by recorders, returning every registration.
 * Outside the Functions host `@azure/functions` only prints "Skipping call to register function";
 * capturing the calls gives the exact handlers the host would call — for orchestrations and entities
 * the durable-functions SDK's own wrappers (`df.app.orchestration/entity/activity`).
 */
export function captureRegistrations(entryModulePath: string): Registration[] {
  const registrations: Registration[] = [];
  const target = functions.app as unknown as Record<string, unknown>;
  const originals = new Map<string, unknown>();
  for (const kind of KINDS) {
    originals.set(kind, target[kind]);
    const recorder: Registrar = (name, options) => registrations.push({ kind, name, options });
    target[kind] = recorder;
  }
  try {
    delete require.cache[require.resolve(entryModulePath)];
    // Loaded fresh (not imported), so its registrations run again into the recorders.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(entryModulePath);
  } finally {
    for (const [kind, original] of originals) target[kind] = original;
  }
  return registrations;
}

export type DurableHandler = (binding: unknown, context: functions.InvocationContext) => Promise<unknown>;

export interface DurableFunctions {
  orchestrations: Map<string, DurableHandler>;
  /** Keyed by lower-case name: entity names are case-insensitive in scheduler ids. */
  entities: Map<string, DurableHandler>;
  activities: Map<string, DurableHandler>;
  /** Activities registered with a durable client extra input. */
  clientActivities?: Set<string>;
}

/** The orchestration, entity and activity handlers an entry module registers, by trigger type. */
export function durableFunctions(entryModulePath: string): DurableFunctions {
  const found: DurableFunctions = {
    orchestrations: new Map(),
    entities: new Map(),
    activities: new Map(),
    clientActivities: new Set(),
  };
  for (const r of captureRegistrations(entryModulePath)) {
    if (r.kind !== "generic") continue;
    const type = (r.options["trigger"] as { type?: string } | undefined)?.type;
    const handler = r.options["handler"] as DurableHandler;
    if (type === "orchestrationTrigger") found.orchestrations.set(r.name, handler);
    else if (type === "entityTrigger") found.entities.set(r.name.toLowerCase(), handler);
    else if (type === "activityTrigger") {
      found.activities.set(r.name, handler);
      const extra = (r.options["extraInputs"] as { type?: string }[] | undefined) ?? [];
      if (extra.some((input) => input.type === "durableClient")) found.clientActivities?.add(r.name);
    }
  }
  return found;
}
