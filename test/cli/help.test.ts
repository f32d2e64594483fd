import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import type { CommandEntry } from '../../src/cli/commands/subcommands.js';
import { HelpRequested } from '../../src/cli/exit-codes.js';
import type { FlagSpec } from '../../src/cli/flags.js';
import { commands, run } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/session.js';
import { REPO_ROOT } from '../harness/server.js';

// `coffer <command> -help`: generated from the same flag table the command parses with, so every
// flag shows with its description and default, and every command has an example.

function capture(): { io: CliIo; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const io: CliIo = {
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    readStdin: async () => '',
    stdoutIsTTY: false,
    env: {},
    homeDir: '/nonexistent',
  };
  return { io, out: () => out, err: () => err };
}

/** Every runnable (leaf) command, by its words: [["kv", "get"], ["status"], ...]. */
function leaves(table: Record<string, CommandEntry>, prefix: string[] = []): { words: string[]; entry: CommandEntry }[] {
  return Object.entries(table).flatMap(([name, entry]) =>
    entry.subcommands ? leaves(entry.subcommands, [...prefix, name]) : [{ words: [...prefix, name], entry }],
  );
}

/** The flag table a command parses with, as its parser hands it to -help. */
async function flagsOf(entry: CommandEntry): Promise<FlagSpec> {
  try {
    await entry.run(capture().io, ['-help']);
  } catch (err) {
    if (err instanceof HelpRequested) return (err.flags ?? {}) as FlagSpec;
    throw err;
  }
  return {};
}

// `server` is the server layer's own program with its own parser and usage text (tested in test/server).
const cliLeaves = leaves(commands).filter(({ words }) => words[0] !== 'server');

describe('coffer <command> -help', () => {
  it('walks every command: usage, an example, and each flag with its description and default', async () => {
    assert.ok(cliLeaves.length >= 40, `only ${cliLeaves.length} commands found`);
    for (const { words, entry } of cliLeaves) {
      const c = capture();
      assert.equal(await run([...words, '-help'], c.io), 0, words.join(' '));
      const help = c.out();
      assert.ok(help.startsWith(`Usage: coffer ${entry.usage}\n`), `${words.join(' ')}: ${help.slice(0, 80)}`);
      assert.ok(entry.examples.length > 0, `${words.join(' ')} has no example`);
      for (const example of entry.examples) assert.ok(help.includes(`$ ${example}`), `${words.join(' ')}: example ${example}`);
      const flags = await flagsOf(entry);
      for (const [name, option] of Object.entries(flags)) {
        assert.ok(option.description.trim().length > 10, `${words.join(' ')} -${name} has no real description`);
        const line = new RegExp(`^  -${name}(=<string>)?( \\(repeatable\\))?\\n      (.*)$`, 'm').exec(help);
        assert.ok(line, `${words.join(' ')}: -${name} missing from help`);
        assert.ok(line[3]!.startsWith(option.description), `${words.join(' ')} -${name}: ${line[3]}`);
        if (option.default !== undefined) assert.ok(line[3]!.endsWith(`The default is ${option.default}.`), `${words.join(' ')} -${name} default`);
      }
    }
  });

  it('an API command lists the HTTP and output options it accepts under their own headings', async () => {
    const c = capture();
    await run(['kv', 'get', '-h'], c.io);
    const help = c.out();
    const sections = [...help.matchAll(/^(\w[\w ]+):$/gm)].map((m) => m[1]);
    assert.deepEqual(sections, ['Examples', 'Command Options', 'HTTP Options', 'Output Options']);
    assert.match(help, /^  -tls-skip-verify\n      Do not verify the server certificate \(insecure\); also VAULT_SKIP_VERIFY\. The default is false\.$/m);
    assert.match(help, /^  -format=<string>\n      .*The default is table\.$/m);
  });

  it('a group lists its subcommands with a summary each, and the way to their help', async () => {
    const c = capture();
    assert.equal(await run(['operator', '-help'], c.io), 0);
    for (const name of ['init', 'unseal', 'seal', 'rekey', 'generate-root', 'snapshot', 'raft']) assert.match(c.out(), new RegExp(`^    ${name} +\\S`, 'm'));
    assert.match(c.out(), /coffer operator <subcommand> -help/);
  });

  it('the top-level help lists exactly the commands that exist, and nothing stale', async () => {
    const c = capture();
    assert.equal(await run([], c.io), 0);
    const listed = [...c.out().matchAll(/^    (\S+) {2,}/gm)].map((m) => m[1]);
    assert.deepEqual(listed, Object.keys(commands));
    assert.doesNotMatch(c.out(), /not supported|yet|\(issue/i);
    const viaHelp = capture();
    assert.equal(await run(['help', 'token'], viaHelp.io), 0);
    assert.match(viaHelp.out(), /^Usage: coffer token <subcommand>/);
  });
});

describe('coffer version', () => {
  it('prints "Coffer v<version>" from package.json, for "version" and "-version"', async () => {
    const { version } = JSON.parse(await readFile(`${REPO_ROOT}/package.json`, 'utf8')) as { version: string };
    for (const args of [['version'], ['-version']]) {
      const c = capture();
      assert.equal(await run(args, c.io), 0);
      assert.equal(c.out(), `Coffer v${version}\n`);
    }
  });
});
