import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// The degraders, the image helpers and the metrics must run in a browser: no Node built-ins, no process-only
// modules, except the two files that are Node-only by design.
const NODE_ONLY = new Set(['src/image/node-io.ts', 'src/image/jpeg-node.ts', 'src/metrics/datasets.ts', 'src/metrics/evaluate.ts']);

test('browser-safe folders import no Node modules', () => {
  for (const dir of ['src/degrade', 'src/image', 'src/metrics']) {
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
      const path = join(dir, f);
      if (NODE_ONLY.has(path)) continue;
      const src = readFileSync(path, 'utf8');
      const imports = [...src.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);
      for (const spec of imports) {
        assert.ok(!spec.startsWith('node:') && !['fs', 'path', 'os', 'crypto', 'child_process'].includes(spec), `${path} imports ${spec}`);
        if (spec.startsWith('.')) assert.ok(!/node-io|datasets|evaluate/.test(spec), `${path} imports Node-only ${spec}`);
      }
    }
  }
});
