/**
 * Reads one line from a terminal without echoing it, as Vault's `Password (will be hidden):` prompt
 * does. The prompt goes to stderr so stdout stays clean for `-field` / `-format=json` output.
 * Ctrl-C aborts with an error; Ctrl-D ends the line; backspace erases.
 */
export function readHiddenLine(prompt: string, input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stderr): Promise<string> {
  return new Promise((resolve, reject) => {
    const chars: string[] = [];
    const wasRaw = input.isRaw;
    // Echo goes off before the prompt shows, so nothing typed in answer to it can be echoed.
    input.setRawMode(true);
    output.write(prompt);
    input.setEncoding('utf8');
    const finish = (error?: Error) => {
      input.off('data', onData);
      input.setRawMode(wasRaw);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(chars.join(''));
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish();
        if (ch === '\u0003') return finish(new Error('interrupted'));
        if (ch === '\u007f' || ch === '\b') chars.pop();
        else chars.push(ch);
      }
    };
    input.on('data', onData);
    input.resume();
  });
}
