import { configBlock, labelledBlock, type ConfigBlock } from './config-options.js';
import { keyLine, type BlockStep } from './config-lines.js';

type Json = Record<string, unknown>;

/**
 * Labelled blocks, as HCL (`storage "sqlite" {..}` → {sqlite: [{..}]}) or JSON (`{sqlite: {..}}` or a list
 * of those) gives them: a list of [label, body].
 */
export function blocks(value: unknown): [string, Json][] {
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

/** Unlabelled blocks (`telemetry { .. }`): HCL gives a list of bodies, JSON an object or a list. */
function unlabelledBlocks(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

/**
 * Every key of the parsed configuration that the option table (config-options.ts) does not list
 * for its block, as `file:line: message`, first line first (the parsers do not keep the file's
 * order). Blocks of an unknown type (`storage "mysql"`) and values that are not blocks are left to
 * the loader, which names them itself.
 */
export function unknownOptions(file: string, text: string, raw: Json): string[] {
  const problems: { line: number; text: string }[] = [];
  const check = (block: ConfigBlock, body: Json, path: BlockStep[]) => {
    for (const [key, value] of Object.entries(body)) {
      const option = block.options.find((o) => o.name === key);
      if (!option) {
        const line = keyLine(text, path, key);
        const where = line === undefined ? file : `${file}:${line}`;
        const known = block.options.map((o) => o.name).join(', ');
        const message =
          block.id === ''
            ? `unknown configuration key "${key}"`
            : `${block.id}: unknown option "${key}" (${known === '' ? 'it takes no options' : `known: ${known}`})${block.unknownHint ?? ''}`;
        problems.push({ line: line ?? 0, text: `${where}: ${message}` });
        continue;
      }
      if (option.type === 'block') {
        const inner = configBlock(option.holds!)!;
        unlabelledBlocks(value).forEach((stanza, nth) => {
          if (isBlock(stanza)) check(inner, stanza, [...path, { kind: key, nth }]);
        });
      } else if (option.type === 'labelled block') {
        const seen = new Map<string, number>();
        for (const [label, stanza] of blocks(value)) {
          const nth = seen.get(label) ?? 0;
          seen.set(label, nth + 1);
          const inner = labelledBlock(option.holds!, label);
          if (inner && isBlock(stanza)) check(inner, stanza, [...path, { kind: key, label, nth }]);
        }
      }
    }
  };
  check(configBlock('')!, raw, []);
  return problems.sort((a, b) => a.line - b.line).map((p) => p.text);
}

const isBlock = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
