import { useEffect, useState } from 'preact/hooks';
import type { Method, VaultResponse } from '../api.js';
import { ErrorList } from '../components/errors.js';
import { Check, Field, Select, TextArea } from '../components/field.js';
import { bodyFromFields, OpenApiFields, type FieldValues, type ObjectSchema } from '../components/openapi-fields.js';
import { Page } from '../components/page.js';
import { ResponseView } from '../components/response-view.js';
import { call, vault } from '../session.js';
import './api-explorer.css';

type Operation = 'read' | 'list' | 'write' | 'patch' | 'delete';
const METHOD: Record<Operation, Method> = { read: 'GET', list: 'LIST', write: 'POST', patch: 'PATCH', delete: 'DELETE' };

interface PathItem {
  description?: string;
  get?: { parameters?: { name: string; required?: boolean }[] };
  post?: { requestBody?: { content: Record<string, { schema: { $ref?: string } & ObjectSchema }> } };
  patch?: object;
  delete?: object;
}

interface HelpAnswer {
  help: string;
  openapi?: { paths: Record<string, PathItem>; components?: { schemas?: Record<string, ObjectSchema> } };
}

/** What `?help=1` tells of a path: its description, operations and write fields. */
interface PathDoc {
  template: string;
  description: string;
  operations: Operation[];
  fields: ObjectSchema | null;
  /** At a mount's root: every path the engine serves. */
  others: string[];
}

const clean = (path: string) => path.trim().replace(/^\/+/, '').replace(/^v1\//, '');

/** An OpenAPI path template ("/pki/issue/{role}") as a test for a concrete path. */
const templateMatches = (template: string, path: string) => new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/].*')}$`).test(`/${path}`);

function describe(answer: HelpAnswer, path: string): PathDoc {
  const paths = answer.openapi?.paths ?? {};
  const templates = Object.keys(paths);
  const template = templates.length === 1 ? templates[0]! : templates.find((t) => templateMatches(t, path));
  const item = template ? paths[template]! : undefined;
  const operations: Operation[] = [];
  if (item?.get) operations.push(item.get.parameters?.some((p) => p.name === 'list' && p.required) ? 'list' : 'read');
  if (item?.get?.parameters?.some((p) => p.name === 'list' && !p.required)) operations.push('list');
  if (item?.post) operations.push('write');
  if (item?.patch) operations.push('patch');
  if (item?.delete) operations.push('delete');
  // Vault's framework names the body schema in components and refers to it; resolve that.
  const body = item?.post?.requestBody?.content['application/json']?.schema;
  const ref = body?.$ref?.replace('#/components/schemas/', '');
  const fields = (ref ? answer.openapi?.components?.schemas?.[ref] : body) ?? null;
  return { template: template ?? '', description: item?.description ?? '', operations, fields, others: template ? [] : templates };
}

/**
 * The generic "read/write any path" page: a path, an operation, and the fields of that path drawn
 * from its `?help=1` OpenAPI document (one labelled input per field). Answers show as a table or
 * JSON with secret-looking values masked. Everything goes through the /v1 API with this token.
 */
export function ApiExplorer({ query }: { query: URLSearchParams }) {
  const [path, setPath] = useState(query.get('path') ?? '');
  const [operation, setOperation] = useState<Operation>((query.get('op') as Operation | null) ?? 'read');
  const [doc, setDoc] = useState<PathDoc | null>(null);
  const [values, setValues] = useState<FieldValues>({});
  const [rawJson, setRawJson] = useState(false);
  const [json, setJson] = useState('{}');
  const [error, setError] = useState<unknown>(null);
  const [response, setResponse] = useState<VaultResponse | null | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const loadHelp = async (target = path) => {
    setError(null);
    setDoc(null);
    const where = clean(target);
    if (!where) return;
    try {
      const answer = (await vault.read(`${where}?help=1`)) as unknown as HelpAnswer;
      const next = describe(answer, where);
      setDoc(next);
      setValues({});
      if (next.operations.length && !next.operations.includes(operation)) setOperation(next.operations.includes('write') ? 'write' : next.operations[0]!);
    } catch (err) {
      setError(err);
    }
  };
  // A link from a mount page (#/api?path=pki/) opens with that path's help loaded.
  useEffect(() => {
    const initial = query.get('path');
    if (initial) {
      setPath(initial);
      void loadHelp(initial);
    }
  }, [query.get('path')]);

  const send = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setResponse(undefined);
    setBusy(true);
    try {
      const takesBody = operation === 'write' || operation === 'patch';
      let body: unknown;
      if (takesBody) body = rawJson ? (JSON.parse(json || '{}') as unknown) : bodyFromFields(doc?.fields ?? {}, values);
      setResponse(await call(METHOD[operation], clean(path), body));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const takesBody = operation === 'write' || operation === 'patch';
  return (
    <Page title="API explorer">
      <p class="muted">Any path of the /v1 API, with this token: what a CLI user with it could do, no more. Fields come from the path's own help (OpenAPI).</p>
      <form onSubmit={(e) => void send(e)} class="card">
        <div class="row go-to">
          <Field label="Path" value={path} onValue={setPath} placeholder="transit/encrypt/my-key" autocomplete="off" spellcheck={false} hint="Relative to /v1/, e.g. pki/issue/web." />
          <button type="button" onClick={() => void loadHelp()}>
            Load fields
          </button>
        </div>
        {doc ? (
          <div class="notice" data-testid="path-doc">
            <p>
              {doc.template ? <code>{doc.template}</code> : 'The engine'}
              {doc.description ? ` — ${doc.description}` : ''}
            </p>
            {doc.operations.length ? <p class="op-list">Operations: {doc.operations.join(', ')}</p> : null}
            {doc.others.length ? (
              <details>
                <summary>Paths of this engine ({doc.others.length})</summary>
                <ul>
                  {doc.others.map((t) => (
                    <li>
                      <button type="button" class="small" onClick={() => setPath(t.replace(/^\//, ''))}>
                        {t}
                      </button>
                    </li>
                  ))}
                </ul>
              </details>
            ) : null}
          </div>
        ) : null}
        <Select
          label="Operation"
          value={operation}
          onValue={(v) => setOperation(v as Operation)}
          options={[
            ['read', 'read (GET)'],
            ['list', 'list (LIST)'],
            ['write', 'write (POST)'],
            ['patch', 'patch (PATCH)'],
            ['delete', 'delete (DELETE)'],
          ]}
        />
        {takesBody ? (
          <fieldset class="explorer-fields">
            <legend>Request body</legend>
            <Check label="Write the body as JSON" checked={rawJson} onChecked={setRawJson} />
            {rawJson ? <TextArea label="Body (JSON)" value={json} onValue={setJson} rows={8} /> : doc?.fields ? <OpenApiFields schema={doc.fields} values={values} onValues={setValues} /> : <p class="muted">Load the path's fields, or write the body as JSON.</p>}
          </fieldset>
        ) : null}
        <ErrorList error={error} />
        <button type="submit" class="primary" disabled={busy || !clean(path)}>
          Send request
        </button>
      </form>
      {response === null ? (
        <p class="success" role="status">
          Done: the server answered 204 (no content).
        </p>
      ) : null}
      {response ? <ResponseView response={response} /> : null}
    </Page>
  );
}
