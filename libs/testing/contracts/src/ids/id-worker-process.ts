/**
 * A separate OS process holding an id worker lease, driven by the multi-process integration test
 * (`id-worker-processes.int-spec.ts`). It reads the ids config from its environment like an app
 * would, then answers one-line commands on stdin with one JSON line each on stdout:
 *
 *   issue <count>  -> {"event":"issued","count":n,"first":"<id>","last":"<id>"}
 *                     or {"event":"refused","code":"<PlatformError code>"}
 *   release        -> {"event":"released"}, then exits 0
 *
 * It announces {"event":"ready","workerId":n,"pid":p} once leased and {"event":"lost"} when the
 * lease is lost. When stdin closes (the test runner died) it releases and exits, so it never
 * outlives its parent.
 */
import { createInterface } from 'node:readline';

import { loadConfig } from '@corebank/platform-config';
import { isPlatformError } from '@corebank/platform-errors';
import {
  createIdGenerator,
  idsConfigSchema,
  type IdGeneratorRuntime,
} from '@corebank/platform-ids';

// A test sends a handful of commands; anything near this bound is a runaway loop in the test.
const ISSUE_COUNT_MAX = 1_000_000;

function emit(message: Record<string, string | number>): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

function issue(runtime: IdGeneratorRuntime, count: number): void {
  let first: string | undefined;
  let last: string | undefined;
  try {
    for (let index = 0; index < count; index++) {
      last = runtime.generator.nextId();
      first ??= last;
    }
  } catch (error) {
    emit({ event: 'refused', code: isPlatformError(error) ? error.code : String(error) });
    return;
  }
  emit({ event: 'issued', count, first: first ?? '', last: last ?? '' });
}

async function main(): Promise<void> {
  const runtime = await createIdGenerator(loadConfig(idsConfigSchema, process.env));
  runtime.workerLease.lost.addEventListener('abort', () => {
    emit({ event: 'lost', reason: String(runtime.workerLease.lost.reason) });
  });
  emit({ event: 'ready', workerId: runtime.generator.workerId, pid: process.pid });

  const shutdown = async (): Promise<void> => {
    try {
      await runtime.close();
      emit({ event: 'released' });
      process.exit(0);
    } catch (error) {
      emit({ event: 'failed', code: isPlatformError(error) ? error.code : String(error) });
      process.exit(1);
    }
  };
  const commands = createInterface({ input: process.stdin });
  commands.on('line', (line) => {
    const [command, argument] = line.trim().split(/\s+/);
    if (command === 'issue') {
      const count = Number(argument);
      if (!Number.isInteger(count) || count < 1 || count > ISSUE_COUNT_MAX) {
        emit({ event: 'error', message: `bad count ${argument}` });
        return;
      }
      issue(runtime, count);
    } else if (command === 'release') {
      void shutdown();
    } else {
      emit({ event: 'error', message: `unknown command ${command}` });
    }
  });
  commands.on('close', () => {
    void shutdown();
  });
}

main().catch((error: unknown) => {
  emit({ event: 'failed', code: isPlatformError(error) ? error.code : String(error) });
  process.exit(1);
});
