import type { Backend, PathDef } from './types.js';

interface CompiledPath {
  def: PathDef;
  regex: RegExp;
  names: string[];
}

export interface PathMatch {
  def: PathDef;
  /** Values captured from the path; they override body fields of the same name. */
  params: Record<string, string>;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Turns "data/:path*" into a regex: ":name" is one segment; ":name*" at the end is the (possibly
 * empty) rest, elsewhere one or more segments (as in the sys mounts tune path).
 */
export function compilePattern(pattern: string): { regex: RegExp; names: string[] } {
  const names: string[] = [];
  const segments = pattern.split('/');
  let source = '';
  segments.forEach((segment, i) => {
    const sep = i === 0 ? '' : '/';
    const last = i === segments.length - 1;
    if (segment.startsWith(':') && segment.endsWith('*') && !last) {
      names.push(segment.slice(1, -1));
      source += `${sep}(.+)`;
    } else if (segment.startsWith(':') && segment.endsWith('*')) {
      names.push(segment.slice(1, -1));
      // The rest may be empty, with or without the separating slash ("metadata", "metadata/").
      source += i === 0 ? '(.*)' : '(?:/(.*))?';
    } else if (segment.startsWith(':')) {
      names.push(segment.slice(1));
      source += `${sep}([^/]+)`;
    } else {
      source += sep + escape(segment);
    }
  });
  return { regex: new RegExp(`^${source}$`), names };
}

const compiled = new WeakMap<Backend, CompiledPath[]>();

/** Finds the first path of the table that matches a mount-relative path. */
export function matchPath(backend: Backend, path: string): PathMatch | undefined {
  let table = compiled.get(backend);
  if (!table) {
    table = backend.paths.map((def) => ({ def, ...compilePattern(def.pattern) }));
    compiled.set(backend, table);
  }
  for (const { def, regex, names } of table) {
    const m = regex.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    names.forEach((name, i) => (params[name] = m[i + 1] ?? ''));
    return { def, params };
  }
  return undefined;
}
