import type { FieldKind } from './fields.js';
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

/** An OpenAPI 3 document, loosely typed: what the help answer carries as `openapi`. */
export type OpenApiDocument = {
  openapi: string;
  info: { title: string; description: string; version: string; license: { name: string; url: string } };
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, OpenApiSchema> };
};

export interface OpenApiSchema {
  type?: string;
  format?: string;
  description?: string;
  default?: unknown;
  items?: { type: string };
  properties?: Record<string, OpenApiSchema>;
  required?: string[];
}

/**
 * The whole `?help=1` answer, as Vault's framework gives it: the text, and an OpenAPI document of
 * the same paths (one for a path, all of the backend's for a mount's root). `mountPrefix` is the
 * mount as the request named it ("secret/", "auth/approle/"), relative to its namespace; `version`
 * the server's, for the document's info.
 */
export function helpAnswer(backend: Backend, mountPrefix: string, relativePath: string, version: string): { help: string; openapi: OpenApiDocument; see_also: null } {
  const match = relativePath === '' ? undefined : matchPath(backend, relativePath);
  return { help: pathHelp(backend, relativePath), openapi: openApi(backend, mountPrefix, match ? [match.def] : backend.paths, version), see_also: null };
}

/** Vault's framework/openapi.go convertType, for Coffer's field kinds. */
const KIND_SCHEMA: Record<FieldKind, OpenApiSchema> = {
  string: { type: 'string' },
  int: { type: 'integer' },
  bool: { type: 'boolean' },
  duration: { type: 'string', format: 'duration' },
  strings: { type: 'array', items: { type: 'string' } },
  map: { type: 'object', format: 'map' },
  stringMap: { type: 'object', format: 'kvpairs' },
  // Any JSON value: OpenAPI's schema without a type.
  any: {},
};

function openApi(backend: Backend, mountPrefix: string, defs: readonly PathDef[], version: string): OpenApiDocument {
  const doc: OpenApiDocument = {
    openapi: '3.0.2',
    info: { title: 'Coffer API', description: 'HTTP API that gives you full access to Coffer (the Vault HTTP API). All API routes are prefixed with `/v1/`.', version, license: { name: 'Mozilla Public License 2.0', url: 'https://www.mozilla.org/en-US/MPL/2.0' } },
    paths: {},
    components: { schemas: {} },
  };
  for (const def of defs) {
    const { template, params } = pathTemplate(def.pattern);
    const item: Record<string, unknown> = { description: def.description ?? '' };
    if (params.length > 0) {
      item.parameters = params.map((name) => ({ name, description: def.fields[name]?.description ?? '', in: 'path', schema: { type: 'string' }, required: true }));
    }
    if (def.unauthenticated) item['x-vault-unauthenticated'] = true;
    if (def.sudo) item['x-vault-sudo'] = true;
    if (def.existenceCheck && def.operations.create) item['x-vault-createSupported'] = true;
    const body = requestSchema(def, params);
    const schemaName = `${operationPrefix(backend, mountPrefix, template)}Request`;
    const withBody = () => {
      if (!body) return {};
      doc.components.schemas[schemaName] = body;
      return { requestBody: { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${schemaName}` } } } } };
    };
    const operation = (verb: string, extra: Record<string, unknown> = {}) => ({
      summary: def.description ?? '',
      operationId: `${verb}-${operationPrefix(backend, mountPrefix, template)}`,
      tags: [backend.type],
      ...extra,
      responses: { '200': { description: 'OK' } },
    });
    const ops = def.operations;
    if (ops.read) item.get = operation('read');
    // Vault lists with GET ?list=true: on a path that also reads, the list parameter is optional.
    if (ops.list) {
      const list = { name: 'list', description: 'Must be set to `true`', in: 'query', schema: { type: 'string', enum: ['true'] }, required: !ops.read };
      item.get = ops.read ? { ...(item.get as object), parameters: [list] } : operation('list', { parameters: [list] });
    }
    if (ops.create || ops.update) item.post = operation('write', withBody());
    if (ops.patch) item.patch = { ...operation('patch'), ...(body ? { requestBody: { required: true, content: { 'application/merge-patch+json': { schema: { $ref: `#/components/schemas/${schemaName}` } } } } } : {}) };
    if (ops.delete) item.delete = operation('delete');
    doc.paths[`/${mountPrefix}${template}`] = item;
  }
  return doc;
}

/** "data/:path*" → "data/{path}", with the names that are path parameters. */
function pathTemplate(pattern: string): { template: string; params: string[] } {
  const params: string[] = [];
  const template = pattern
    .split('/')
    .map((segment) => {
      if (!segment.startsWith(':')) return segment;
      const name = segment.replace(/^:|\*$/g, '');
      params.push(name);
      return `{${name}}`;
    })
    .join('/');
  return { template, params };
}

/** The fields a write sends in its body: all but the path's parameters. */
function requestSchema(def: PathDef, params: readonly string[]): OpenApiSchema | undefined {
  const fields = Object.entries(def.fields).filter(([name]) => !params.includes(name));
  if (fields.length === 0) return undefined;
  const properties: Record<string, OpenApiSchema> = {};
  const required: string[] = [];
  for (const [name, spec] of fields.sort(([a], [b]) => a.localeCompare(b))) {
    properties[name] = { ...KIND_SCHEMA[spec.kind], ...(spec.description ? { description: spec.description } : {}), ...(spec.default === undefined ? {} : { default: spec.default }) };
    if (spec.required) required.push(name);
  }
  return { type: 'object', properties, ...(required.length ? { required } : {}) };
}

/** Vault's operation ids: the mount and path in kebab case ("secret-data-path"). */
function operationPrefix(backend: Backend, mountPrefix: string, template: string): string {
  const words = `${mountPrefix}${template}`.replace(/[{}]/g, '').split(/[^A-Za-z0-9]+/).filter(Boolean);
  return (words.length ? words : [backend.type]).join('-').toLowerCase();
}
