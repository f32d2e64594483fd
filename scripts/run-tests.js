// Runs the layer rule (dependency-cruiser over src/, .dependency-cruiser.cjs), then the compiled test
// suite with Node's own test runner (tests are built by `tsc` in pretest). Given files, runs only those.
import { spawnSync } from 'node:child_process';

const files = process.argv.slice(2);
if (files.length === 0) {
  const layers = spawnSync(
    process.execPath,
    ['node_modules/dependency-cruiser/bin/dependency-cruise.mjs', 'src', 'ui/src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'],
    { stdio: 'inherit' },
  );
  if (layers.status !== 0) process.exit(layers.status ?? 1);
}
const result = spawnSync(
  process.execPath,
  ['--test', '--test-reporter=spec', '--test-concurrency=2', ...(files.length ? files : ['dist/test'])],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
