// Lints source texts as if they sat at given paths, with the workspace's own eslint.config.mjs,
// and prints the messages as JSON. Used by module-boundaries.int-spec.ts: ESLint loads its flat
// config with import(), which jest's CommonJS sandbox cannot do, so the linting runs here.
//
// stdin:  {"files": [{"filePath": "apps/x/src/a.ts", "code": "..."}], "projects": ["ledger"]}
// stdout: {"tags": {"ledger": ["type:app", ...]}, "results": [[{"line": 1, "ruleId": "...",
//          "message": "..."}]]}
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { createProjectGraphAsync } from '@nx/devkit';
import { ESLint } from 'eslint';

const FILES_MAX = 20;
const repositoryRoot = resolve(import.meta.dirname, '../..');
const request = JSON.parse(readFileSync(0, 'utf8'));
if (!Array.isArray(request.files) || request.files.length > FILES_MAX) {
  throw new Error(`expected 1..${FILES_MAX} files on stdin`);
}

// @nx/enforce-module-boundaries reads the cached project graph; build it first.
const graph = await createProjectGraphAsync({ exitOnError: false });
const tags = Object.fromEntries(
  (request.projects ?? []).map((name) => [name, graph.nodes[name]?.data.tags ?? []]),
);

// The probe files exist only as text. typescript-eslint's project service refuses files that are
// not on disk unless they match allowDefaultProject; the default project reuses tsconfig.json so
// path aliases resolve as usual. No rule is overridden: the rules under test are the workspace's.
const eslint = new ESLint({
  cwd: repositoryRoot,
  overrideConfig: {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: {
        projectService: {
          allowDefaultProject: ['apps/*/src/*.ts', 'libs/*/*/src/*.ts'],
          defaultProject: 'tsconfig.json',
        },
      },
    },
  },
});

const results = [];
for (const { filePath, code } of request.files) {
  const [result] = await eslint.lintText(code, { filePath: resolve(repositoryRoot, filePath) });
  results.push(
    result.messages.map(({ line, ruleId, message }) => ({
      line,
      ruleId: ruleId ?? 'fatal',
      message,
    })),
  );
}
process.stdout.write(`${JSON.stringify({ tags, results })}\n`);
