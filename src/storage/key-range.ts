/**
 * The smallest string greater than every string that starts with `prefix`, in code-point order
 * (which is SQLite's BINARY collation over UTF-8), or undefined when no such bound exists.
 * `key >= prefix AND key < successor(prefix)` then selects exactly the keys under `prefix`.
 */
export function prefixSuccessor(prefix: string): string | undefined {
  const codePoints = Array.from(prefix);
  while (codePoints.length > 0) {
    const last = codePoints.pop() as string;
    const next = nextCodePoint(last.codePointAt(0) as number);
    if (next !== undefined) return codePoints.join('') + String.fromCodePoint(next);
    // U+10FFFF has no successor: the bound moves one character to the left.
  }
  return undefined;
}

function nextCodePoint(cp: number): number | undefined {
  if (cp === 0xd7ff) return 0xe000; // surrogates are not characters; UTF-8 skips them
  return cp < 0x10ffff ? cp + 1 : undefined;
}
