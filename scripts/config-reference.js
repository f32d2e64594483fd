// Writes docs/CONFIGURATION.md from the config option table (src/server/config-options.ts).
// Run through `npm run docs:config`, which builds first; test/server/config-reference.test.ts
// fails when the committed page and the table disagree.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderConfigReference } from '../dist/src/server/config-reference.js';

const target = fileURLToPath(new URL('../docs/CONFIGURATION.md', import.meta.url));
writeFileSync(target, renderConfigReference());
console.log(`wrote ${target}`);
