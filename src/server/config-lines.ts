/**
 * Finding the line an option is written on. The HCL and JSON parsers give values without
 * positions, so a key is looked for in the text: inside its block, found by walking the block
 * headers from the top (`listener "tcp" {` in HCL; `"listener": ... "tcp": {` in JSON).
 */

/** One step into the file: the nth (from 0) stanza of `kind`, with `label` when it is a labelled block. */
export interface BlockStep {
  kind: string;
  label?: string;
  nth: number;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The 1-based line where `key` is written inside the block at `path`, else that block's header line, else undefined. */
export function keyLine(text: string, path: readonly BlockStep[], key: string): number | undefined {
  const lines = text.split('\n');
  const block = blockStart(lines, path);
  const keyPattern = new RegExp(`(^|[^\\w"-])"?${escape(key)}"?\\s*([:={]|"[^"]*"\\s*\\{)`);
  const at = shallowestMatch(lines, block.start, keyPattern, block.found);
  if (at !== undefined) return at + 1;
  return block.found ? block.start + 1 : undefined;
}

/** The 1-based header line of the block at `path`; undefined for the top level or a block not found. */
export function blockLine(text: string, path: readonly BlockStep[]): number | undefined {
  const block = blockStart(text.split('\n'), path);
  return block.found ? block.start + 1 : undefined;
}

/**
 * The 1-based line where `entry` stands in the list that `key` holds (a list may span lines), found
 * from `key`'s line (keyLine) to the list's end; else `key`'s line.
 */
export function entryLine(text: string, path: readonly BlockStep[], key: string, entry: string): number | undefined {
  const at = keyLine(text, path, key);
  if (at === undefined) return undefined;
  const lines = text.split('\n');
  // The entry standing alone: not a part of a longer value ("10.0.0.0/8" in "110.0.0.0/8").
  const entryPattern = new RegExp(`(^|[\\s"',[])${escape(entry)}($|[\\s"',\\]])`);
  let depth = 0;
  for (let i = at - 1; i < lines.length; i++) {
    if (entryPattern.test(lines[i]!)) return i + 1;
    depth += nesting(lines[i]!);
    if (depth <= 0) break;
  }
  return at;
}

/** The header line (0-based) of the block at `path`, walked from the top; `found` false when a step is missing. */
function blockStart(lines: string[], path: readonly BlockStep[]): { start: number; found: boolean } {
  let start = 0;
  for (const step of path) {
    const found = stepLine(lines, start, step);
    if (found === undefined) return { start, found: false };
    start = found;
  }
  return { start, found: path.length > 0 };
}

/**
 * The matching line nearest the top of the block whose header is line `start` (bounded), or of the file:
 * among the lines before the block closes, the least nested match, so a key of the block itself is
 * preferred to the same key in a stanza inside it.
 */
function shallowestMatch(lines: string[], start: number, pattern: RegExp, bounded: boolean): number | undefined {
  let depth = 0;
  let best: { line: number; depth: number } | undefined;
  for (let i = start; i < lines.length; i++) {
    if (pattern.test(lines[i]!) && (best === undefined || depth < best.depth)) best = { line: i, depth };
    depth += nesting(lines[i]!);
    if (bounded && depth <= 0) break;
  }
  return best?.line;
}

/** Opening minus closing brackets on a line, outside strings and comments. */
function nesting(line: string): number {
  const code = line.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/(#|\/\/).*$/, '');
  return (code.match(/[{[]/g)?.length ?? 0) - (code.match(/[}\]]/g)?.length ?? 0);
}

function stepLine(lines: string[], start: number, step: BlockStep): number | undefined {
  const kind = escape(step.kind);
  if (step.label === undefined) {
    return nthFrom(lines, start, new RegExp(`(^|[^\\w"-])"?${kind}"?\\s*[:=]?\\s*[{[]`), step.nth);
  }
  const label = escape(step.label);
  const hcl = nthFrom(lines, start, new RegExp(`(^|[^\\w"-])${kind}\\s+"?${label}"?\\s*\\{`), step.nth);
  if (hcl !== undefined) return hcl;
  // JSON: "kind": {"label": {...}} or "kind": [{"label": {...}}, ...].
  const kindAt = indexFrom(lines, start, new RegExp(`"${kind}"\\s*:`));
  if (kindAt === undefined) return undefined;
  return nthFrom(lines, kindAt, new RegExp(`"${label}"\\s*:`), step.nth) ?? kindAt;
}

function indexFrom(lines: string[], start: number, pattern: RegExp): number | undefined {
  for (let i = start; i < lines.length; i++) if (pattern.test(lines[i]!)) return i;
  return undefined;
}

/** The nth matching line from `start`; the first one when there are fewer (a JSON list on one line). */
function nthFrom(lines: string[], start: number, pattern: RegExp, nth: number): number | undefined {
  const matches: number[] = [];
  for (let i = start; i < lines.length && matches.length <= nth; i++) if (pattern.test(lines[i]!)) matches.push(i);
  return matches[nth] ?? matches[0];
}
