import type { Logger } from 'pino';
import type { Core } from '../core.js';

const POLL_MS = 1_000;

/**
 * HA with a KMS seal: a node started before the store was initialized (through another node)
 * unseals itself, and so joins the election, once the store is. It acts only on seeing the store
 * initialized and this node still sealed twice in a row, a poll apart, so a sys/init on this very
 * node (which unseals it within milliseconds) is never raced. Answers a function that stops it.
 */
export function unsealWhenInitialized(core: Core, logger: Logger): () => void {
  let seenInitialized = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const poll = async () => {
    if (stopped) return;
    try {
      if (!core.barrier.sealed) return; // unsealed here (sys/init on this node): nothing left to do
      if (await core.isInitialized()) {
        if (seenInitialized) {
          logger.info('the store was initialized by another node: unsealing');
          await core.unseal();
          return;
        }
        seenInitialized = true;
      }
    } catch (err) {
      logger.warn({ error: (err as Error).message }, 'HA: unseal after initialization failed; retrying');
      seenInitialized = false;
    }
    if (!stopped) {
      timer = setTimeout(() => void poll(), POLL_MS);
      timer.unref();
    }
  };
  timer = setTimeout(() => void poll(), POLL_MS);
  timer.unref();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
