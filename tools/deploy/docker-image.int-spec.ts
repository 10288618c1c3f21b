import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { buildApp } from './build-app';
import { REPOSITORY_ROOT } from './manifests';

/**
 * No Docker engine here, so the image is checked in two parts: the build stage's compiler
 * (tools/deploy/build-app.ts) really builds apps that then start with plain `node`, and the
 * Dockerfile's structure holds the rules (multi-stage, production dependencies only, non-root,
 * health check on the ops port the manifests probe).
 */

const STARTUP_TIMEOUT_MS = 30_000;
const EXIT_TIMEOUT_MS = 10_000;

function listFiles(directory: string, found: string[] = []): string[] {
  for (const name of readdirSync(directory)) {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) {
      listFiles(path, found);
    } else {
      found.push(path);
    }
  }
  return found;
}

describe('build stage: tools/deploy/build-app.ts', () => {
  let scratch: string;

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'corebank-build-'));
    // Stands in for the image's /app/node_modules.
    symlinkSync(join(REPOSITORY_ROOT, 'node_modules'), join(scratch, 'node_modules'), 'dir');
  });

  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  it.each(['card-gateway', 'authorization', 'merchant-enrichment'])(
    'compiles %s without tests, TypeScript or unresolved @corebank aliases',
    async (app) => {
      const outDir = join(scratch, `dist-${app}`);
      const result = await buildApp(`apps/${app}/src/main.ts`, outDir);
      expect(result.entry).toBe(`apps/${app}/src/main.js`);
      expect(result.sources).toContain(`apps/${app}/src/config.ts`);
      expect(result.sources.filter((source) => /\.(int-)?spec\.ts$/.test(source))).toEqual([]);
      expect(
        result.sources.filter(
          (source) => source.startsWith('apps/') && !source.startsWith(`apps/${app}/`),
        ),
      ).toEqual([]);
      const files = listFiles(outDir);
      expect(files.filter((file) => file.endsWith('.ts'))).toEqual([]);
      const unresolved = files.filter((file) =>
        /require\("@corebank\//.test(readFileSync(file, 'utf8')),
      );
      expect(unresolved).toEqual([]);
    },
  );

  it('builds the ledger into an output that starts with plain node and stops on SIGTERM', async () => {
    const outDir = join(scratch, 'dist');
    await buildApp('apps/ledger/src/main.ts', outDir);
    // As the Dockerfile does: one entry point whatever the app.
    symlinkSync('apps/ledger/src/main.js', join(outDir, 'main.js'));
    const child = spawn(process.execPath, ['--enable-source-maps', 'dist/main.js'], {
      cwd: scratch,
      env: {
        PATH: process.env.PATH,
        LEDGER_GRPC_HOST: '127.0.0.1',
        LEDGER_GRPC_PORT: '0',
        LEDGER_WORKER_ID: '7',
        STORE_SQLITE_PATH: join(scratch, 'ledger.db'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let output = '';
        const timer = setTimeout(
          () =>
            reject(new Error(`no 'ledger listening' within ${STARTUP_TIMEOUT_MS} ms: ${output}`)),
          STARTUP_TIMEOUT_MS,
        );
        const collect = (chunk: Buffer): void => {
          output += chunk.toString('utf8');
          const listening = output
            .split('\n')
            .find((candidate) => candidate.includes('ledger listening'));
          if (listening !== undefined) {
            clearTimeout(timer);
            resolve(listening);
          }
        };
        child.stdout.on('data', collect);
        child.stderr.on('data', collect);
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`the ledger exited with ${code} before listening: ${output}`));
        });
      });
      const started = JSON.parse(line) as { grpcPort: number };
      expect(started.grpcPort).toBeGreaterThan(0);
    } finally {
      child.kill('SIGTERM');
      const stopTimer = setTimeout(() => child.kill('SIGKILL'), EXIT_TIMEOUT_MS);
      await exited;
      clearTimeout(stopTimer);
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(REPOSITORY_ROOT, 'Dockerfile'), 'utf8');
  // Continuation lines joined, comments dropped: one instruction per entry.
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const stages = instructions
    .filter((line) => line.startsWith('FROM '))
    .map((line) => / AS (\S+)$/.exec(line)?.[1]);

  function stageInstructions(stage: string): string[] {
    const start = instructions.findIndex(
      (line) => line.startsWith('FROM ') && line.endsWith(` AS ${stage}`),
    );
    expect(start).toBeGreaterThanOrEqual(0);
    const next = instructions.findIndex((line, index) => index > start && line.startsWith('FROM '));
    return instructions.slice(start, next === -1 ? undefined : next);
  }

  it('has deps, build, prod-deps and runtime stages, building any app by ARG APP', () => {
    expect(stages).toEqual(['deps', 'build', 'prod-deps', 'runtime']);
    expect(stageInstructions('deps')).toContain('RUN npm ci --no-audit --no-fund');
    const build = stageInstructions('build');
    expect(build).toContain('ARG APP');
    expect(
      build.some((line) => line.includes('tools/deploy/build-app.ts "${APP_ENTRY}" dist')),
    ).toBe(true);
  });

  it('ships production dependencies only, as a non-root user, with a health check on the ops port', () => {
    expect(stageInstructions('prod-deps')).toContain(
      'RUN npm prune --omit=dev --no-audit --no-fund',
    );
    const runtime = stageInstructions('runtime');
    expect(runtime[0]).toBe('FROM ${NODE_IMAGE} AS runtime');
    const copiedFrom = runtime
      .filter((line) => line.startsWith('COPY --from='))
      .map((line) => /--from=(\S+) (\S+)/.exec(line)?.slice(1).join(' '));
    expect(copiedFrom).toEqual([
      'prod-deps /app/node_modules',
      'prod-deps /app/package.json',
      'build /app/dist',
    ]);
    expect(runtime).toContain('USER 10001:10001');
    // The manifests run the pods as the same uid (runAsUser 10001).
    const healthcheck = runtime.find((line) => line.startsWith('HEALTHCHECK '));
    expect(healthcheck).toContain('http://127.0.0.1:9464/health/live');
    expect(runtime).toContain('EXPOSE 9464');
    expect(runtime[runtime.length - 1]).toBe(
      'CMD ["node", "--enable-source-maps", "dist/main.js"]',
    );
  });

  it('copies only paths that exist and that .dockerignore lets into the context', () => {
    const ignored = readFileSync(join(REPOSITORY_ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['**/node_modules', '.git', 'data', 'dist']));
    const sources = instructions
      .filter((line) => line.startsWith('COPY ') && !line.startsWith('COPY --from='))
      .flatMap((line) => line.split(/\s+/).slice(1, -1));
    expect(sources.length).toBeGreaterThan(5);
    for (const source of sources) {
      expect([source, existsSync(join(REPOSITORY_ROOT, source))]).toEqual([source, true]);
      expect([source, ignored.includes(source)]).toEqual([source, false]);
    }
  });
});
