import { mkdirSync, readFileSync, renameSync, writeFileSync, openSync, fsyncSync, closeSync } from "node:fs";
import { dirname } from "node:path";

/** What the local host persists: entity states and orchestration instances. */
export interface LocalState {
  version: 1;
  entities: Record<string, unknown>;
  instances: Record<string, LocalInstance>;
}

export interface LocalInstance {
  instanceId: string;
  name: string;
  runtimeStatus: "Running" | "Completed" | "Failed" | "Terminated";
  /** Input of the current generation (after continueAsNew): what a restart resumes with. */
  input: unknown;
  output?: unknown;
  customStatus?: unknown;
  createdTime: string;
  lastUpdatedTime: string;
}

/**
 * A JSON state file written atomically (write a temp file, fsync, rename), so a kill -9 at any point
 * leaves either the old or the new state — never a torn one. Writes are synchronous on purpose: a
 * checkpoint is on disk before the next unit starts.
 */
export class FileStateStore {
  private state: LocalState;

  constructor(private readonly path: string) {
    this.state = FileStateStore.read(path);
  }

  static read(path: string): LocalState {
    try {
      const parsed = JSON.parse(readFileSync(path, "utf8")) as LocalState;
      if (
        parsed.version !== 1 ||
        typeof parsed.entities !== "object" ||
        typeof parsed.instances !== "object"
      ) {
        throw new Error(`${path} is not a mimecast-sentinel local state file (version 1)`);
      }
      return parsed;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT")
        return { version: 1, entities: {}, instances: {} };
      throw error;
    }
  }

  get snapshot(): Readonly<LocalState> {
    return this.state;
  }

  entity(id: string): unknown {
    return this.state.entities[id];
  }

  setEntity(id: string, value: unknown): void {
    this.state.entities[id] = value;
    this.flush();
  }

  deleteEntity(id: string): void {
    if (!(id in this.state.entities)) return;
    delete this.state.entities[id];
    this.flush();
  }

  instance(id: string): LocalInstance | undefined {
    return this.state.instances[id];
  }

  setInstance(instance: LocalInstance): void {
    this.state.instances[instance.instanceId] = instance;
    this.flush();
  }

  private flush(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const temp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(this.state));
    const fd = openSync(temp, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, this.path);
  }
}
