import assert from 'node:assert/strict';
import { CofferError } from '../../src/framework/errors.js';
import { dispatch, resolveOperation, routeRequest, type LogicalRequest } from '../../src/framework/dispatch.js';
import { StorageView } from '../../src/core/storage-view.js';
import type { Backend, Caller, MountInfo, MountStorage, Operation, Resp } from '../../src/framework/types.js';
import { InmemBackend } from '../../src/storage/inmem.js';

/** A mount description for engine tests. */
export function testMount(type: string, options: Record<string, string> = {}): MountInfo {
  return { path: `${type}/`, type, accessor: `${type}_1234`, uuid: `uuid-${type}`, options };
}

/** A caller for paths that need one (cubbyhole). */
export function testCaller(tokenId: string): Caller {
  return {
    token: `hvs.${tokenId}`,
    tokenId,
    accessor: `accessor-${tokenId}`,
    policies: ['default'],
    displayName: 'token',
    entityId: '',
    meta: {},
    isRoot: false,
  };
}

/** Drives one backend through `dispatch` (routing, fields, create/update; no ACL) over in-memory storage. */
export class EngineClient {
  private requests = 0;

  constructor(
    readonly backend: Backend,
    readonly mount: MountInfo,
    readonly store: MountStorage = new StorageView(new InmemBackend()),
    readonly caller: Caller | undefined = undefined,
  ) {}

  /** The same mount storage seen by another backend instance (another node) or another caller. */
  with(options: { backend?: Backend; caller?: Caller | undefined }): EngineClient {
    return new EngineClient(options.backend ?? this.backend, this.mount, this.store, 'caller' in options ? options.caller : this.caller);
  }

  private logical(operation: Operation, path: string, data: Record<string, unknown>): LogicalRequest {
    return { id: `req-${++this.requests}`, operation, path, data, mount: this.mount, caller: this.caller, remoteAddress: '127.0.0.1' };
  }

  request(operation: Operation, path: string, data: Record<string, unknown> = {}): Promise<Resp> {
    return dispatch(this.backend, this.logical(operation, path, data), this.store);
  }

  /** What a POST/PUT to this path becomes after the existence check: 'create' or 'update'. */
  writeOperation(path: string, data: Record<string, unknown> = {}): Promise<Operation> {
    return resolveOperation(routeRequest(this.backend, this.logical('update', path, data)), this.store);
  }

  read = (path: string, query: Record<string, unknown> = {}) => this.request('read', path, query);
  write = (path: string, body: Record<string, unknown>) => this.request('update', path, body);
  patch = (path: string, body: Record<string, unknown>) => this.request('patch', path, body);
  delete = (path: string, body: Record<string, unknown> = {}) => this.request('delete', path, body);
  list = (path: string) => this.request('list', path);
}

/** Asserts that a request fails with a CofferError of this status (and message, when given). */
export async function assertRejects(promise: Promise<unknown>, status: number, message?: string | RegExp): Promise<CofferError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof CofferError, `expected a CofferError ${status}, got ${caught === undefined ? 'success' : String(caught)}`);
  assert.equal(caught.status, status, `status of "${caught.message}"`);
  if (typeof message === 'string') assert.equal(caught.message, message);
  else if (message) assert.match(caught.message, message);
  return caught;
}

/** Every storage key under the mount, to prove a failed request changed nothing. */
export async function snapshot(store: MountStorage, prefix = ''): Promise<Map<string, unknown>> {
  const result = new Map<string, unknown>();
  for (const child of await store.list(prefix)) {
    if (child.endsWith('/')) for (const [k, v] of await snapshot(store, prefix + child)) result.set(k, v);
    else result.set(prefix + child, await store.getVersioned(prefix + child));
  }
  return result;
}
