import { readFileSync } from 'node:fs';
import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import { Etcd3, isRecoverableError, type ICompare, type IOptions, type IRequestOp, type KVClient } from 'etcd3';
import { CofferError } from '../framework/errors.js';
import { ConditionFailed, type Condition, type Entry, type Op, type SnapshotEntry, type StorageBackend } from './backend.js';
import { RevisionCache } from './revision-cache.js';

/** etcd's default --max-request-bytes (1.5 MiB): a larger request is refused by the server. */
export const ETCD_DEFAULT_MAX_REQUEST_BYTES = 1.5 * 1024 * 1024;
/** etcd's default --max-txn-ops. */
export const ETCD_DEFAULT_MAX_TXN_OPS = 128;
/** Bytes of protobuf framing counted per op on top of its key and value (a generous estimate). */
const OP_OVERHEAD_BYTES = 32;
/** Keys fetched per range request while listing. */
const LIST_PAGE = 1000;
/** Entries per snapshot page: bounded memory, few round trips. */
const SNAPSHOT_PAGE = 500;

export interface EtcdStorageConfig {
  type: 'etcd';
  endpoints: string[];
  /** Every key lives under this prefix (default "/coffer/"). */
  prefix?: string;
  /** Parsed here, used by HA: nodes sharing this prefix elect an active node through etcd. */
  haEnabled?: boolean;
  username?: string;
  password?: string;
  tlsCaFile?: string;
  tlsCertFile?: string;
  tlsKeyFile?: string;
}

export interface EtcdStorageOptions {
  /** The cluster's --max-request-bytes; a transaction whose keys and values exceed it is refused. */
  maxRequestBytes?: number;
  /** The cluster's --max-txn-ops. */
  maxTxnOps?: number;
  /** Deadline of every etcd call, so a lost cluster fails requests instead of hanging them. */
  callTimeoutMs?: number;
}

/**
 * Storage on an etcd v3 cluster. Each write is one etcd Txn, acknowledged by etcd only once a
 * quorum of members committed it to their Raft logs. An entry's version is its mod_revision: etcd's
 * single store-wide revision counter, so versions only rise and a re-created key never gets an old
 * one back. Conditions become Txn compares, checked by etcd atomically with the writes.
 */
export class EtcdStorage implements StorageBackend {
  readonly prefix: string;
  private readonly kv: KVClient;
  private readonly maxRequestBytes: number;
  private readonly maxTxnOps: number;
  /** HA fencing (set only while this node is the active one): see `fenceWith`. */
  private fence?: { key: Buffer; createRevision: string; onFenced: () => void };
  /** Reads served from memory while fenced: this node is then the only writer (see revision-cache.ts). */
  private cache?: RevisionCache;

  constructor(
    /** The connection, shared with whatever else needs this cluster (HA elections). */
    readonly client: Etcd3,
    prefix = '/coffer/',
    { maxRequestBytes = ETCD_DEFAULT_MAX_REQUEST_BYTES, maxTxnOps = ETCD_DEFAULT_MAX_TXN_OPS }: EtcdStorageOptions = {},
  ) {
    this.prefix = prefix;
    this.kv = client.kv;
    this.maxRequestBytes = maxRequestBytes;
    this.maxTxnOps = maxTxnOps;
  }

  /**
   * HA fencing: while set, every write also requires this node's election key to exist with the
   * create revision it had when the node won, so a node that lost leadership without noticing yet
   * (a stalled process, a partition) cannot write: etcd refuses, atomically with the write, and
   * `onFenced` runs. Undefined lifts it (a standby's own writes, non-HA servers).
   *
   * Being the only writer, a fenced node also serves reads from a cache that starts empty with each
   * fence, so nothing another node wrote before this one led is ever served from it.
   */
  fenceWith(fence: { key: string; createRevision: string; onFenced: () => void } | undefined): void {
    this.fence = fence && { key: Buffer.from(fence.key, 'utf8'), createRevision: fence.createRevision, onFenced: fence.onFenced };
    this.cache = fence && new RevisionCache();
  }

  private physical(key: string): Buffer {
    return Buffer.from(this.prefix + key, 'utf8');
  }

  async get(key: string): Promise<Entry | undefined> {
    // The cache as of the read's start: a read begun before this node led never fills a later cache.
    const cache = this.cache;
    const hit = cache?.get(key);
    if (hit) return hit.value && { key, value: Uint8Array.from(hit.value), version: hit.version };
    const { kvs, header } = await this.kv.range({ key: this.physical(key) });
    const found = kvs[0] && { value: Uint8Array.from(kvs[0].value), version: Number(kvs[0].mod_revision) };
    cache?.fromRead(key, found && { value: Uint8Array.from(found.value), version: found.version }, Number(header.revision));
    return found && { key, ...found };
  }

  put(key: string, value: Uint8Array): Promise<void> {
    return this.transaction([{ type: 'put', key, value }]);
  }

  delete(key: string): Promise<void> {
    return this.transaction([{ type: 'delete', key }]);
  }

  /**
   * Direct children of `prefix`: pages through the keys (never the values) in byte order and, on
   * meeting a folder, continues after everything under it, so a big folder costs one more request.
   */
  async list(prefix: string): Promise<string[]> {
    const base = this.physical(prefix);
    const end = successor(base);
    const children: string[] = [];
    let from = base;
    for (;;) {
      const { kvs, more } = await this.kv.range({ key: from, range_end: end ?? Buffer.from([0]), keys_only: true, limit: LIST_PAGE });
      let next: Buffer | undefined;
      for (const { key } of kvs) {
        const rest = key.subarray(base.length).toString('utf8');
        if (rest === '') continue;
        const slash = rest.indexOf('/');
        if (slash === -1) {
          children.push(rest);
          continue;
        }
        const folder = rest.slice(0, slash + 1);
        children.push(folder);
        next = successor(this.physical(prefix + folder));
        break;
      }
      if (next === undefined) {
        const last = kvs[kvs.length - 1];
        if (!more || !last) break;
        next = Buffer.concat([last.key, Buffer.from([0])]);
      }
      if (end !== undefined && Buffer.compare(next, end) >= 0) break;
      from = next;
    }
    return children.sort();
  }

  /**
   * One etcd Txn: the conditions as compares, then every op. When a compare fails etcd applies
   * nothing and runs the `failure` branch, which reads the condition keys at that same revision,
   * so the error can name the key that did not hold.
   */
  async transaction(ops: Op[], conditions: Condition[] = []): Promise<void> {
    if (ops.length === 0 && conditions.length === 0) return;
    this.checkSize(ops, conditions);
    const compare: ICompare[] = conditions.map((condition) =>
      condition.type === 'absent'
        ? { key: this.physical(condition.key), target: 'Create', result: 'Equal', create_revision: 0 }
        : { key: this.physical(condition.key), target: 'Mod', result: 'Equal', mod_revision: condition.version },
    );
    const success: IRequestOp[] = ops.map((op) =>
      op.type === 'put'
        ? { request_put: { key: this.physical(op.key), value: Buffer.from(op.value) } }
        : { request_delete_range: { key: this.physical(op.key) } },
    );
    const failure: IRequestOp[] = conditions.map((c) => ({ request_range: { key: this.physical(c.key), keys_only: true } }));
    const fence = this.fence;
    const cache = this.cache;
    if (fence) {
      compare.push(fenceHeld(fence));
      failure.push({ request_range: { key: fence.key, keys_only: true } });
    }
    const response = await this.txn({ compare, success, failure });
    const revision = Number(response.header.revision);
    if (response.succeeded) {
      for (const op of ops) cache?.fromWrite(op.key, op.type === 'put' ? Uint8Array.from(op.value) : undefined, revision);
      return;
    }
    // Another writer got in first (or this node lost leadership): forget what the Txn touched.
    cache?.invalidate([...ops, ...conditions].map((x) => x.key), revision);
    if (fence) {
      const held = response.responses[conditions.length]?.response_range.kvs[0];
      if (held === undefined || String(held.create_revision) !== fence.createRevision) {
        fence.onFenced();
        throw new CofferError('fenced');
      }
    }
    for (const [i, condition] of conditions.entries()) {
      const current = response.responses[i]?.response_range.kvs[0];
      const holds = condition.type === 'absent' ? current === undefined : current !== undefined && Number(current.mod_revision) === condition.version;
      if (!holds) throw new ConditionFailed(condition.key);
    }
    // etcd said a compare failed; name the first key if the re-read cannot tell which.
    throw new ConditionFailed(conditions[0]?.key ?? '');
  }

  /**
   * Every entry under the prefix as of one etcd revision (read first, then every page at it), in
   * key order: writes made meanwhile are not seen. Pages are read as iterated, so a large store is
   * never held whole. (A compaction past that revision during the read fails it, loudly.)
   */
  async *snapshot(): AsyncIterable<SnapshotEntry> {
    const base = this.physical('');
    const end = successor(base) ?? Buffer.from([0]);
    const { header } = await this.kv.range({ key: base, range_end: end, count_only: true });
    const revision = header.revision;
    let from = base;
    for (;;) {
      const { kvs, more } = await this.kv.range({ key: from, range_end: end, revision, limit: SNAPSHOT_PAGE });
      for (const { key, value } of kvs) yield { key: key.subarray(base.length).toString('utf8'), value: Uint8Array.from(value) };
      const last = kvs[kvs.length - 1];
      if (!more || !last) return;
      from = Buffer.concat([last.key, Buffer.from([0])]);
    }
  }

  /**
   * Replaces everything under the prefix: one Txn deletes the whole range, then the entries go in
   * batches that fit etcd's request limits, each fresh under etcd's revision counter. etcd cannot
   * take a whole store in one Txn, so this is not all-or-nothing: the core restores only while
   * sealed, and a restore that stopped half-way is repeated. Entries that cannot fit are refused
   * before anything is deleted.
   */
  async restore(entries: Iterable<SnapshotEntry>): Promise<void> {
    const batches: Op[][] = [[]];
    let bytes = 0;
    for (const { key, value } of entries) {
      const op: Op = { type: 'put', key, value };
      const size = Buffer.byteLength(this.prefix + key) + value.byteLength + OP_OVERHEAD_BYTES;
      if (size > this.maxRequestBytes) throw new CofferError('request_too_large', `value too large for etcd (${size} bytes > ${this.maxRequestBytes})`);
      let batch = batches[batches.length - 1]!;
      if (batch.length >= this.maxTxnOps || bytes + size > this.maxRequestBytes) {
        batches.push((batch = []));
        bytes = 0;
      }
      batch.push(op);
      bytes += size;
    }
    const base = this.physical('');
    // Fenced like every write: a node deposed before it noticed must not wipe the store.
    const fence = this.fence;
    const wipe = await this.txn({
      compare: fence ? [fenceHeld(fence)] : [],
      success: [{ request_delete_range: { key: base, range_end: successor(base) ?? Buffer.from([0]) } }],
      failure: [],
    });
    if (!wipe.succeeded) {
      fence?.onFenced();
      throw new CofferError('fenced', 'this node is no longer the active node: restore refused (HA fencing)');
    }
    this.cache?.clear(Number(wipe.header.revision));
    for (const batch of batches) if (batch.length > 0) await this.transaction(batch);
  }

  /**
   * A Txn. One that fails without an answer (timeout, lost connection) may still be applied later,
   * so this node no longer knows what the store holds: the read cache goes for the rest of this
   * leadership.
   */
  private async txn(request: Parameters<KVClient['txn']>[0]): Promise<Awaited<ReturnType<KVClient['txn']>>> {
    const cache = this.cache;
    try {
      return await this.kv.txn(request);
    } catch (err) {
      if (cache && this.cache === cache) this.cache = undefined;
      throw err;
    }
  }

  /** Refuses, before sending, a transaction etcd would reject as too large: nothing is ever truncated. */
  private checkSize(ops: Op[], conditions: Condition[]): void {
    // etcd counts the compares, the success ops and the failure ops against --max-txn-ops separately.
    const count = Math.max(ops.length, conditions.length);
    if (count > this.maxTxnOps) {
      throw new CofferError('transaction_too_large', `transaction too large for etcd (${count} operations > ${this.maxTxnOps})`);
    }
    let bytes = 0;
    for (const op of ops) bytes += Buffer.byteLength(this.prefix + op.key) + (op.type === 'put' ? op.value.byteLength : 0) + OP_OVERHEAD_BYTES;
    // Each condition is sent twice: as a compare and as a failure-branch read.
    for (const c of conditions) bytes += 2 * (Buffer.byteLength(this.prefix + c.key) + OP_OVERHEAD_BYTES);
    if (bytes > this.maxRequestBytes) {
      throw new CofferError('request_too_large', `value too large for etcd (${bytes} bytes > ${this.maxRequestBytes})`);
    }
  }

  async close(): Promise<void> {
    this.client.close();
  }
}

/** The compare that holds while the fenced node's election key is the one it won with. */
function fenceHeld(fence: { key: Buffer; createRevision: string }): ICompare {
  return { key: fence.key, target: 'Create', result: 'Equal', create_revision: fence.createRevision };
}

/** The smallest byte string greater than every string starting with `bytes`; undefined when none exists. */
function successor(bytes: Buffer): Buffer | undefined {
  const out = Buffer.from(bytes);
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i]! < 0xff) {
      out[i]! += 1;
      return out.subarray(0, i + 1);
    }
  }
  return undefined;
}

/** The etcd3 client options a storage stanza describes (TLS files read now, so a bad path fails the start). */
export function etcdClientOptions(config: EtcdStorageConfig, callTimeoutMs: number): IOptions {
  const options: IOptions = {
    hosts: config.endpoints,
    dialTimeout: callTimeoutMs,
    defaultCallOptions: () => ({ deadline: Date.now() + callTimeoutMs }),
    faultHandling: {
      // etcd3's default retries a recoverable error (UNAVAILABLE from a member just killed) three
      // times with no pause, all inside the ~1 s a Raft election takes; back off instead, with
      // jitter, for about 3 s in all before the error reaches the caller.
      global: retry(handleWhen(isRecoverableError), {
        maxAttempts: 6,
        backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 1_000 }),
      }),
    },
  };
  if (config.tlsCaFile) {
    options.credentials = {
      rootCertificate: readFileSync(config.tlsCaFile),
      ...(config.tlsCertFile ? { certChain: readFileSync(config.tlsCertFile) } : {}),
      ...(config.tlsKeyFile ? { privateKey: readFileSync(config.tlsKeyFile) } : {}),
    };
  }
  if (config.username !== undefined) options.auth = { username: config.username, password: config.password ?? '' };
  return options;
}

/**
 * Connects to the cluster and checks, within `timeoutMs`, that it answers a read; an unreachable
 * or misconfigured cluster stops the start with a message naming the endpoints.
 */
export async function connectEtcd(config: EtcdStorageConfig, options: EtcdStorageOptions = {}): Promise<EtcdStorage> {
  const timeoutMs = options.callTimeoutMs ?? 10_000;
  if (config.endpoints.length === 0) throw new Error('etcd storage needs at least one endpoint');
  const client = new Etcd3(etcdClientOptions(config, timeoutMs));
  const storage = new EtcdStorage(client, config.prefix ?? '/coffer/', options);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      storage.get('core/etcd-probe'),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    client.close();
    throw new Error(`cannot reach etcd at ${config.endpoints.join(', ')}: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
  return storage;
}
