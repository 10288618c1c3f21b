/**
 * Proves the workspace lint config (eslint.config.mjs) enforces the module boundaries of STYLE.md
 * §2: it must reject wrong imports and accept right ones. Each case is source text linted as if it
 * sat in a real project folder, through ESLint's Node API and the repository's own config, in one
 * child process (lint-texts.mjs; see there why it cannot run inside jest).
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repositoryRoot = resolve(__dirname, '../..');
/** Type-aware ESLint plus the Nx graph take ~10 s on an idle machine; allow for a busy one. */
const LINT_TIMEOUT_MS = 150_000;

const BOUNDARIES = '@nx/enforce-module-boundaries';
const RESTRICTED = 'no-restricted-imports';

interface LintMessage {
  line: number;
  ruleId: string;
  message: string;
}

const CASES = {
  wrongAppImports: {
    filePath: 'apps/ledger/src/lint-probe-wrong-imports.ts',
    lines: [
      "import { authorizePayment } from '../../authorization/src/authorize-payment';",
      "import { startEtcd } from '@corebank/testing-engines';",
      "import { PlatformError } from '@corebank/platform-errors/src/platform-error';",
      'export const probes: unknown[] = [authorizePayment, startEtcd, PlatformError];',
    ],
  },
  appSpecUsingTesting: {
    filePath: 'apps/ledger/src/lint-probe.spec.ts',
    lines: [
      "import { freePort } from '@corebank/testing-engines';",
      'export const probe: () => Promise<number> = freePort;',
    ],
  },
  domainImportingInfrastructure: {
    filePath: 'libs/domain/money/src/lint-probe-banned.ts',
    lines: [
      "import { Kafka } from 'kafkajs';",
      "import { Client } from 'cassandra-driver';",
      "import { Etcd3 } from 'etcd3';",
      "import { Injectable } from '@nestjs/common';",
      "import type { Store } from '@corebank/platform-storage';",
      'export type Probes = [Kafka, Client, Etcd3, typeof Injectable, Store];',
    ],
  },
  domainDoingIo: {
    filePath: 'libs/domain/money/src/lint-probe-io.ts',
    lines: [
      "import { readFileSync } from 'node:fs';",
      "import { request } from 'http';",
      'export const probes: unknown[] = [readFileSync, request];',
    ],
  },
  appAllowed: {
    filePath: 'apps/ledger/src/lint-probe-allowed.ts',
    lines: [
      "import { currencyCode } from '@corebank/domain-money';",
      "import { PlatformError } from '@corebank/platform-errors';",
      'export const probe = new PlatformError(',
      "  'invalid.currency',",
      "  currencyCode('GBP'),",
      '  { retryable: false },',
      ');',
    ],
  },
  domainAllowed: {
    filePath: 'libs/domain/merchant/src/lint-probe-allowed.ts',
    lines: [
      "import { type Money, currencyCode, zero } from '@corebank/domain-money';",
      "export const probe: Money = zero(currencyCode('GBP'));",
    ],
  },
} as const;

type CaseName = keyof typeof CASES;
const CASE_NAMES = Object.keys(CASES) as CaseName[];
const PROJECTS = ['ledger', 'authorization', 'domain-money', 'platform-storage', 'testing-engines'];

/** Rule ids reported on each 1-based line. */
function rulesByLine(messages: readonly LintMessage[]): Map<number, string[]> {
  const byLine = new Map<number, string[]>();
  for (const message of messages) {
    byLine.set(message.line, [...(byLine.get(message.line) ?? []), message.ruleId]);
  }
  return byLine;
}

describe('module boundaries enforced by eslint.config.mjs', () => {
  let tags: Record<string, string[]>;
  const messages = new Map<CaseName, LintMessage[]>();

  beforeAll(async () => {
    const request = {
      projects: PROJECTS,
      files: CASE_NAMES.map((name) => ({
        filePath: CASES[name].filePath,
        code: `${CASES[name].lines.join('\n')}\n`,
      })),
    };
    const child = run(process.execPath, ['tools/lint/lint-texts.mjs'], {
      cwd: repositoryRoot,
      timeout: LINT_TIMEOUT_MS,
      maxBuffer: 4 * 1024 * 1024,
    });
    child.child.stdin?.end(JSON.stringify(request));
    const { stdout } = await child;
    const output = JSON.parse(stdout) as {
      tags: Record<string, string[]>;
      results: LintMessage[][];
    };
    tags = output.tags;
    CASE_NAMES.forEach((name, index) => messages.set(name, output.results[index] ?? []));
  }, LINT_TIMEOUT_MS + 10_000);

  it('runs against projects tagged the way these cases assume', () => {
    expect(tags['ledger']).toEqual(expect.arrayContaining(['type:app', 'scope:ledger']));
    expect(tags['authorization']).toEqual(
      expect.arrayContaining(['type:app', 'scope:authorization']),
    );
    expect(tags['domain-money']).toContain('type:domain');
    expect(tags['platform-storage']).toContain('type:platform');
    expect(tags['testing-engines']).toContain('type:testing');
  });

  it('fails an app importing another app by relative path', () => {
    expect(rulesByLine(messages.get('wrongAppImports') ?? []).get(1)).toContain(BOUNDARIES);
  });

  it('fails production app code importing libs/testing, and deep lib imports', () => {
    const rules = rulesByLine(messages.get('wrongAppImports') ?? []);
    expect(rules.get(2)).toContain(RESTRICTED);
    expect(rules.get(3)).toContain(RESTRICTED);
  });

  it('lets a spec file in an app import libs/testing', () => {
    expect(messages.get('appSpecUsingTesting')).toEqual([]);
  });

  it('fails a domain lib importing kafkajs, cassandra-driver, etcd3, @nestjs/common or a platform lib', () => {
    const found = messages.get('domainImportingInfrastructure') ?? [];
    const rules = rulesByLine(found);
    for (const line of [1, 2, 3, 4, 5]) {
      expect([line, rules.get(line)]).toEqual([line, expect.arrayContaining([BOUNDARIES])]);
    }
    expect(found.find((message) => message.line === 1)?.message).toMatch(
      /type:domain.*not allowed to import "kafkajs"/,
    );
    expect(found.find((message) => message.line === 5)?.message).toMatch(
      /type:domain.*can only depend on libs tagged with "type:domain"/,
    );
  });

  it('fails a domain lib importing a Node built-in (domain code does no I/O)', () => {
    const rules = rulesByLine(messages.get('domainDoingIo') ?? []);
    expect(rules.get(1)).toEqual([RESTRICTED]);
    expect(rules.get(2)).toEqual([RESTRICTED]);
  });

  it('passes allowed imports in an app and in a domain lib without any message', () => {
    expect(messages.get('appAllowed')).toEqual([]);
    expect(messages.get('domainAllowed')).toEqual([]);
  });
});
