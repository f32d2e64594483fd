// Go's regexp (RE2 syntax) on JavaScript's RegExp, for consul-template's regexMatch and
// regexReplaceAll. The common RE2 forms are translated: leading flags such as (?i), (?P<name>...),
// \A, \z, \Q...\E, [[:alpha:]] classes and \pL. Go's ReplaceAllString is followed exactly: its
// $1, ${name} expansion and its rule that an empty match next to the previous match is not replaced.

const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

const cache = new Map<string, RegExp>();

/** Compiles a Go regular expression (global, so it can be searched repeatedly). */
export function compileGoRegexp(pattern: string): RegExp {
  const cached = cache.get(pattern);
  if (cached) return cached;
  let flags = 'g';
  let body = pattern;
  const leading = /^\(\?([imsU]+)\)/.exec(body);
  if (leading) {
    const wanted = leading[1] ?? '';
    if (wanted.includes('U')) throw new Error(`error parsing regexp: ungreedy flag (?U) is not supported: \`${pattern}\``);
    flags += wanted;
    body = body.slice(leading[0].length);
  }
  const source = translate(body);
  let re: RegExp;
  try {
    re = new RegExp(source, `${flags}u`);
  } catch {
    // Unicode mode refuses some escapes RE2 allows, such as \- outside a class; try without it.
    try {
      re = new RegExp(source, flags);
    } catch (err) {
      throw new Error(`error parsing regexp: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (cache.size > 256) cache.clear();
  cache.set(pattern, re);
  return re;
}

function translate(pattern: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (next === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        const literal = pattern.slice(i + 2, end < 0 ? pattern.length : end);
        out += literal.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
        i = end < 0 ? pattern.length : end + 1;
        continue;
      }
      if (!inClass && next === 'A') out += '(?<![\\s\\S])';
      else if (!inClass && next === 'z') out += '(?![\\s\\S])';
      else if ((next === 'p' || next === 'P') && pattern[i + 2] !== '{' && /[A-Za-z]/.test(pattern[i + 2] ?? '')) {
        out += `\\${next}{${pattern[i + 2]}}`;
        i += 1;
      } else out += `\\${next}`;
      i++;
      continue;
    }
    if (inClass) {
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(pattern.slice(i));
      if (posix && POSIX_CLASSES[posix[2] ?? '']) {
        if (posix[1]) throw new Error(`error parsing regexp: negated POSIX class is not supported: \`${posix[0]}\``);
        out += POSIX_CLASSES[posix[2] ?? ''];
        i += posix[0].length - 1;
        continue;
      }
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      // A ']' right after '[' or '[^' is a literal in RE2.
      if (pattern[i + 1] === '^') {
        out += '^';
        i++;
      }
      if (pattern[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c === '(' && pattern.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
      continue;
    }
    out += c;
  }
  return out;
}

/** Go's Regexp.MatchString. */
export function regexpMatches(re: RegExp, s: string): boolean {
  re.lastIndex = 0;
  return re.exec(s) !== null;
}

/** Go's Regexp.ReplaceAllString: `template` may use $1, ${1}, $name, ${name} and $$. */
export function regexpReplaceAll(re: RegExp, s: string, template: string): string {
  let out = '';
  let lastMatchEnd = 0;
  let searchPos = 0;
  while (searchPos <= s.length) {
    re.lastIndex = searchPos;
    const match = re.exec(s);
    if (!match) break;
    const start = match.index;
    const end = start + match[0].length;
    out += s.slice(lastMatchEnd, start);
    // No replacement for an empty match right after another match.
    if (end > lastMatchEnd || start === 0) out += expand(template, match);
    lastMatchEnd = end;
    const width = searchPos < s.length ? ((s.codePointAt(searchPos) ?? 0) > 0xffff ? 2 : 1) : 0;
    if (searchPos + width > end) searchPos += width;
    else if (searchPos + 1 > end) searchPos++;
    else searchPos = end;
  }
  return out + s.slice(lastMatchEnd);
}

function expand(template: string, match: RegExpExecArray): string {
  let out = '';
  let rest = template;
  for (;;) {
    const dollar = rest.indexOf('$');
    if (dollar < 0) break;
    out += rest.slice(0, dollar);
    rest = rest.slice(dollar + 1);
    if (rest[0] === '$') {
      out += '$';
      rest = rest.slice(1);
      continue;
    }
    const ref = /^(?:\{([\p{L}\p{Nd}_]+)\}|([\p{L}\p{Nd}_]+))/u.exec(rest);
    if (!ref) {
      // Malformed: the $ is kept as text.
      out += '$';
      continue;
    }
    rest = rest.slice(ref[0].length);
    const name = ref[1] ?? ref[2] ?? '';
    const isNumber = /^(0|[1-9][0-9]{0,7})$/.test(name);
    const value = isNumber ? match[Number(name)] : match.groups?.[name];
    out += value ?? '';
  }
  return out + rest;
}
