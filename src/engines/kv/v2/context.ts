import { KeyedLock } from './commit.js';
import type { VersionSealer } from './sealing.js';
import { systemClock, type Clock } from './time.js';

/** What the paths of one KV v2 mount share: its clock, its per-key write lock and its version sealer. */
export interface KvV2Context {
  clock: Clock;
  lock: KeyedLock;
  sealer: VersionSealer;
}

/** A fresh context; a test passes its own clock to move time without sleeping. */
export function createContext(sealer: VersionSealer, clock: Clock = systemClock): KvV2Context {
  return { clock, lock: new KeyedLock(), sealer };
}
