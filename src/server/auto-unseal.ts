import type { Logger } from 'pino';
import type { Core } from '../core/core.js';

/** How often a server whose auto-unseal failed tries again. */
export const AUTO_UNSEAL_RETRY_MS = 5_000;

/**
 * Unseals at start through a KMS provider (transit, AWS KMS, an HSM). That KMS may be down
 * for a while: like Vault's auto-unseal, the server then stays up sealed (answering 503 and
 * sys/seal-status), logs why, and keeps trying, instead of exiting. Returns a stop function.
 */
export async function autoUnsealAtStart(core: Core, logger: Logger, retryMs = AUTO_UNSEAL_RETRY_MS): Promise<() => void> {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let lastMessage = '';
  const attempt = async (): Promise<void> => {
    try {
      await core.unseal();
      if (lastMessage) logger.info('auto-unseal succeeded');
    } catch (err) {
      // The messages name the KMS and the reason (the transit address, HTTP status, Vault's error), never key material.
      const message = (err as Error).message;
      if (message !== lastMessage) logger.error({ error: message }, `auto-unseal failed; the server stays sealed and retries every ${retryMs / 1000}s`);
      lastMessage = message;
      if (!stopped) {
        timer = setTimeout(() => void attempt(), retryMs);
        timer.unref();
      }
    }
  };
  await attempt();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
