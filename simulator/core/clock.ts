/**
 * The simulator's notion of "now". Everything time-dependent (token expiry, file publication, URL expiry,
 * rate-limit windows, event visibility) reads this clock, so a test can jump hours ahead without waiting.
 */
export interface ClockLike {
  now(): number;
}

export interface SimClock extends ClockLike {
  /** Jump to an absolute epoch-ms instant (may go backwards: useful for "what did the API show then"). */
  set(ms: number): void;
  advance(ms: number): void;
}

/** A clock that only moves when told to: the default for tests. */
export function manualClock(startMs: number): SimClock {
  let current = startMs;
  return {
    now: () => current,
    set: (ms) => {
      current = ms;
    },
    advance: (ms) => {
      current += ms;
    },
  };
}

/** Wall-clock time plus an adjustable offset, so CLI users can still fast-forward the simulator. */
export function realClock(): SimClock {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    set: (ms) => {
      offset = ms - Date.now();
    },
    advance: (ms) => {
      offset += ms;
    },
  };
}

/** Wraps a caller's `{ now() }` so `set`/`advance` work when the caller's clock lacks them. */
export function asSimClock(clock: ClockLike): SimClock {
  const candidate = clock as Partial<SimClock> & ClockLike;
  if (typeof candidate.set === "function" && typeof candidate.advance === "function")
    return candidate as SimClock;
  let offset = 0;
  return {
    now: () => clock.now() + offset,
    set: (ms) => {
      offset = ms - clock.now();
    },
    advance: (ms) => {
      if (typeof candidate.advance === "function") candidate.advance(ms);
      else offset += ms;
    },
  };
}
