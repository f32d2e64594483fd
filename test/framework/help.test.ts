import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { field } from '../../src/framework/fields.js';
import { helpAnswer, type OpenApiSchema } from '../../src/framework/help.js';
import { definePath, noContent, ok, type Backend } from '../../src/framework/types.js';

// The `?help=1` answer: Vault's framework text, and an OpenAPI 3 document built from the same path
// table (what Vault's UI and its generated clients read the fields from).

const handler = async () => ok({});
const backend: Backend = {
  type: 'demo',
  paths: [
    definePath({
      pattern: 'roles/:name',
      description: 'Manage the roles.',
      fields: {
        name: field.string({ required: true, description: 'Name of the role.' }),
        ttl: field.duration({ description: 'Lease TTL.', default: 3600 }),
        max_uses: field.int({ description: 'Uses allowed.' }),
        allowed: field.strings({ description: 'Allowed names.' }),
        exportable: field.bool({ description: 'May be exported.', default: false }),
        tags: field.stringMap({ description: 'Tags.' }),
        plaintext: field.any({ description: 'Anything.' }),
        kind: field.string({ required: true, description: 'Kind of role.' }),
      },
      existenceCheck: async () => true,
      operations: { read: handler, create: handler, update: handler, delete: async () => noContent() },
    }),
    definePath({ pattern: 'roles/', fields: {}, operations: { list: handler }, description: 'List the roles.' }),
    definePath({ pattern: 'data/:path*', fields: { path: field.string(), data: field.map() }, sudo: true, operations: { read: handler, update: handler, patch: handler } }),
  ],
};

const schemaOf = (answer: ReturnType<typeof helpAnswer>, ref: unknown): OpenApiSchema => {
  const name = String(ref).replace('#/components/schemas/', '');
  const schema = answer.openapi.components.schemas[name];
  assert.ok(schema, `no schema ${String(ref)}`);
  return schema;
};

describe('help answer', () => {
  it('keeps the help text and adds an OpenAPI 3 document of the matched path only', () => {
    const answer = helpAnswer(backend, 'team/demo/', 'roles/web', '1.2.3');
    assert.match(answer.help, /Manage the roles\./);
    assert.equal(answer.see_also, null);
    assert.equal(answer.openapi.openapi, '3.0.2');
    assert.equal(answer.openapi.info.version, '1.2.3');
    assert.deepEqual(Object.keys(answer.openapi.paths), ['/team/demo/roles/{name}']);
  });

  it('declares the path parameters, the operations, and each body field with its type, description, default and required', () => {
    const answer = helpAnswer(backend, 'demo/', 'roles/web', '1.2.3');
    const item = answer.openapi.paths['/demo/roles/{name}']!;
    assert.deepEqual(item.parameters, [{ name: 'name', description: 'Name of the role.', in: 'path', schema: { type: 'string' }, required: true }]);
    assert.equal(item['x-vault-createSupported'], true);
    assert.deepEqual(Object.keys(item).filter((k) => ['get', 'post', 'delete', 'patch'].includes(k)), ['get', 'post', 'delete']);
    const post = item.post as { operationId: string; requestBody: { content: Record<string, { schema: { $ref: string } }> } };
    assert.equal(post.operationId, 'write-demo-roles-name');
    const schema = schemaOf(answer, post.requestBody.content['application/json']!.schema.$ref);
    assert.deepEqual(schema, {
      type: 'object',
      properties: {
        allowed: { type: 'array', items: { type: 'string' }, description: 'Allowed names.' },
        exportable: { type: 'boolean', description: 'May be exported.', default: false },
        kind: { type: 'string', description: 'Kind of role.' },
        max_uses: { type: 'integer', description: 'Uses allowed.' },
        plaintext: { description: 'Anything.' },
        tags: { type: 'object', format: 'kvpairs', description: 'Tags.' },
        ttl: { type: 'string', format: 'duration', description: 'Lease TTL.', default: 3600 },
      },
      required: ['kind'],
    });
  });

  it('lists with GET and a required list=true query parameter; patch takes a merge patch; sudo is marked', () => {
    const listed = helpAnswer(backend, 'demo/', 'roles/', '1').openapi.paths['/demo/roles/']!;
    const get = listed.get as { operationId: string; parameters: { name: string; required: boolean }[] };
    assert.equal(get.operationId, 'list-demo-roles');
    assert.deepEqual(get.parameters.map((p) => [p.name, p.required]), [['list', true]]);
    const data = helpAnswer(backend, 'demo/', 'data/a/b', '1').openapi.paths['/demo/data/{path}']!;
    assert.equal(data['x-vault-sudo'], true);
    assert.ok((data.patch as { requestBody: { content: Record<string, unknown> } }).requestBody.content['application/merge-patch+json']);
  });

  it("at the mount's root, documents every path of the backend", () => {
    const answer = helpAnswer(backend, 'demo/', '', '1');
    assert.deepEqual(Object.keys(answer.openapi.paths), ['/demo/roles/{name}', '/demo/roles/', '/demo/data/{path}']);
    assert.match(answer.help, /## PATHS/);
  });
});
