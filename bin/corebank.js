#!/usr/bin/env node
// The `corebank` command (package.json "bin"): compiles the TypeScript CLI on the fly with
// @swc-node/register, as `npm start` does for the bank, so there is no build step to forget.
'use strict';

const path = require('node:path');

const repositoryRoot = path.join(__dirname, '..');
// The @corebank/* aliases live in the repository's tsconfig; name it so `corebank` works from any
// directory (the register hook otherwise looks in the working directory).
process.env.SWC_NODE_PROJECT ??= path.join(repositoryRoot, 'tsconfig.json');
require('@swc-node/register');
const { runCorebankCli } = require(
  path.join(__dirname, '..', 'apps', 'bank', 'src', 'cli', 'corebank-cli.ts'),
);

runCorebankCli(process.argv.slice(2), {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`${String(error)}\n`);
    process.exitCode = 1;
  },
);
