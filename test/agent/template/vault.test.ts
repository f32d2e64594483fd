import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { parseTemplate, standardFunctions, TemplateError, type TemplateFunctions } from '../../../src/agent/template/index.js';

// The templates of consul-template's and Vault Agent's documentation, with `secret` and `secrets`
// standing in for the ones the agent injects. A secret has consul-template's shape.

interface Call {
  readonly fn: string;
  readonly args: unknown[];
}

const SECRETS: Record<string, Record<string, unknown>> = {
  'secret/data/app': { data: { password: 'hunter2', user: 'app' }, metadata: { version: 3 } },
  'database/creds/readonly': { username: 'v-token-readonly-x1', password: 'A1a-secret' },
  'pki/issue/web': { certificate: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----' },
};

/** A fake agent: async `secret` and `secrets` that record their calls and take a while to answer. */
function fakeAgent(delays: number[] = []): { functions: TemplateFunctions; calls: Call[]; maxInFlight: () => number } {
  const calls: Call[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const slow = async <T>(fn: string, args: unknown[], answer: () => T): Promise<T> => {
    calls.push({ fn, args });
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      await sleep(delays[calls.length - 1] ?? 0);
      return answer();
    } finally {
      inFlight--;
    }
  };
  const functions: TemplateFunctions = {
    ...standardFunctions({ env: { HOME: '/home/agent' } }),
    secret: (...args) =>
      slow('secret', args, () => {
        const path = String(args[0]);
        const data = SECRETS[path];
        if (!data) throw new Error(`no secret at ${path}`);
        const params = Object.fromEntries(args.slice(1).map((kv) => String(kv).split('=', 2)));
        const body = path === 'pki/issue/web' ? { ...data, common_name: params['common_name'] } : data;
        return { Data: body, LeaseID: path.startsWith('database/') ? `${path}/lease1` : '', LeaseDuration: 3600, Renewable: path.startsWith('database/'), Warnings: [] };
      }),
    secrets: (...args) => slow('secrets', args, () => ['app', 'db/', 'web']),
  };
  return { functions, calls, maxInFlight: () => maxInFlight };
}

async function render(text: string, functions: TemplateFunctions): Promise<string> {
  return parseTemplate(text, { name: 'app.ctmpl' }).render(functions);
}

describe('consul-template Vault examples', () => {
  it('reads a KV v2 secret', async () => {
    const { functions } = fakeAgent();
    assert.equal(await render('{{ with secret "secret/data/app" }}{{ .Data.data.password }}{{ end }}', functions), 'hunter2');
  });

  it('reads dynamic database credentials', async () => {
    const { functions } = fakeAgent();
    assert.equal(await render('{{ with secret "database/creds/readonly" }}{{ .Data.username }}:{{ .Data.password }}{{ end }}', functions), 'v-token-readonly-x1:A1a-secret');
  });

  it('lists secrets', async () => {
    const { functions, calls } = fakeAgent();
    assert.equal(await render('{{ range secrets "secret/metadata/" }}{{ . }}\n{{ end }}', functions), 'app\ndb/\nweb\n');
    assert.deepEqual(calls, [{ fn: 'secrets', args: ['secret/metadata/'] }]);
  });

  it('writes to a PKI role with parameters', async () => {
    const { functions, calls } = fakeAgent();
    const out = await render('{{ with secret "pki/issue/web" "common_name=app.example.com" }}{{ .Data.certificate }}{{ end }}', functions);
    assert.equal(out, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----');
    assert.deepEqual(calls, [{ fn: 'secret', args: ['pki/issue/web', 'common_name=app.example.com'] }]);
  });

  it('reads the environment, JSON-encodes data and decodes base64', async () => {
    const { functions } = fakeAgent();
    assert.equal(await render('{{ env "HOME" }}', functions), '/home/agent');
    assert.equal(await render('{{ with secret "secret/data/app" }}{{ .Data.data | toJSON }}{{ end }}', functions), '{"password":"hunter2","user":"app"}');
    assert.equal(await render('{{ "aGk=" | base64Decode }}', functions), 'hi');
  });

  it('renders a whole configuration file with trim markers', async () => {
    const { functions } = fakeAgent();
    const text = [
      '[database]',
      '{{- with secret "database/creds/readonly" }}',
      'user = "{{ .Data.username }}"',
      'password = "{{ .Data.password }}"',
      'renewable = {{ .Renewable }}',
      '{{- end }}',
      '{{ with secret "secret/data/app" -}}',
      'app_password = {{ .Data.data.password | printf "%q" }}',
      '{{ end -}}',
      '',
    ].join('\n');
    assert.equal(await render(text, functions), '[database]\nuser = "v-token-readonly-x1"\npassword = "A1a-secret"\nrenewable = true\napp_password = "hunter2"\n');
  });

  it('names a misspelled key when missing keys are errors', async () => {
    const { functions } = fakeAgent();
    const template = parseTemplate('{{ with secret "secret/data/app" }}\n  {{ .Data.data.pasword }}{{ end }}', { name: 'app.ctmpl' });
    await assert.rejects(template.render(functions, { missingKey: 'error' }), {
      name: 'TemplateError',
      message: 'app.ctmpl:2:5: executing "app.ctmpl" at <.Data.data.pasword>: map has no entry for key "pasword"',
    });
  });
});

describe('calls to the functions the agent injects', () => {
  it('happen in template order, one at a time, even when earlier calls are slower', async () => {
    // Later calls answer faster: if calls overlapped, they would finish out of order.
    const { functions, calls, maxInFlight } = fakeAgent([30, 20, 10, 5, 1]);
    const text = '{{ with secret "secret/data/app" }}{{ .Data.data.user }}{{ end }} {{ range secrets "secret/metadata/" }}{{ end }}{{ (secret "database/creds/readonly").Data.username }} {{ secret "pki/issue/web" "common_name=a" | toJSON | len }}';
    const out = await render(text, functions);
    assert.equal(out.split(' ')[0], 'app');
    assert.deepEqual(
      calls.map((c) => `${c.fn} ${String(c.args[0])}`),
      ['secret secret/data/app', 'secrets secret/metadata/', 'secret database/creds/readonly', 'secret pki/issue/web'],
    );
    assert.equal(maxInFlight(), 1);
  });

  it('evaluates the arguments of a call left to right before calling it', async () => {
    const order: string[] = [];
    const step = (name: string) => async () => {
      order.push(name);
      await sleep(name === 'a' ? 20 : 0);
      return name;
    };
    const functions = { a: step('a'), b: step('b'), c: step('c'), join3: (...xs: unknown[]) => xs.join('') };
    assert.equal(await render('{{ c | join3 (a) (b) }}', functions), 'abc');
    assert.deepEqual(order, ['c', 'a', 'b']);
  });

  it('are called once per evaluation of a call site', async () => {
    const { functions, calls } = fakeAgent();
    await render('{{ with secret "secret/data/app" }}{{ .Data.data.user }}{{ .Data.data.password }}{{ end }}', functions);
    assert.equal(calls.length, 1);
    calls.length = 0;
    await render('{{ range loop 3 }}{{ with secret "secret/data/app" }}{{ end }}{{ end }}{{ if false }}{{ secret "secret/data/app" }}{{ end }}', functions);
    assert.equal(calls.length, 3);
  });

  it('are not called at all when the template names an unknown function', async () => {
    const { functions, calls } = fakeAgent();
    await assert.rejects(render('{{ with secret "secret/data/app" }}{{ end }}\n{{ vault "x" }}', functions), {
      name: 'TemplateError',
      message: 'app.ctmpl:2:3: function "vault" not defined',
    });
    assert.equal(calls.length, 0);
  });

  it('fail the render when they reject, keeping the error as the cause', async () => {
    const { functions } = fakeAgent();
    const err = await render('ok {{ secret "secret/data/nope" }}', functions).then(
      () => assert.fail('rendered'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof TemplateError);
    assert.equal(err.message, 'app.ctmpl:1:6: executing "app.ctmpl" at <secret "secret/data/nope">: error calling secret: no secret at secret/data/nope');
    assert.equal((err.cause as Error).message, 'no secret at secret/data/nope');
  });

  it('receive nil, not undefined, for a value that is missing', async () => {
    const seen: unknown[] = [];
    const functions = { probe: (...args: unknown[]) => seen.push(...args) };
    await render('{{ probe .missing }}{{ .missing | probe }}', functions);
    assert.deepEqual(seen, [null, null]);
  });
});
