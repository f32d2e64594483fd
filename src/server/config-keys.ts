import { parseBoolText } from '../framework/bool.js';
import { configBlock, labelledBlock, type ConfigBlock, type ConfigOption, type OptionType } from './config-options.js';
import { keyLine, type BlockStep } from './config-lines.js';
import type { Json } from './config/syntax.js';

/**
 * Labelled blocks, as HCL (`storage "sqlite" {..}` → {sqlite: [{..}]}) or JSON (`{sqlite: {..}}` or a list
 * of those) gives them: a list of [label, body].
 */
function blocks(value: unknown): [string, Json][] {
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  const out: [string, Json][] = [];
  for (const item of list) {
    if (typeof item !== 'object' || item === null) continue;
    for (const [label, body] of Object.entries(item as Json)) {
      for (const one of Array.isArray(body) ? body : [body]) out.push([label, (one ?? {}) as Json]);
    }
  }
  return out;
}

/** Labelled blocks of `kind` with where each is written: the nth (from 0) stanza of its label, for the line locator. */
export function labelledStanzas(kind: string, value: unknown): { label: string; body: Json; step: BlockStep }[] {
  const seen = new Map<string, number>();
  return blocks(value).map(([label, body]) => {
    const nth = seen.get(label) ?? 0;
    seen.set(label, nth + 1);
    return { label, body, step: { kind, label, nth } };
  });
}

/** Unlabelled blocks (`telemetry { .. }`): HCL gives a list of bodies, JSON an object or a list. */
function unlabelledBlocks(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

/** One key of the parsed configuration, with the block it sits in and its table entry (none: unknown). */
interface KeyVisit {
  block: ConfigBlock;
  key: string;
  value: unknown;
  option: ConfigOption | undefined;
  path: BlockStep[];
}

/** Every key of the parsed configuration, block by block, through the blocks the table knows. */
function visitKeys(raw: Json, visit: (at: KeyVisit) => void): void {
  const walk = (block: ConfigBlock, body: Json, path: BlockStep[]) => {
    for (const [key, value] of Object.entries(body)) {
      const option = block.options.find((o) => o.name === key);
      visit({ block, key, value, option, path });
      if (option?.type === 'block') {
        const inner = configBlock(option.holds!)!;
        unlabelledBlocks(value).forEach((stanza, nth) => {
          if (isBlock(stanza)) walk(inner, stanza, [...path, { kind: key, nth }]);
        });
      } else if (option?.type === 'labelled block') {
        for (const { label, body: stanza, step } of labelledStanzas(key, value)) {
          const inner = labelledBlock(option.holds!, label);
          if (inner && isBlock(stanza)) walk(inner, stanza, [...path, step]);
        }
      }
    }
  };
  walk(configBlock('')!, raw, []);
}

/** `file:line: message` for the key, first line first once sorted. */
function problemAt(file: string, text: string, at: KeyVisit, message: string): { line: number; text: string } {
  const line = keyLine(text, at.path, at.key);
  return { line: line ?? 0, text: `${line === undefined ? file : `${file}:${line}`}: ${message}` };
}

const sorted = (problems: { line: number; text: string }[]) => problems.sort((a, b) => a.line - b.line).map((p) => p.text);

/**
 * Every key of the parsed configuration that the option table (config-options.ts) does not list
 * for its block, as `file:line: message`, first line first (the parsers do not keep the file's
 * order). Blocks of an unknown type (`storage "mysql"`) and values that are not blocks are left to
 * the loader, which names them itself.
 */
export function unknownOptions(file: string, text: string, raw: Json): string[] {
  const problems: { line: number; text: string }[] = [];
  visitKeys(raw, (at) => {
    if (at.option) return;
    const known = at.block.options.map((o) => o.name).join(', ');
    const message =
      at.block.id === ''
        ? `unknown configuration key "${at.key}"`
        : `${at.block.id}: unknown option "${at.key}" (${known === '' ? 'it takes no options' : `known: ${known}`})${at.block.unknownHint ?? ''}`;
    problems.push(problemAt(file, text, at, message));
  });
  return sorted(problems);
}

/**
 * Every known key whose value is not of the type its table entry gives, as `file:line: message`.
 * Lenient as Vault's HCL reading is: a bool may be written as Go's ParseBool text or 0/1 (`tls_disable = 1`), a number
 * or a duration as text (an integer also in 0x hex), a string list as one string. The loader runs this after its own, more
 * specific checks, so it catches what nothing reads closely: options accepted for compatibility.
 */
export function wrongTypes(file: string, text: string, raw: Json): string[] {
  const problems: { line: number; text: string }[] = [];
  visitKeys(raw, (at) => {
    if (!at.option || fitsType(at.option.type, at.value)) return;
    const where = at.block.id === '' ? '' : `${at.block.id}: `;
    problems.push(problemAt(file, text, at, `${where}${at.key} must be ${TYPE_NAMES[at.option.type]}, got ${JSON.stringify(at.value)}`));
  });
  return sorted(problems);
}

const TYPE_NAMES: Record<OptionType, string> = {
  string: 'a string',
  bool: 'true or false',
  int: 'an integer',
  number: 'a number',
  duration: 'a duration such as "30s"',
  'string list': 'a list of strings',
  block: 'a block',
  'labelled block': 'a block',
};

function fitsType(type: OptionType, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'bool':
      // As the loader reads bools: Go's ParseBool spellings as text, or 0/1 (`tls_disable = 1`).
      return typeof value === 'boolean' || value === 0 || value === 1 || (typeof value === 'string' && parseBoolText(value) !== undefined);
    case 'int':
      // As text, decimal or 0x hex (Vault reads a pkcs11 slot either way).
      return Number.isSafeInteger(value) || (typeof value === 'string' && /^(-?\d+|0x[0-9a-f]+)$/i.test(value.trim()));
    case 'number':
      return (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)));
    case 'duration':
      return (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'string';
    case 'string list':
      return typeof value === 'string' || (Array.isArray(value) && value.every((item) => typeof item === 'string'));
    default:
      // Blocks: their shape is the loader's to check, their keys are walked.
      return true;
  }
}

const isBlock = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
