import { randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { CofferError, invalidRequest } from '../../framework/errors.js';
import type { MountStorage } from '../../framework/types.js';
import { ChainedWriter } from './chain.js';
import { formatEntry, type AuditFacts, type FormatOptions } from './entry.js';
import { auditHash } from './hasher.js';
import type { AuditSink, AuditSinkFactory } from '../../framework/audit-sink.js';

/** One enabled audit device, as persisted in the barrier (Vault's audit table). */
export interface AuditDeviceEntry {
  /** With a trailing slash, e.g. "file/". */
  path: string;
  type: string;
  description: string;
  options: Record<string, string>;
  local: boolean;
}

interface LiveDevice {
  entry: AuditDeviceEntry;
  sink: AuditSink;
  writer: ChainedWriter;
  salt: Buffer;
  format: FormatOptions;
}

// Options the broker reads itself; every other option belongs to the device type.
const FORMAT_OPTIONS = ['log_raw', 'hmac_accessor', 'elide_list_responses', 'format', 'prefix'];

const TABLE_KEY = 'table';
/** Values longer than this (secret data, not tokens or accessors) are hashed without a memo. */
const MEMO_MAX_LENGTH = 256;
const saltKey = (path: string) => `salt/${encodeURIComponent(path)}`;

/**
 * The audit broker (DESIGN §4.5): every request is recorded by every enabled device before its
 * handler runs, and its response after. Fail-closed: when devices are enabled and none of them
 * could record an entry, the request is refused with a 500 and nothing runs. Each device has its
 * own HMAC salt, kept in the barrier, so sys/audit-hash can reproduce its hashes.
 */
export class AuditBroker {
  private readonly devices = new Map<string, LiveDevice>();
  /** Per request (its facts) and device salt: value → hash (see requestHasher). */
  private readonly requestHashes = new WeakMap<AuditFacts, Map<Buffer, Map<string, string>>>();

  constructor(
    private readonly storage: MountStorage,
    private readonly factories: Record<string, AuditSinkFactory>,
    private readonly logger: Logger,
    /** Counts entries no device could record (the audit-failure metric). */
    private readonly onFailure: () => void = () => {},
  ) {}

  get enabled(): boolean {
    return this.devices.size > 0;
  }

  /**
   * Opens every device of the persisted table (unseal). A device that cannot open stays enabled
   * and fails every write until a reopen (SIGHUP) succeeds: it still counts, so with no other
   * device every request is refused rather than served unaudited.
   */
  async load(): Promise<void> {
    for (const entry of (await this.storage.get<AuditDeviceEntry[]>(TABLE_KEY)) ?? []) {
      this.devices.set(entry.path, await this.openOrFail(entry));
    }
  }

  list(): AuditDeviceEntry[] {
    return [...this.devices.values()].map((d) => d.entry);
  }

  /** sys/audit/<path> PUT: opens the device first, so a device that cannot write is never enabled. */
  async enable(spec: Omit<AuditDeviceEntry, 'path'> & { path: string }): Promise<void> {
    const path = normaliseDevicePath(spec.path);
    if (this.devices.has(path)) throw invalidRequest(`path already in use: ${path}`);
    if (!Object.hasOwn(this.factories, spec.type)) throw invalidRequest(`unknown audit device type: "${spec.type}"`);
    const entry: AuditDeviceEntry = { ...spec, path };
    const device = await this.open(entry, randomBytes(32));
    try {
      await this.testMessage(device);
      await this.storage.transaction([
        { type: 'put', key: saltKey(path), value: device.salt.toString('base64') },
        { type: 'put', key: TABLE_KEY, value: [...this.list(), entry] },
      ]);
    } catch (err) {
      await device.sink.close();
      throw err;
    }
    this.devices.set(path, device);
  }

  /** sys/audit/<path> DELETE; disabling a device that is not enabled is a no-op, as in Vault. */
  async disable(rawPath: string): Promise<void> {
    const path = normaliseDevicePath(rawPath);
    const device = this.devices.get(path);
    if (!device) return;
    await this.storage.transaction([
      { type: 'put', key: TABLE_KEY, value: this.list().filter((e) => e.path !== path) },
      { type: 'delete', key: saltKey(path) },
    ]);
    this.devices.delete(path);
    await device.sink.close();
  }

  /** sys/audit-hash/<path>: the value as that device writes it. */
  hash(rawPath: string, input: string): string {
    const device = this.devices.get(normaliseDevicePath(rawPath));
    if (!device) throw invalidRequest(`unknown audit backend ${rawPath}`);
    return auditHash(device.salt, input);
  }

  /** Records the request before its handler runs; throws a 500 when no device could (fail-closed). */
  logRequest(facts: AuditFacts): Promise<void> {
    return this.record('request', facts);
  }

  /** Records the response (or the error) of a request. */
  logResponse(facts: AuditFacts): Promise<void> {
    return this.record('response', facts);
  }

  /**
   * SIGHUP: every device reopens its destination (logrotate moved the file); the chains go on. A
   * device that cannot reopen (its directory is gone) records nothing until a later reopen
   * succeeds, rather than writing on into a file nobody will find; a device that could not open
   * before is tried again.
   */
  async reopen(): Promise<void> {
    await Promise.all(
      [...this.devices.values()].map(async (device) => {
        const path = device.entry.path;
        try {
          if (device.sink instanceof UnopenedSink) {
            const reopened = await this.open(device.entry, undefined, device.writer.head);
            if (this.devices.get(path) === device) this.devices.set(path, reopened);
            else await reopened.sink.close();
          } else {
            await device.sink.reopen?.();
          }
        } catch (err) {
          this.logger.error({ err, device: path }, 'audit device could not be reopened; it refuses every entry until reopened');
          if (this.devices.get(path) !== device || device.sink instanceof UnopenedSink) return;
          this.devices.set(path, await this.unopened(device.entry, device.writer.head));
          await device.sink.close().catch(() => {});
        }
      }),
    );
  }

  async close(): Promise<void> {
    const devices = [...this.devices.values()];
    this.devices.clear();
    await Promise.all(devices.map((d) => d.sink.close()));
  }

  private async record(type: 'request' | 'response', facts: AuditFacts): Promise<void> {
    if (this.devices.size === 0) return;
    const results = await Promise.allSettled(
      [...this.devices.values()].map((d) => d.writer.append(formatEntry(type, facts, d.format, this.requestHasher(facts, d.salt)))),
    );
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    for (const failure of failed) this.logger.error({ err: failure.reason, request_id: facts.request.id }, `audit device failed to record a ${type}`);
    if (failed.length === results.length) {
      this.onFailure();
      throw new CofferError('audit_failed', `no enabled audit device could record the ${type}; the request was refused`);
    }
  }

  /**
   * The device's hash function for one request. Its two entries hash the same token and accessor
   * (each twice: in `auth` and in `request`), so short values are hashed once per request and device;
   * the memo lives only as long as the request's facts.
   */
  private requestHasher(facts: AuditFacts, salt: Buffer): (value: string) => string {
    let bySalt = this.requestHashes.get(facts);
    if (!bySalt) this.requestHashes.set(facts, (bySalt = new Map()));
    let memo = bySalt.get(salt);
    if (!memo) bySalt.set(salt, (memo = new Map()));
    const hashes = memo;
    return (value) => {
      if (value.length > MEMO_MAX_LENGTH) return auditHash(salt, value);
      let hashed = hashes.get(value);
      if (hashed === undefined) hashes.set(value, (hashed = auditHash(salt, value)));
      return hashed;
    };
  }

  private async openOrFail(entry: AuditDeviceEntry): Promise<LiveDevice> {
    try {
      return await this.open(entry);
    } catch (err) {
      this.logger.error({ err, device: entry.path }, 'audit device could not be opened; it refuses every entry until reopened');
      return this.unopened(entry, '');
    }
  }

  /** A device that records nothing; it remembers its chain's head so a later reopen continues it. */
  private async unopened(entry: AuditDeviceEntry, head: string): Promise<LiveDevice> {
    const sink = new UnopenedSink(entry.path);
    const writer = new ChainedWriter(sink, '');
    await writer.resume(head);
    return { entry, sink, writer, salt: Buffer.alloc(32), format: { logRaw: false, hmacAccessor: true, elideListResponses: false } };
  }

  /**
   * As Vault's LogTestMessage: a new device records one request entry (path sys/audit/test) before
   * it is enabled, so a device that cannot write (a full disk, /dev/full, a receiver that takes
   * the connection but not the data) is refused at enable instead of refusing every request after.
   */
  private async testMessage(device: LiveDevice): Promise<void> {
    const facts: AuditFacts = {
      request: { id: randomUUID(), operation: 'update', path: 'sys/audit/test', mountType: '', mountAccessor: '', data: {}, remoteAddress: '' },
    };
    try {
      await device.writer.append(formatEntry('request', facts, device.format, (s) => auditHash(device.salt, s)));
    } catch (err) {
      throw invalidRequest(`audit device ${device.entry.path} failed the test message: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }

  private async open(entry: AuditDeviceEntry, newSalt?: Buffer, fallbackHead = ''): Promise<LiveDevice> {
    const format = parseFormatOptions(entry.options);
    const deviceOptions = Object.fromEntries(Object.entries(entry.options).filter(([k]) => !FORMAT_OPTIONS.includes(k)));
    const salt = newSalt ?? Buffer.from((await this.storage.get<string>(saltKey(entry.path))) ?? '', 'base64');
    if (salt.length < 16) throw new Error(`audit device ${entry.path} has no salt`);
    const sink = await this.factories[entry.type]!(deviceOptions);
    const writer = new ChainedWriter(sink, entry.options.prefix ?? '');
    try {
      await writer.resume(fallbackHead);
    } catch (err) {
      await sink.close();
      throw err;
    }
    return { entry, sink, writer, salt, format };
  }
}

/** Stands in for a device that could not be opened: it records nothing, so it never counts as a success. */
class UnopenedSink implements AuditSink {
  constructor(private readonly path: string) {}
  async write(): Promise<void> {
    throw new Error(`audit device ${this.path} is not open`);
  }
  async close(): Promise<void> {}
}

/** Device paths are mount-like: no leading slash, exactly one trailing slash. */
function normaliseDevicePath(path: string): string {
  const trimmed = path.replace(/^\/+/, '').replace(/\/+$/, '');
  if (trimmed === '' || trimmed.split('/').some((s) => s === '' || s === '.' || s === '..')) throw invalidRequest(`invalid audit path "${path}"`);
  return `${trimmed}/`;
}

function parseFormatOptions(options: Record<string, string>): FormatOptions {
  const format = options.format ?? 'json';
  if (format !== 'json') throw invalidRequest(`unsupported audit format "${format}": only "json" is supported`);
  return {
    logRaw: parseBool(options.log_raw, false, 'log_raw'),
    hmacAccessor: parseBool(options.hmac_accessor, true, 'hmac_accessor'),
    elideListResponses: parseBool(options.elide_list_responses, false, 'elide_list_responses'),
  };
}

function parseBool(value: string | undefined, fallback: boolean, name: string): boolean {
  if (value === undefined || value === '') return fallback;
  if (['true', '1', 't', 'TRUE', 'True'].includes(value)) return true;
  if (['false', '0', 'f', 'FALSE', 'False'].includes(value)) return false;
  throw invalidRequest(`invalid value for "${name}": "${value}" is not a boolean`);
}
