import { noHandler, unsupportedOperation } from './errors.js';
import { parseFields } from './fields.js';
import { matchPath, type PathMatch } from './match.js';
import type { Backend, Caller, MountInfo, MountStorage, Operation, Req, Resp } from './types.js';

/** A request addressed to one backend, before fields are parsed. */
export interface LogicalRequest {
  id: string;
  /** For HTTP POST/PUT pass 'update': `resolveOperation` tells create from update. */
  operation: Operation;
  /** Mount-relative path. */
  path: string;
  data: Record<string, unknown>;
  mount: MountInfo;
  caller: Caller | undefined;
  remoteAddress: string;
  wrapTtl?: number;
}

/** A request matched to a path of the table, fields parsed. */
export interface RoutedRequest {
  match: PathMatch;
  req: Req;
  /** Sent fields the path does not know; Vault ignores them with a warning. */
  ignored: string[];
  /**
   * Bad input found while parsing the fields (400). Thrown by `invokeHandler`, so the pipeline's ACL
   * check comes first and a caller without a grant gets 403, not a description of the path's fields
   * (as Vault, which validates fields in the handler); `resolveOperation` throws it earlier only
   * where an existence check needs the fields (Vault's existence check validates them too).
   */
  fieldError?: unknown;
}

/**
 * Matches the path in the backend's table (unless the caller already did) and parses the fields
 * (404 when no path matches; bad input is kept as `fieldError`, a 400 thrown later).
 */
export function routeRequest(backend: Backend, request: LogicalRequest, matched?: PathMatch): RoutedRequest {
  const match = matched ?? matchPath(backend, request.path);
  if (!match) throw noHandler(request.mount.path + request.path);
  const raw = { ...request.data, ...match.params };
  let parsed: ReturnType<typeof parseFields>;
  let fieldError: unknown;
  try {
    parsed = parseFields(match.def.fields, raw);
  } catch (err) {
    fieldError = err;
    parsed = { values: {}, provided: new Set(), unknown: [] };
  }
  const { values, provided, unknown } = parsed;
  const req: Req = {
    id: request.id,
    operation: request.operation,
    path: request.path,
    fields: values,
    provided: (name) => provided.has(name),
    raw: request.data,
    mount: request.mount,
    caller: request.caller,
    remoteAddress: request.remoteAddress,
    wrapTtl: request.wrapTtl,
  };
  const ignored = match.def.arbitraryData ? [] : unknown.filter((name) => !(name in match.params));
  return { match, req, ignored, ...(fieldError === undefined ? {} : { fieldError }) };
}

/** Vault's rule for writes: create when the path has an existence check that says "absent", else update. */
export async function resolveOperation(routed: RoutedRequest, store: MountStorage): Promise<Operation> {
  const { match, req } = routed;
  if (req.operation !== 'update' && req.operation !== 'create') return req.operation;
  if (!match.def.existenceCheck) return 'update';
  if (routed.fieldError !== undefined) throw routed.fieldError;
  return (await match.def.existenceCheck(req, store)) ? 'update' : 'create';
}

/** Runs the handler for the request's operation; 405 when the path has none. */
export async function invokeHandler(routed: RoutedRequest, store: MountStorage): Promise<Resp> {
  const { match, req } = routed;
  if (routed.fieldError !== undefined) throw routed.fieldError;
  // A path without a create handler serves create with its update handler, as Vault's framework does.
  const handler = match.def.operations[req.operation] ?? (req.operation === 'create' ? match.def.operations.update : undefined);
  if (!handler) throw unsupportedOperation();
  const resp = await handler(req, store);
  if (routed.ignored.length > 0) {
    const warning = `Endpoint ignored these unrecognized parameters: [${routed.ignored.join(' ')}]`;
    resp.warnings = [...(resp.warnings ?? []), warning];
    // A write that would have answered 204 answers 200 so the warning reaches the caller, as in Vault.
    if (resp.status === 204) resp.status = 200;
  }
  return resp;
}

/** Route, resolve create/update, invoke: the backend half of the pipeline, without ACL or audit. */
export async function dispatch(backend: Backend, request: LogicalRequest, store: MountStorage): Promise<Resp> {
  const routed = routeRequest(backend, request);
  routed.req.operation = await resolveOperation(routed, store);
  return invokeHandler(routed, store);
}
