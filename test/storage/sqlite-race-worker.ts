// Runs inside a worker thread: one more SQLite connection racing the others on the same file.
// Node's test runner may also load this file as a test; without worker data it does nothing.
import { parentPort, workerData } from 'node:worker_threads';
import { ConditionFailed } from '../../src/storage/backend.js';
import { openSqlite } from '../../src/storage/sqlite.js';

export interface RaceTask {
  path: string;
  /** "claim": try to create each of `rounds` keys once; "increment": add 1 to a counter `rounds` times by check-and-set. */
  mode: 'claim' | 'increment';
  rounds: number;
  /** Int32 flag all workers wait on, so they start together. */
  start: SharedArrayBuffer;
}

/** What a worker did: keys it claimed, or how many check-and-set retries it needed. */
export interface RaceResult {
  claimed: string[];
  retries: number;
}

async function run(task: RaceTask): Promise<RaceResult> {
  const store = openSqlite(task.path, { shared: true });
  const flag = new Int32Array(task.start);
  Atomics.wait(flag, 0, 0);
  const result: RaceResult = { claimed: [], retries: 0 };
  const encoder = new TextEncoder();
  for (let round = 0; round < task.rounds; round++) {
    if (task.mode === 'claim') {
      const key = `claim/${round}`;
      try {
        await store.transaction([{ type: 'put', key, value: encoder.encode('mine') }], [{ type: 'absent', key }]);
        result.claimed.push(key);
      } catch (err) {
        if (!(err instanceof ConditionFailed)) throw err;
      }
      continue;
    }
    for (;;) {
      const current = await store.get('counter');
      const next = Number(new TextDecoder().decode(current?.value ?? encoder.encode('0'))) + 1;
      const condition = current ? { type: 'version' as const, key: 'counter', version: current.version } : { type: 'absent' as const, key: 'counter' };
      try {
        await store.transaction([{ type: 'put', key: 'counter', value: encoder.encode(String(next)) }], [condition]);
        break;
      } catch (err) {
        if (!(err instanceof ConditionFailed)) throw err;
        result.retries++;
      }
    }
  }
  await store.close();
  return result;
}

if (parentPort && workerData) {
  const port = parentPort;
  run(workerData as RaceTask).then(
    (result) => port.postMessage({ ok: true, result }),
    (err: unknown) => port.postMessage({ ok: false, error: String(err) }),
  );
}
