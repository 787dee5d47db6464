/**
 * How events stored under an older schema version read as the current one. A stored event is never edited: a changed
 * shape is a new schema version of its type, and an upcaster per version step turns the data of one version into the
 * data of the next. The event stores apply them to every event they read (for deciding, projecting and auditing
 * alike); what is stored, and what its hash chain covers, stays as it was written. See docs/adr/0023-upcasting.md.
 */

/**
 * One version step of one event type: reads the data of `fromVersion`, gives the data of `fromVersion + 1`. Pure, and
 * leaves its argument as it is.
 */
export interface EventUpcaster<From = never, To = unknown> {
  /** The event type, e.g. "ledger.CommitmentProgrammed". */
  type: string;
  fromVersion: number;
  upcast(data: From): To;
}

/** An event's data and the schema version it now has. */
export interface Upcast {
  data: unknown;
  schemaVersion: number;
}

/** Every upcaster of a process, by event type and version. */
export class EventUpcasters {
  private readonly steps = new Map<string, Map<number, (data: unknown) => unknown>>();

  constructor(upcasters: readonly EventUpcaster[] = []) {
    this.register(...upcasters);
  }

  /** Adds version steps; a step already registered for a type and version is refused (two readings of one version). */
  register(...upcasters: readonly EventUpcaster[]): this {
    for (const u of upcasters) {
      if (typeof u.type !== 'string' || u.type === '') throw new Error('an upcaster names the event type it reads');
      if (!Number.isInteger(u.fromVersion) || u.fromVersion < 1) throw new Error(`${u.type}: an upcaster reads a schema version ≥ 1, not ${u.fromVersion}`);
      const steps = this.steps.get(u.type) ?? new Map<number, (data: unknown) => unknown>();
      const upcast = u.upcast as (data: unknown) => unknown;
      const known = steps.get(u.fromVersion);
      if (known && known !== upcast) throw new Error(`${u.type}: an upcaster from schema version ${u.fromVersion} is registered already`);
      steps.set(u.fromVersion, upcast);
      this.steps.set(u.type, steps);
    }
    return this;
  }

  /** The schema version events of this type are written with now: one past the last step registered, 1 when none. */
  currentVersion(type: string): number {
    const steps = this.steps.get(type);
    return steps ? Math.max(...steps.keys()) + 1 : 1;
  }

  /**
   * The data of a stored version, as the current version reads it: each step from that version on, in turn. A version
   * at or past the current one (written by a newer process) is returned as it is; a missing step is an error, not a
   * silent skip.
   */
  upcast(type: string, data: unknown, schemaVersion: number): Upcast {
    const steps = this.steps.get(type);
    if (!steps) return { data, schemaVersion };
    const current = this.currentVersion(type);
    let version = schemaVersion;
    let upcast = data;
    while (version < current) {
      const step = steps.get(version);
      if (!step) throw new Error(`${type}: no upcaster from schema version ${version} to ${version + 1}`);
      upcast = step(upcast);
      version += 1;
    }
    return { data: upcast, schemaVersion: version };
  }
}

/**
 * The upcasters of this process. A library that defines event types registers the steps of its types beside them,
 * when it is loaded (`eventUpcasters.register(...)`), before any of its events are read.
 */
export const eventUpcasters = new EventUpcasters();
