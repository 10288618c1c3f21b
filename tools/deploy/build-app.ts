import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

import { transformFile, type Options } from '@swc/core';

/**
 * Compiles one deployable entry point (an app's main.ts, or the prober's) to CommonJS for the
 * runtime image: only the files reachable from the entry, with `@corebank/*` aliases rewritten to
 * relative paths, so the image needs neither TypeScript, swc nor tsconfig paths at run time.
 * Used by the Dockerfile's build stage: `node -r @swc-node/register tools/deploy/build-app.ts
 * <entry.ts> <outDir>`.
 */

const REPOSITORY_ROOT = resolve(__dirname, '..', '..');
/** More files than the whole repository holds: a resolver bug must stop, not loop. */
const SOURCE_FILE_COUNT_MAX = 5_000;
const REQUIRE_PATTERN = /require\("([^"]+)"\)/g;

export interface BuildResult {
  /** The compiled entry, relative to outDir. */
  entry: string;
  /** Source files compiled, relative to the repository root. */
  sources: string[];
}

interface TsconfigPaths {
  compilerOptions: { paths: Record<string, string[]> };
}

function readAliases(root: string): Map<string, string> {
  const tsconfig = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')) as TsconfigPaths;
  return new Map(
    Object.entries(tsconfig.compilerOptions.paths).map(([alias, [target]]) => [
      alias,
      resolve(root, target),
    ]),
  );
}

function readSwcOptions(root: string): Options {
  const { $schema: _schema, ...options } = JSON.parse(
    readFileSync(join(root, '.swcrc'), 'utf8'),
  ) as Options & { $schema?: string };
  // Source maps inline keep stack traces pointing at the TypeScript lines.
  return { ...options, swcrc: false, configFile: false };
}

function resolveSource(fromFile: string, specifier: string): string | undefined {
  const base = resolve(dirname(fromFile), specifier);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts'), base]) {
    if (existsSync(candidate) && /\.(ts|json)$/.test(candidate)) {
      return candidate;
    }
  }
  return undefined;
}

function outputPathOf(source: string, root: string, outDir: string): string {
  return join(outDir, relative(root, source)).replace(/\.ts$/, '.js');
}

function relativeSpecifier(fromOutput: string, toOutput: string): string {
  const path = relative(dirname(fromOutput), toOutput).replace(/\.js$/, '');
  return path.startsWith('.') ? path : `./${path}`;
}

export async function buildApp(
  entry: string,
  outDir: string,
  root: string = REPOSITORY_ROOT,
): Promise<BuildResult> {
  const aliases = readAliases(root);
  const options = readSwcOptions(root);
  const entrySource = resolve(root, entry);
  if (!existsSync(entrySource)) {
    throw new Error(`entry ${entry} does not exist under ${root}`);
  }
  const queued = new Set<string>([entrySource]);
  const pending = [entrySource];
  while (pending.length > 0) {
    if (queued.size > SOURCE_FILE_COUNT_MAX) {
      throw new Error(`more than ${SOURCE_FILE_COUNT_MAX} source files reachable from ${entry}`);
    }
    const source = pending.pop() as string;
    const output = outputPathOf(source, root, outDir);
    mkdirSync(dirname(output), { recursive: true });
    if (source.endsWith('.json')) {
      writeFileSync(output.replace(/\.js$/, '.json'), readFileSync(source));
      continue;
    }
    const { code } = await transformFile(source, { ...options, filename: source });
    const rewritten = code.replace(REQUIRE_PATTERN, (whole, specifier: string) => {
      const aliased = aliases.get(specifier);
      const target =
        aliased ?? (specifier.startsWith('.') ? resolveSource(source, specifier) : undefined);
      if (target === undefined) {
        if (specifier.startsWith('.')) {
          throw new Error(`${relative(root, source)}: cannot resolve ${specifier}`);
        }
        return whole; // a package from node_modules or a Node built-in
      }
      if (!queued.has(target)) {
        queued.add(target);
        pending.push(target);
      }
      const targetOutput = target.endsWith('.json')
        ? outputPathOf(target, root, outDir).replace(/\.js$/, '.json')
        : outputPathOf(target, root, outDir);
      return `require(${JSON.stringify(relativeSpecifier(output, targetOutput))})`;
    });
    writeFileSync(output, rewritten);
  }
  return {
    entry: relative(outDir, outputPathOf(entrySource, root, outDir)),
    sources: [...queued].map((source) => relative(root, source)).sort(),
  };
}

if (require.main === module) {
  const [entry, outDir] = process.argv.slice(2);
  if (entry === undefined || outDir === undefined) {
    process.stderr.write('usage: build-app.ts <entry.ts> <outDir>\n');
    process.exit(2);
  }
  buildApp(entry, resolve(outDir)).then(
    (result) => {
      process.stdout.write(
        `${JSON.stringify({ message: 'built', entry: result.entry, files: result.sources.length })}\n`,
      );
    },
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exit(1);
    },
  );
}
