import { UsageError } from './exit-codes.js';
import type { CliIo } from './session.js';

/** The share from the argument, from stdin ("-"), or asked for on the terminal without echo. */
export async function unsealKeyFrom(io: CliIo, arg: string | undefined, prompt = 'Unseal Key (will be hidden): '): Promise<string> {
  let key: string;
  if (arg === '-') key = await io.readStdin();
  else if (arg !== undefined) key = arg;
  else if (io.promptSecret) key = await io.promptSecret(prompt);
  else throw new UsageError('No unseal key given: pass it as an argument, or - to read it from stdin; there is no terminal to ask on');
  key = key.trim();
  if (!key) throw new UsageError('No unseal key given');
  return key;
}
