import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

const scopes = [
  'ledger',
  'authorization',
  'card-gateway',
  'merchant-enrichment',
  'feed',
  'notifications',
  'bank',
];
const bannedInDomain = [
  '@nestjs/*',
  'kafkajs',
  'cassandra-driver',
  'etcd3',
  'better-sqlite3',
  '@grpc/*',
  '@opentelemetry/*',
  'pino',
];
// Nx's rule does not see Node's built-in modules, so domain code's "no I/O" is enforced here.
const nodeBuiltins = [
  'node:*',
  'fs',
  'fs/*',
  'net',
  'http',
  'https',
  'child_process',
  'os',
  'worker_threads',
  'dgram',
  'dns',
];
const sharedImportPatterns = [
  {
    group: ['@corebank/testing-*'],
    message: 'libs/testing is for *.spec.ts and *.int-spec.ts files only.',
  },
  { group: ['@corebank/*/src/*'], message: 'Import a lib through its index.ts.' },
];

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/tmp/**',
      '**/coverage/**',
      'data/**',
      '.nx/**',
      '**/generated/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          banTransitiveDependencies: false,
          allow: [],
          depConstraints: [
            {
              sourceTag: 'type:domain',
              onlyDependOnLibsWithTags: ['type:domain'],
              bannedExternalImports: bannedInDomain,
            },
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: [] },
            {
              // Platform and app code may reach libs/testing only from test files; the
              // no-restricted-imports override below keeps it out of production code.
              sourceTag: 'type:platform',
              onlyDependOnLibsWithTags: ['type:platform', 'type:contracts', 'type:testing'],
            },
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: [
                'type:domain',
                'type:contracts',
                'type:platform',
                'type:testing',
              ],
            },
            {
              sourceTag: 'type:testing',
              onlyDependOnLibsWithTags: [
                'type:domain',
                'type:platform',
                'type:contracts',
                'type:testing',
              ],
            },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            ...scopes.map((scope) => ({
              sourceTag: `scope:${scope}`,
              onlyDependOnLibsWithTags: [`scope:${scope}`, 'scope:shared'],
            })),
          ],
        },
      ],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/require-await': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      curly: 'error',
      eqeqeq: 'error',
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration in config.ts only.' },
      ],
      'no-restricted-imports': ['error', { patterns: sharedImportPatterns }],
    },
  },
  {
    // Domain libs are pure: no I/O, no clock, no randomness. Their data generators in scripts/
    // and their tests may read files.
    files: ['libs/domain/**/*.ts'],
    ignores: ['libs/domain/*/scripts/**', '**/*.spec.ts', '**/*.int-spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...sharedImportPatterns,
            { group: nodeBuiltins, message: 'Domain code does no I/O: pass data in as arguments.' },
          ],
        },
      ],
    },
  },
  {
    // The bank is the one composition root that runs every service in one process: it alone may
    // import a service's bootstrap (`@corebank/<app>-service`, each app's main.ts). Any other
    // import of an app still fails, here and everywhere else.
    files: ['apps/bank/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: ['^@corebank/[a-z-]+-service$'],
          depConstraints: [
            {
              sourceTag: 'scope:bank',
              onlyDependOnLibsWithTags: ['scope:shared'],
            },
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: [
                'type:domain',
                'type:contracts',
                'type:platform',
                'type:testing',
              ],
            },
          ],
        },
      ],
    },
  },
  {
    // Test code, the test-engine harness, tools, benches and the acceptance suite may read the
    // environment (CASSANDRA_CONTACT_POINTS, CI) and use libs/testing.
    files: [
      '**/*.spec.ts',
      '**/*.int-spec.ts',
      'libs/testing/**/*.ts',
      'tools/**/*.ts',
      'bench/**/*.ts',
      'acceptance/**/*.ts',
      '**/config.ts',
      '**/*.config.ts',
    ],
    rules: {
      'no-restricted-properties': 'off',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@corebank/*/src/*'], message: 'Import a lib through its index.ts.' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.int-spec.ts'],
    rules: {
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  prettier,
);
