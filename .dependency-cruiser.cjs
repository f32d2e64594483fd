// The layer rule of DESIGN.md §2 and docs/ARCHITECTURE.md, enforced: each layer imports only the
// layers below it (and itself). Run by `npm test` (scripts/run-tests.js) before the tests;
// test/architecture/layers.test.ts shows a wrong import being refused.
const only = (from, allowed) => ({
  name: `${from}-imports-only-${allowed.join('-')}`,
  comment: `src/${from}/ may import only ${allowed.map((a) => `src/${a}/`).join(', ')}`,
  severity: 'error',
  from: { path: `^src/${from}/` },
  to: { path: '^src/', pathNot: `^src/(${[from, ...allowed].join('|')})/` },
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'no import cycles at run time (a cycle of type-only imports vanishes when compiled)',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    only('wire', []),
    only('crypto', []),
    only('framework', ['wire']),
    only('storage', ['framework', 'crypto', 'wire']),
    only('kms', ['framework', 'crypto', 'wire']),
    only('barrier', ['kms', 'storage', 'framework', 'crypto', 'wire']),
    only('engines', ['framework', 'crypto', 'wire']),
    only('auth', ['framework', 'crypto', 'wire']),
    only('audit', ['framework', 'crypto', 'wire']),
    only('core', ['barrier', 'storage', 'kms', 'framework', 'crypto', 'wire']),
    only('http', ['core', 'framework', 'crypto', 'wire']),
    only('client', ['wire']),
    only('agent', ['client', 'wire']),
    only('injector', ['client', 'wire']),
    only('cli', ['client', 'agent', 'injector', 'wire', 'server']),
    {
      name: 'ui-imports-nothing-of-src',
      comment: 'ui/ (the web UI, its own build) talks to the server only through the public /v1 API',
      severity: 'error',
      from: { path: '^ui/' },
      to: { path: '^src/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
