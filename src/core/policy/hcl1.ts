// Vault parses policies with HCL 1; the HCL library we use speaks HCL 2, which rejects layouts that
// HCL 1 (and so every Vault policy in the wild) accepts:
//   path "a" { capabilities = ["read"]      <- argument on the opening line of a multi-line block
//   }
//   path "b"                                <- opening brace on its own line
//   {
//   allowed_parameters { "x" = [] }         <- parameter map written as a nested block
// normalizeHcl1 rewrites only layout (never strings or comments) so HCL 2 accepts those too.

const MAP_BLOCKS = new Set(['allowed_parameters', 'denied_parameters']);

/** Rewrites HCL 1 layout into an equivalent HCL 2 layout; strings and comments are copied as they are. */
export function normalizeHcl1(text: string): string {
  let out = '';
  // Index in `out` just past the last significant (non-blank, non-comment) character.
  let lastSignificant = 0;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    const next = text[i + 1];
    if (ch === '"') {
      const end = stringEnd(text, i);
      out += text.slice(i, end);
      lastSignificant = out.length;
      i = end;
    } else if (ch === '#' || (ch === '/' && next === '/')) {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      out += text.slice(i, stop);
      i = stop;
    } else if (ch === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      out += text.slice(i, stop);
      i = stop;
    } else if (ch === '{') {
      // Pull a brace that stands on its own line back up to its labels, when only blanks separate them.
      if (/^\s*$/.test(out.slice(lastSignificant))) out = out.slice(0, lastSignificant);
      const word = /([A-Za-z_][A-Za-z0-9_-]*)\s*$/.exec(out)?.[1];
      out += word && MAP_BLOCKS.has(word) ? ' = {\n' : ' {\n';
      lastSignificant = out.length;
      i++;
    } else if (ch === '}') {
      out += '\n}';
      lastSignificant = out.length;
      i++;
    } else {
      out += ch;
      if (!/\s/.test(ch)) lastSignificant = out.length;
      i++;
    }
  }
  return out;
}

/** Index just past the closing quote of the string starting at `start` (or the end of the text). */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    if (text[i] === '\\') i += 2;
    else if (text[i] === '"') return i + 1;
    else i++;
  }
  return text.length;
}
