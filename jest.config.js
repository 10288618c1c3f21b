// One runner for the whole workspace: aliases come from tsconfig paths so tests resolve
// `@corebank/*` exactly as the compiler does, and swc compiles with decorator metadata for Nest.
const { existsSync, readFileSync } = require('node:fs');

const tsconfig = JSON.parse(readFileSync(`${__dirname}/tsconfig.json`, 'utf8'));
const moduleNameMapper = Object.fromEntries(
  Object.entries(tsconfig.compilerOptions.paths).map(([alias, [target]]) => [
    `^${alias.replace(/[/\\^$*+?.()|[\]{}-]/g, '\\$&')}$`,
    `<rootDir>/${target}`,
  ]),
);
const { $schema: _schema, ...swc } = JSON.parse(readFileSync(`${__dirname}/.swcrc`, 'utf8'));

/** @type {import('jest').Config} */
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  // Git keeps no empty folders, so a fresh clone may lack some of these.
  roots: ['apps', 'libs', 'acceptance', 'bench', 'tools']
    .filter((folder) => existsSync(`${__dirname}/${folder}`))
    .map((folder) => `<rootDir>/${folder}`),
  testMatch: ['**/*.spec.ts', '**/*.int-spec.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swc, swcrc: false }] },
  moduleNameMapper,
  testTimeout: 60_000,
};
