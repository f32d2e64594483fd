import { auditLineHash } from '../../wire/index.js';
import type { AuditSink } from '../../framework/audit-sink.js';

interface Pending {
  entry: Record<string, unknown>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * One device's ordered, hash-chained writer. Entries queued in the same tick go out as one batch
 * (one write to the sink, which is what keeps audit cheap under load), and a batch is written only
 * after the previous one finished. Each line carries `prev_hash`, the hash of the line before it
 * on this device; the chain only advances over lines the sink accepted, so a failed batch leaves
 * no gap: the next line links to the last line that really was recorded.
 */
export class ChainedWriter {
  private queue: Pending[] = [];
  private flushing = false;
  private lastHash = '';

  constructor(
    private readonly sink: AuditSink,
    private readonly prefix: string,
  ) {}

  /**
   * Continues the chain from the sink's last recorded line (after a restart); a sink with none
   * (an empty new file, a socket) continues from `fallback`, the head of this device's chain before.
   */
  async resume(fallback = ''): Promise<void> {
    const last = await this.sink.lastLine?.();
    this.lastHash = last ? auditLineHash(last) : fallback;
  }

  /** The hash of the last line this writer recorded (or resumed from); '' at the chain's start. */
  get head(): string {
    return this.lastHash;
  }

  /** Resolves once the entry is recorded; rejects if the sink refused it. */
  append(entry: Record<string, unknown>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ entry, resolve, reject });
      if (this.queue.length === 1 && !this.flushing) queueMicrotask(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        let hash = this.lastHash;
        const lines = batch.map(({ entry }) => {
          const line = this.prefix + JSON.stringify({ ...entry, prev_hash: hash });
          hash = auditLineHash(line);
          return line;
        });
        try {
          await this.sink.write(lines);
          this.lastHash = hash;
          for (const p of batch) p.resolve();
        } catch (err) {
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
