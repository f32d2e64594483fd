// Runs the compiled test suite with Node's own test runner (tests are built by `tsc` in pretest).
import { spawnSync } from 'node:child_process';

const files = process.argv.slice(2);
const result = spawnSync(
  process.execPath,
  ['--test', '--test-reporter=spec', '--test-concurrency=2', ...(files.length ? files : ['dist/test'])],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
