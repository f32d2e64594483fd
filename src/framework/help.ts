import { compilePattern, matchPath } from './match.js';
import { OPERATIONS, type Backend, type PathDef } from './types.js';

/**
 * The text a `?help=1` request answers (what `vault path-help` prints), generated from the path
 * table: for a mount's root, the backend's paths with their descriptions; for a path, its route,
 * operations and fields. Markdown-ish, in the layout of Vault's framework help.
 */
export function pathHelp(backend: Backend, relativePath: string): string {
  const match = relativePath === '' ? undefined : matchPath(backend, relativePath);
  return match ? onePathHelp(relativePath, match.def) : backendHelp(backend);
}

function backendHelp(backend: Backend): string {
  const lines = [
    '## DESCRIPTION',
    '',
    `The ${backend.type} backend.`,
    '',
    '## PATHS',
    '',
    'The following paths are supported by this backend. To view help for any of them, ask path-help',
    'for a path that matches its pattern. What a token may do there depends on its policies.',
  ];
  for (const def of backend.paths) {
    lines.push('', `    ${route(def)}`);
    if (def.description) lines.push(`        ${def.description}`);
  }
  return lines.join('\n');
}

function onePathHelp(requested: string, def: PathDef): string {
  const operations = OPERATIONS.filter((op) => def.operations[op] !== undefined);
  const lines = [`Request:        ${requested}`, `Matching Route: ${route(def)}`, '', def.description ?? '', '', `Operations: ${operations.join(', ')}`];
  if (def.sudo) lines.push('Needs sudo.');
  if (def.unauthenticated) lines.push('Served without a token.');
  const fields = Object.entries(def.fields);
  if (fields.length > 0) {
    lines.push('', '## PARAMETERS');
    for (const [name, spec] of fields.sort(([a], [b]) => a.localeCompare(b))) {
      const shown = spec.default === undefined ? '' : ` (default: ${JSON.stringify(spec.default)})`;
      lines.push('', `    ${name} (${spec.kind}${spec.required ? ', required' : ''})`, `        ${spec.description ?? ''}${shown}`);
    }
  }
  return lines.join('\n');
}

function route(def: PathDef): string {
  return compilePattern(def.pattern).regex.source;
}
