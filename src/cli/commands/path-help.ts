import { EXIT_OK } from '../exit-codes.js';
import { expectArgs, openSession, type CliIo } from '../session.js';

/** `path-help PATH`: GET PATH?help=1 and print the help text the server answers, as Vault's CLI does. */
export async function pathHelpCommand(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, positionals } = openSession(io, args, {});
  expectArgs(positionals, 1);
  const path = positionals[0] as string;
  const client = await session.client();
  let answer: Record<string, unknown> | undefined;
  try {
    answer = await client.request<Record<string, unknown>>('GET', path, { query: { help: '1' } });
  } catch (err) {
    return session.fail(`retrieving help for ${path}`, err);
  }
  if (session.format !== 'table') return session.printData(answer ?? {});
  session.out(typeof answer?.help === 'string' ? answer.help : '');
  return EXIT_OK;
}
