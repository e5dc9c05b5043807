/**
 * Time, as the datapath sees it.
 *
 * Everything that ages (flow idle/hard timeouts, MAC learning, conntrack, megaflow max-idle) reads a `Clock`, never
 * `Date.now()`. Replays drive a `ManualClock` from packet timestamps, so a replay is deterministic and a 300 s
 * hard_timeout expires 300 s of *capture* time after it was set, however fast the replay runs. Live ports use
 * `MonotonicClock`.
 *
 * Milliseconds as a float: OVS keeps time in ms (time_msec), and capture timestamps have µs/ns precision that we keep
 * in the fraction.
 */

export interface Clock {
  /** Current time in milliseconds. Never goes backwards. */
  nowMs(): number;
}

/** A clock that only moves when told to. Replay sets it from each packet's timestamp. */
export class ManualClock implements Clock {
  private ms: number;

  constructor(startMs = 0) {
    this.ms = startMs;
  }

  nowMs(): number {
    return this.ms;
  }

  /** Moves to `ms`; earlier times are ignored (captures are not always sorted, time must not run backwards). */
  set(ms: number): void {
    if (ms > this.ms) this.ms = ms;
  }

  advance(deltaMs: number): void {
    if (deltaMs > 0) this.ms += deltaMs;
  }
}

export class MonotonicClock implements Clock {
  private readonly origin = performance.timeOrigin;

  nowMs(): number {
    return this.origin + performance.now();
  }
}
