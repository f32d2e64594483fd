import type { SecretManagerLogger } from './types.js';

/** The default logger: a process warning on stderr (Node prints it; `--no-warnings` silences it). */
export const stderrLogger: SecretManagerLogger = {
  warn(obj, msg) {
    process.emitWarning(msg ?? 'secret manager warning', { type: 'SecretManagerWarning', detail: JSON.stringify(obj) });
  },
};
