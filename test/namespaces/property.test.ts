import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { api, type ApiResponse } from '../harness/http.js';
import { startServer, type TestServer } from '../harness/server.js';
import { deleteNamespace, expect2xx, nsCall } from './fixture.js';

// A model-based property over real HTTP: for random trees of namespaces, each with its own kv-v2
// mount, secrets at the same relative paths and ACL policies of its own, and tokens made in random
// namespaces with random policy names, every read and list a token makes is answered as a pure
// model of Vault's rules says: a token works only in its namespace and below, with the policies of
// its own namespace read relative to it; outside its subtree nothing exists for it (403); a denied
// read or list is 403 whether or not the path exists, so existence is not learnable; an allowed
// read of a missing path is 404; allowed data is the data written in THAT namespace.
//
// One server for the file; each run builds its tree under a top-level namespace of its own and
// deletes it (children first) before the next run.

const RUNS = 30;
const PROBES_PER_RUN = { min: 20, max: 30 };

const CHILD_NAMES = ['a', 'ab', 'b', 'a.b'] as const;
/** A namespace no run ever creates: probes and policies naming it name nothing. */
const PHANTOM = 'zz';
const SECRETS = ['app', 'db', 'team/one', 'team/two'] as const;
const POLICY_NAMES = ['p0', 'p1', 'p2'] as const;
// Rule paths relative to the namespace of the policy (a prefix may name a namespace below it).
const RULE_SUFFIXES = [
  'kv/data/*', 'kv/data/app', 'kv/data/team/*', 'kv/data/team/one', 'kv/data/+/one',
  'kv/metadata/*', 'kv/metadata/', 'kv/metadata/team', 'kv/metadata/team/*', 'kv/metadata/+',
  'kv/*', '*', 'sys/namespaces/*', 'sys/namespaces', 'sys/namespaces/', 'sys/namespaces/a',
] as const;
/** Drawn more often, so that enough probes are allowed to check what an allowed one sees. */
const BROAD_SUFFIXES = ['kv/*', '*', 'kv/data/*', 'kv/metadata/*', 'sys/namespaces/*'] as const;
type Capability = 'read' | 'list' | 'deny';

// ---------------------------------------------------------------------------------------------
// What fast-check generates: plain numbers and choices, resolved against the tree once it is built.

interface RuleSpec { prefix: number; pick: number; suffix: string; capabilities: Capability[] }
interface NodeSpec { kv: boolean; secrets: string[]; policies: { name: string; rules: RuleSpec[] }[] }
interface TokenSpec { home: number; policies: string[]; root: boolean }
interface ProbeSpec { token: number; mine: boolean; target: number; kind: number; path: number; form: number; split: number }
interface Scenario { tree: { parent: number; name: string }[]; nodes: NodeSpec[]; tokens: TokenSpec[]; probes: ProbeSpec[] }

const MAX_NODES = 6; // the root, the run's top namespace, up to four below it

const ruleSpec = fc.record({
  prefix: fc.nat(9),
  pick: fc.nat(),
  suffix: fc.oneof({ arbitrary: fc.constantFrom(...BROAD_SUFFIXES), weight: 2 }, { arbitrary: fc.constantFrom(...RULE_SUFFIXES), weight: 3 }),
  capabilities: fc.oneof(
    { arbitrary: fc.subarray<Capability>(['read', 'list'], { minLength: 1 }), weight: 5 },
    { arbitrary: fc.constantFrom<Capability[]>(['deny'], ['deny', 'read']), weight: 1 },
  ),
});
const nodeSpec = fc.record({
  kv: fc.nat(4).map((n) => n !== 0),
  secrets: fc.subarray([...SECRETS]),
  policies: fc.uniqueArray(fc.record({ name: fc.constantFrom(...POLICY_NAMES), rules: fc.array(ruleSpec, { minLength: 1, maxLength: 4 }) }), { minLength: 1, maxLength: 3, selector: (p) => p.name }),
});
const scenario: fc.Arbitrary<Scenario> = fc.record({
  tree: fc.array(fc.record({ parent: fc.nat(), name: fc.constantFrom(...CHILD_NAMES) }), { minLength: 1, maxLength: 4 }),
  nodes: fc.array(nodeSpec, { minLength: MAX_NODES, maxLength: MAX_NODES }),
  tokens: fc.array(fc.record({ home: fc.nat(), policies: fc.subarray([...POLICY_NAMES], { minLength: 1 }), root: fc.nat(9).map((n) => n === 0) }), { minLength: 1, maxLength: 4 }),
  probes: fc.array(fc.record({ token: fc.nat(), mine: fc.boolean(), target: fc.nat(), kind: fc.nat(4), path: fc.nat(), form: fc.nat(2), split: fc.nat() }), { minLength: PROBES_PER_RUN.min, maxLength: PROBES_PER_RUN.max }),
});

// ---------------------------------------------------------------------------------------------
// The model: a tree of namespaces with what each holds, and the answer Vault gives a probe.

interface Rule { pattern: string; capabilities: Capability[] }
interface ModelNamespace {
  /** "" for the root, else "top/a/" (a trailing slash, as the server names them). */
  path: string;
  depth: number;
  kv: boolean;
  secrets: Set<string>;
  policies: Map<string, Rule[]>;
}
interface ModelToken { home: ModelNamespace; policies: string[]; root: boolean }

function buildTree(top: string, s: Scenario): ModelNamespace[] {
  const nodes: ModelNamespace[] = [
    { path: '', depth: 0, kv: false, secrets: new Set(), policies: new Map() },
    { path: `${top}/`, depth: 1, kv: false, secrets: new Set(), policies: new Map() },
  ];
  for (const { parent, name } of s.tree) {
    const candidates = nodes.filter((n) => n.depth >= 1 && n.depth < 4);
    const under = candidates[parent % candidates.length]!;
    const path = `${under.path}${name}/`;
    if (nodes.some((n) => n.path === path)) continue;
    nodes.push({ path, depth: under.depth + 1, kv: false, secrets: new Set(), policies: new Map() });
  }
  nodes.forEach((node, i) => {
    const spec = s.nodes[i]!;
    node.kv = spec.kv;
    if (spec.kv) for (const secret of spec.secrets) node.secrets.add(secret);
    const below = nodes.filter((n) => n !== node && n.path.startsWith(node.path)).map((n) => n.path.slice(node.path.length));
    for (const policy of spec.policies) {
      node.policies.set(policy.name, policy.rules.map((rule) => ({ pattern: `${rulePrefix(rule, below)}${rule.suffix}`, capabilities: rule.capabilities })));
    }
  });
  return nodes;
}

/** A rule's own namespace (mostly), a namespace below it, "+/", or a name that is no namespace there. */
function rulePrefix(rule: RuleSpec, below: string[]): string {
  if (rule.prefix <= 5) return '';
  if (rule.prefix === 6) return '+/';
  if (rule.prefix === 7) return below.length > 0 ? below[rule.pick % below.length]! : '';
  if (rule.prefix === 8) return `${PHANTOM}/`;
  return `${CHILD_NAMES[rule.pick % CHILD_NAMES.length]}/`;
}

const childrenOf = (nodes: ModelNamespace[], ns: ModelNamespace) =>
  nodes.filter((n) => n.path !== ns.path && n.path.startsWith(ns.path) && !n.path.slice(ns.path.length, -1).includes('/'));

// Vault's ACL from its policy documentation and acl.go, written independently of src/core/policy:
// an exact rule wins outright; otherwise, among the globs ("*" at the end) and "+" patterns that
// match, P1 loses to P2 when its first "+" or "*" comes earlier, it ends in "*" and P2 does not,
// it has more "+" segments, it is shorter, or it is lexicographically smaller. A LIST's path has a
// trailing slash; an exact rule for the path without it also governs it, and so (first) do the
// globs and patterns matching the path without it. Rules naming the same pattern merge.
const isGlob = (p: string) => p.endsWith('*');
const plusCount = (p: string) => p.split('/').filter((s) => s === '+').length;
const isExact = (p: string) => !isGlob(p) && plusCount(p) === 0;
const firstWildcard = (p: string) => (p.includes('+') ? p.indexOf('+') : isGlob(p) ? p.length - 1 : Infinity);

function patternMatches(pattern: string, path: string): boolean {
  const glob = isGlob(pattern);
  const want = (glob ? pattern.slice(0, -1) : pattern).split('/');
  const have = path.split('/');
  if (have.length < want.length || (!glob && have.length !== want.length)) return false;
  return want.every((segment, i) => segment === '+' || segment === have[i] || (glob && i === want.length - 1 && have[i]!.startsWith(segment)));
}

function outranks(p1: string, p2: string): boolean {
  if (firstWildcard(p1) !== firstWildcard(p2)) return firstWildcard(p1) > firstWildcard(p2);
  if (isGlob(p1) !== isGlob(p2)) return !isGlob(p1);
  if (plusCount(p1) !== plusCount(p2)) return plusCount(p1) < plusCount(p2);
  const [s1, s2] = [p1.replace(/\*$/, ''), p2.replace(/\*$/, '')];
  if (s1.length !== s2.length) return s1.length > s2.length;
  return s1 > s2;
}

function modelAllows(token: ModelToken, path: string, operation: 'read' | 'list'): boolean {
  if (token.root) return true;
  const merged = new Map<string, Set<Capability>>();
  for (const name of token.policies) {
    for (const rule of token.home.policies.get(name) ?? []) {
      const caps = merged.get(rule.pattern) ?? new Set<Capability>();
      rule.capabilities.forEach((c) => caps.add(c));
      merged.set(rule.pattern, caps);
    }
  }
  const nonExact = (p: string) => {
    let best: string | undefined;
    for (const pattern of merged.keys()) if (!isExact(pattern) && patternMatches(pattern, p) && (best === undefined || outranks(pattern, best))) best = pattern;
    return best;
  };
  const trimmed = path.replace(/\/$/, '');
  let winner: string | undefined;
  if (merged.has(path)) winner = path;
  else if (operation === 'list' && merged.has(trimmed)) winner = trimmed;
  else winner = (operation === 'list' && trimmed !== path ? nonExact(trimmed) : undefined) ?? nonExact(path);
  const caps = winner === undefined ? undefined : merged.get(winner)!;
  return !!caps && !caps.has('deny') && caps.has(operation);
}

/** One probe as the client sends it, and what the model expects back. */
interface Probe {
  token: number;
  method: 'GET' | 'LIST';
  header?: string;
  path: string;
  expect: { status: number; data?: unknown; keys?: string[]; keyInfoPaths?: string[] };
  describe: string;
}

type Relative = { op: 'read' | 'list'; rel: string; acl: string };

/** The relative request a probe kind makes inside its target namespace. */
function relativeRequest(kind: number, pick: number): Relative {
  const choose = <T>(xs: readonly T[]) => xs[pick % xs.length]!;
  switch (kind) {
    case 0:
    case 1: {
      const rel = `kv/data/${choose([...SECRETS, 'missing'])}`;
      return { op: 'read', rel, acl: rel };
    }
    case 2: {
      const rel = choose(['kv/metadata/', 'kv/metadata', 'kv/metadata/team/', 'kv/metadata/team', 'kv/metadata/nope/']);
      return { op: 'list', rel, acl: rel.endsWith('/') ? rel : `${rel}/` };
    }
    case 3:
      return { op: 'list', rel: 'sys/namespaces', acl: 'sys/namespaces/' };
    default: {
      const rel = `sys/namespaces/${choose([...CHILD_NAMES, PHANTOM])}`;
      return { op: 'read', rel, acl: rel };
    }
  }
}

/** What the namespace `ns` answers an allowed request for `local` (its path inside ns). */
function answerIn(nodes: ModelNamespace[], ns: ModelNamespace, local: string, op: 'read' | 'list', run: string): Probe['expect'] {
  const notFound = { status: 404 };
  if (local.startsWith('kv/') && ns.kv) {
    if (op === 'read') {
      const secret = local.slice('kv/data/'.length);
      return ns.secrets.has(secret) ? { status: 200, data: secretData(ns, secret, run) } : notFound;
    }
    const prefix = local.slice('kv/metadata/'.length).replace(/\/?$/, '/').replace(/^\/$/, '');
    const keys = new Set<string>();
    for (const secret of ns.secrets) {
      if (!secret.startsWith(prefix)) continue;
      const rest = secret.slice(prefix.length);
      keys.add(rest.includes('/') ? `${rest.split('/')[0]}/` : rest);
    }
    return keys.size === 0 ? notFound : { status: 200, keys: [...keys].sort() };
  }
  if (local === 'sys/namespaces' || local === 'sys/namespaces/') {
    const children = childrenOf(nodes, ns).map((n) => n.path.slice(ns.path.length)).sort();
    return children.length === 0 ? notFound : { status: 200, keys: children, keyInfoPaths: children.map((c) => `${ns.path}${c}`) };
  }
  if (local.startsWith('sys/namespaces/') && op === 'read') {
    const path = `${ns.path}${local.slice('sys/namespaces/'.length)}/`;
    return nodes.some((n) => n.path === path) ? { status: 200, data: path } : notFound;
  }
  // No mount there (kv not mounted, or a path into a namespace that does not exist): Vault's
  // "no handler for route", for a caller the ACL let through.
  return notFound;
}

function secretData(ns: ModelNamespace, secret: string, run: string) {
  return { ns: ns.path || 'root', secret, run };
}

/**
 * The expected answer for a request whose X-Vault-Namespace is `header` ("" for none) and whose
 * full path (header and path joined) is `full`, made by `token`.
 */
function expected(nodes: ModelNamespace[], token: ModelToken, header: string, full: string, r: Relative, run: string): Probe['expect'] {
  const denied = { status: 403 };
  // Coffer's rule: an X-Vault-Namespace naming no namespace reaches nothing, for anyone.
  if (header !== '' && !nodes.some((n) => n.path === header)) return denied;
  if (!full.startsWith(token.home.path)) return denied;
  const aclPath = `${full.slice(token.home.path.length, full.length - r.rel.length)}${r.acl}`;
  if (!modelAllows(token, aclPath, r.op)) return denied;
  // The deepest namespace whose path the full path starts with serves it.
  const ns = nodes.filter((n) => full.startsWith(n.path)).sort((a, b) => b.path.length - a.path.length)[0]!;
  return answerIn(nodes, ns, full.slice(ns.path.length), r.op, run);
}

function probesFor(nodes: ModelNamespace[], tokens: ModelToken[], specs: ProbeSpec[], run: string): Probe[] {
  // Targets: a namespace of the run or (one time in four) one that does not exist below it; half
  // the probes aim inside their token's subtree, where its policies decide.
  const pickTarget = (within: ModelNamespace[], n: number) => `${within[Math.floor(n / 4) % within.length]!.path}${n % 4 === 0 ? `${PHANTOM}/` : ''}`;
  const probes: Probe[] = [];
  const add = (tokenIndex: number, header: string, path: string, r: Relative, form: string) => {
    const token = tokens[tokenIndex]!;
    probes.push({
      token: tokenIndex,
      method: r.op === 'read' ? 'GET' : 'LIST',
      ...(header ? { header } : {}),
      path,
      expect: expected(nodes, token, header, `${header}${path}`, r, run),
      describe: `${r.op.toUpperCase()} ${path} [X-Vault-Namespace: ${header || '-'}] by a token of "${token.home.path || 'root'}" with ${token.root ? 'root' : JSON.stringify(token.policies)} (${form})`,
    });
  };
  for (const spec of specs) {
    const tokenIndex = spec.token % tokens.length;
    const home = tokens[tokenIndex]!.home;
    const target = pickTarget(spec.mine ? nodes.filter((n) => n.path.startsWith(home.path)) : nodes, spec.target);
    const r = relativeRequest(spec.kind, spec.path);
    const segments = target.split('/').filter(Boolean);
    if (spec.form === 0 || segments.length === 0) add(tokenIndex, target, r.rel, r, 'header');
    else if (spec.form === 1 || segments.length === 1) add(tokenIndex, '', `${target}${r.rel}`, r, 'path prefix');
    else {
      const k = 1 + (spec.split % (segments.length - 1));
      add(tokenIndex, `${segments.slice(0, k).join('/')}/`, `${segments.slice(k).join('/')}/${r.rel}`, r, 'header and path prefix');
    }
  }
  // Every token lists the root's namespaces, and its own namespace's.
  tokens.forEach((token, i) => {
    const r = relativeRequest(3, 0);
    add(i, '', r.rel, r, 'root sys/namespaces');
    if (token.home.path) add(i, token.home.path, r.rel, r, 'own sys/namespaces');
  });
  return probes;
}

// ---------------------------------------------------------------------------------------------

describe('namespace isolation, model-based', () => {
  let server: TestServer;
  let root: string;
  let runNumber = 0;
  const seen = new Map<number, number>();
  const call = <T = Record<string, unknown>>(method: string, path: string, options: { namespace?: string; body?: unknown; token?: string } = {}) =>
    nsCall<T>(server.address, options.token ?? root, method, path, options);

  before(async () => {
    server = await startServer();
    root = server.rootToken;
  });
  after(async () => server?.destroy());

  /** Creates the tree, its mounts, secrets and policies, and the tokens; answers the tokens. */
  async function build(nodes: ModelNamespace[], tokenSpecs: TokenSpec[], run: string): Promise<{ model: ModelToken[]; ids: string[] }> {
    for (const depth of [1, 2, 3, 4]) {
      await Promise.all(nodes.filter((n) => n.depth === depth).map(async (n) => expect2xx(await call('POST', `sys/namespaces/${n.path}`), `create ${n.path}`)));
    }
    await Promise.all(nodes.map(async (n) => {
      const ns = n.path;
      if (n.kv) {
        expect2xx(await call('POST', 'sys/mounts/kv', { namespace: ns, body: { type: 'kv', options: { version: '2' } } }), `mount kv in ${ns || 'root'}`);
        for (const secret of n.secrets) expect2xx(await call('POST', `kv/data/${secret}`, { namespace: ns, body: { data: secretData(n, secret, run) } }), `write ${secret} in ${ns || 'root'}`);
      }
      for (const [name, rules] of n.policies) {
        const policy = rules.map((r) => `path "${r.pattern}" { capabilities = ${JSON.stringify(r.capabilities)} }`).join('\n');
        expect2xx(await call('PUT', `sys/policies/acl/${name}`, { namespace: ns, body: { policy } }), `policy ${name} in ${ns || 'root'}`);
      }
    }));
    const model = tokenSpecs.map((t) => ({ home: nodes[t.home % nodes.length]!, policies: t.policies, root: t.root }));
    const ids = await Promise.all(model.map(async (t) => {
      const policies = t.root ? ['root'] : t.policies.length > 0 ? t.policies : ['default'];
      const res = await call<{ auth: { client_token: string } }>('POST', 'auth/token/create', { namespace: t.home.path, body: { policies, ttl: '1h' } });
      return expect2xx(res, `token in ${t.home.path || 'root'}`).auth.client_token;
    }));
    return { model, ids };
  }

  /** Deletes the run's namespaces (deepest first) and what it made in the root. */
  async function cleanUp(nodes: ModelNamespace[], tokenIds: string[]): Promise<void> {
    for (const depth of [4, 3, 2, 1]) {
      await Promise.all(nodes.filter((n) => n.depth === depth).map((n) => deleteNamespace(server.address, server.rootToken, n.path)));
    }
    await Promise.all([
      call('DELETE', 'sys/mounts/kv'),
      ...POLICY_NAMES.map((name) => call('DELETE', `sys/policies/acl/${name}`)),
      ...tokenIds.map((token) => call('POST', 'auth/token/revoke', { body: { token } })),
    ]);
  }

  async function check(probe: Probe, tokenId: string): Promise<void> {
    const res: ApiResponse<{ data?: Record<string, unknown> }> = await api(server.address, probe.method, probe.path, {
      token: tokenId,
      ...(probe.header ? { headers: { 'X-Vault-Namespace': probe.header } } : {}),
    });
    const why = `${probe.describe}: expected ${probe.expect.status}, got ${res.status} ${res.text}`;
    assert.equal(res.status, probe.expect.status, why);
    seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
    const data = res.body.data ?? {};
    if (probe.expect.keys) assert.deepEqual([...((data.keys as string[]) ?? [])].sort(), probe.expect.keys, why);
    if (probe.expect.keyInfoPaths) {
      const info = data.key_info as Record<string, { path: string }>;
      assert.deepEqual(probe.expect.keys!.map((k) => info[k]?.path), probe.expect.keyInfoPaths, why);
    }
    if (probe.expect.data !== undefined) {
      const got = typeof probe.expect.data === 'string' ? data.path : data.data;
      assert.deepEqual(got, probe.expect.data, why);
    }
  }

  it('no token reads, lists or learns the existence of a path its namespace and policies do not allow', async (t) => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const run = `run${++runNumber}`;
        const nodes = buildTree(`prop-${run}`, s);
        let tokenIds: string[] = [];
        try {
          const { model, ids } = await build(nodes, s.tokens, run);
          tokenIds = ids;
          const probes = probesFor(nodes, model, s.probes, run);
          await Promise.all(probes.map((probe) => check(probe, ids[probe.token]!)));
        } finally {
          await cleanUp(nodes, tokenIds);
        }
      }),
      { numRuns: RUNS, includeErrorInReport: true },
    );
    // The runs must have met every answer: a model that always says 403 would prove nothing.
    const tally = JSON.stringify(Object.fromEntries(seen));
    for (const status of [200, 403, 404]) assert.ok((seen.get(status) ?? 0) >= RUNS / 3, `too few ${status}s: ${tally}`);
    t.diagnostic(`${RUNS} runs, ${[...seen.values()].reduce((a, b) => a + b, 0)} probes by status: ${tally}`);
  });
});
