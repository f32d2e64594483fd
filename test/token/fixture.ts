import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { CofferError } from '../../src/framework/errors.js';
import { dispatch } from '../../src/framework/dispatch.js';
import { StorageView } from '../../src/core/storage-view.js';
import type { Caller, MountInfo, Operation, Resp } from '../../src/framework/types.js';
import { callerOf } from '../../src/core/pipeline.js';
import { TokenStore, type TokenEntry, type TokenStoreOptions } from '../../src/core/token/index.js';
import { tokenBackend, type TokenBackendOptions } from '../../src/core/backends/token/index.js';
import type { StorageBackend } from '../../src/storage/backend.js';
import { InmemBackend } from '../../src/storage/inmem.js';

/** A clock tests move by hand. */
export class TestClock {
  constructor(public ms = Date.UTC(2025, 0, 1)) {}
  readonly now = () => this.ms;
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

export interface StoreFixture {
  physical: StorageBackend;
  store: TokenStore;
  clock: TestClock;
  revoked: TokenEntry[];
}

/** A token store over in-memory storage (or the given backend), with a hand-moved clock. */
export function newStore(options: Partial<TokenStoreOptions> = {}, physical: StorageBackend = new InmemBackend()): StoreFixture {
  const clock = new TestClock();
  const revoked: TokenEntry[] = [];
  const store = new TokenStore(new StorageView(physical, 'sys/token/'), {
    salt: randomBytes(32),
    now: clock.now,
    onRevoke: async (entry) => {
      revoked.push(entry);
    },
    ...options,
  });
  return { physical, store, clock, revoked };
}

/** Every key under a prefix of physical storage, walking folders. */
export async function allKeys(physical: StorageBackend, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  for (const child of await physical.list(prefix)) {
    if (child.endsWith('/')) keys.push(...(await allKeys(physical, prefix + child)));
    else keys.push(prefix + child);
  }
  return keys;
}

/** Every stored key and value as text. */
export async function storedText(physical: StorageBackend): Promise<string> {
  const parts: string[] = [];
  for (const key of await allKeys(physical)) {
    const entry = await physical.get(key);
    parts.push(key, new TextDecoder().decode(entry?.value));
  }
  return parts.join('\n');
}

const MOUNT: MountInfo = { path: 'token/', type: 'token', accessor: 'auth_token_test', uuid: 'token-mount', options: {} };

/** The Caller the pipeline would build for a presented token. */
export async function callerFor(store: TokenStore, token: string): Promise<Caller> {
  const entry = await store.lookup(token);
  assert.ok(entry, 'token to act as must be valid');
  return callerOf(entry, token);
}

/** Drives the token backend through the framework's dispatch, as the pipeline does after ACL. */
export class TokenApi {
  private readonly backend;
  private readonly storage = new StorageView(new InmemBackend(), 'auth/token-mount/');

  constructor(
    readonly store: TokenStore,
    options: TokenBackendOptions = {},
  ) {
    this.backend = tokenBackend(store, options);
  }

  /** Calls a path as the holder of `token`. */
  async as(token: string, operation: Operation, path: string, data: Record<string, unknown> = {}): Promise<Resp> {
    const caller = await callerFor(this.store, token);
    return dispatch(this.backend, { id: 'req', operation, path, data, mount: MOUNT, caller, remoteAddress: '127.0.0.1' }, this.storage);
  }
}

/** Asserts a promise fails with a CofferError of this status and message. */
export async function assertRejects(promise: Promise<unknown>, status: number, message: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof CofferError, `expected a CofferError, got ${String(err)}`);
    assert.equal(err.status, status);
    assert.equal(err.message, message);
    return true;
  });
}
