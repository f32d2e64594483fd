import { KeyedLock } from './commit.js';
import { systemClock, type Clock } from './time.js';

/** What the paths of one KV v2 mount share: its clock and its per-key write lock. */
export interface KvV2Context {
  clock: Clock;
  lock: KeyedLock;
}

/** A fresh context; a test passes its own clock to move time without sleeping. */
export function createContext(clock: Clock = systemClock): KvV2Context {
  return { clock, lock: new KeyedLock() };
}
