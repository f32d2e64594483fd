import { FLAG_SECTIONS, type FlagOption, type FlagSection, type FlagSpec } from './flags.js';

/** What a command's help says besides its flags, which come from the flag table its parser uses. */
export interface CommandHelp {
  /** After "coffer ": the command and its arguments, e.g. "kv get [options] KEY". */
  usage: string;
  /** One line, shown in the list of its group's (or the top level's) commands. */
  summary: string;
  /** What it does, in a few sentences; wrapped as given. */
  description?: string;
  /** Whole command lines, e.g. "coffer kv get -mount=secret creds". */
  examples: string[];
}

/** Vault's help layout: usage, description, examples, then the flags by section, each with its default. */
export function renderHelp(help: CommandHelp, flags: FlagSpec = {}): string {
  const out = [`Usage: coffer ${help.usage}`, '', indent(help.description ?? help.summary, '  ')];
  if (help.examples.length > 0) {
    out.push('', 'Examples:', '', ...help.examples.map((line) => `      $ ${line}`));
  }
  for (const [section, title] of Object.entries(FLAG_SECTIONS) as [FlagSection, string][]) {
    const inSection = Object.entries(flags).filter(([, option]) => (option.section ?? 'command') === section);
    if (inSection.length === 0) continue;
    out.push('', `${title}:`);
    for (const [name, option] of inSection.sort(([a], [b]) => a.localeCompare(b))) out.push('', ...flagLines(name, option));
  }
  return `${out.join('\n')}\n`;
}

function flagLines(name: string, option: FlagOption): string[] {
  const shape = option.type === 'boolean' ? '' : option.multiple ? '=<string> (repeatable)' : '=<string>';
  const shown = option.default === undefined ? '' : ` The default is ${option.default}.`;
  return [`  -${name}${shape}`, `      ${option.description}${shown}`];
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? '' : `${prefix}${line}`))
    .join('\n');
}

/** The list of commands a group (or the top level) prints for its help. */
export function renderCommandList(title: string, entries: Readonly<Record<string, { summary: string }>>): string {
  const names = Object.keys(entries);
  const width = Math.max(...names.map((n) => n.length)) + 4;
  return [title, ...names.map((name) => `    ${name.padEnd(width)}${entries[name]!.summary}`)].join('\n');
}
