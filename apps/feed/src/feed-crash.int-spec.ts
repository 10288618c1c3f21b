import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createEventBus, type EventBus } from '@corebank/platform-event-bus';

import {
  collectEvents,
  type EventCollector,
  lifecycles,
  OUTPUT_TOPIC,
  shuffled,
  SOURCE_TOPIC,
  waitUntil,
} from './testing/enriched-events';
import { call, feedEnvironment, tokenFor } from './testing/feed-client';
import type { FeedChildArguments, FeedChildMessage } from './testing/feed.child-process';

jest.setTimeout(90_000);

const ACCOUNTS = ['acc_crash_1', 'acc_crash_2'];

interface StartedChild {
  readonly child: ChildProcess;
  /** Resolves with the HTTP port when the app is up; rejects if it fails or exits first. */
  readonly ready: Promise<number>;
}

const CHILD_START_TIMEOUT_MS = 30_000;
const CHILD_EXIT_TIMEOUT_MS = 40_000;

function startChild(argumentsForChild: FeedChildArguments): StartedChild {
  const child = fork(
    join(__dirname, 'testing', 'feed.child-process.ts'),
    [JSON.stringify(argumentsForChild)],
    {
      cwd: join(__dirname, '..', '..', '..'),
      execArgv: ['-r', '@swc-node/register'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  const ready = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`feed child did not start in ${CHILD_START_TIMEOUT_MS} ms`));
    }, CHILD_START_TIMEOUT_MS);
    child.on('message', (message: FeedChildMessage) => {
      clearTimeout(timer);
      if (message.kind === 'ready') {
        resolve(message.httpPort);
      } else {
        reject(new Error(`feed child failed: ${message.message}`));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`feed child exited (${code ?? signal}) before it was ready`));
    });
  });
  // The crashing child may die before or after reporting ready; exitOf is what the test awaits.
  ready.catch(() => undefined);
  return { child, ready };
}

function exitOf(child: ChildProcess): Promise<NodeJS.Signals | number | null> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve(child.signalCode ?? child.exitCode);
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`feed child did not exit in ${CHILD_EXIT_TIMEOUT_MS} ms`));
    }, CHILD_EXIT_TIMEOUT_MS);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(signal ?? code);
    });
  });
}

describe('the feed consumer killed with SIGKILL between its effect and the offset commit', () => {
  let directory: string;
  let bus: EventBus;
  let output: EventCollector;

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'feed-crash-'));
    bus = createEventBus({ engine: 'embedded', path: join(directory, 'bus.db') });
    output = await collectEvents(bus, OUTPUT_TOPIC, 'test-feed-items');
  });

  afterEach(async () => {
    await output.stop();
    await bus.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('still holds exactly one item per transaction in its final state after two kills and a restart', async () => {
    const environment = feedEnvironment(directory, 21);
    const { events, expected } = lifecycles(12, ACCOUNTS, 7_000_000n);
    for (const event of shuffled([...events, ...events], 3)) {
      await bus.publish(SOURCE_TOPIC, [event]);
    }

    for (const crashAfterPublishes of [4, 6]) {
      const crashing = startChild({ environment, crashAfterPublishes });
      expect(await exitOf(crashing.child)).toBe('SIGKILL');
    }
    // 4 + 6 changes were durably published before the kills; the collector reads them back.
    await waitUntil(
      () => output.events.length >= 10,
      10_000,
      () => `${output.events.length} of 10 published before the restart`,
    );
    const publishedBeforeRestart = output.events.length;

    const survivor = startChild({ environment });
    let last: Record<string, unknown>[] = [];
    try {
      const port = await survivor.ready;
      const token = tokenFor('cust_crash', ACCOUNTS);
      await waitUntil(
        async () => {
          const pages = await Promise.all(
            ACCOUNTS.map((accountId) =>
              call(port, 'GET', `/transactions?account_id=${accountId}`, token),
            ),
          );
          last = pages.flatMap((page) => page.body['transactions'] as Record<string, unknown>[]);
          return (
            last.length === expected.length &&
            expected.every((transaction) =>
              last.some(
                (item) =>
                  item['account_id'] === transaction.accountId &&
                  item['status'] === transaction.status &&
                  item['amount'] === transaction.amount,
              ),
            )
          );
        },
        45_000,
        () => JSON.stringify(last.map((item) => [item['account_id'], item['status']])),
      );
    } finally {
      survivor.child.send('stop');
      await exitOf(survivor.child);
    }
    expect(new Set(last.map((item) => item['id'])).size).toBe(expected.length);
    // Redone work (after a kill, or a duplicate delivery) republishes a change under the same
    // id, and every copy of an id must carry the same item, so downstream can deduplicate.
    const copies = new Map<string, unknown[]>();
    for (const event of output.events) {
      copies.set(event.id, [...(copies.get(event.id) ?? []), event.data]);
    }
    const repeated = [...copies.values()].filter((datas) => datas.length > 1);
    expect(repeated.length).toBeGreaterThanOrEqual(1);
    for (const datas of repeated) {
      expect(new Set(datas.map((data) => JSON.stringify(data))).size).toBe(1);
    }
    process.stdout.write(
      `feed crash test: ${events.length} events x2, ${publishedBeforeRestart} published before restart, ${output.events.length} in all, ${repeated.length} ids republished\n`,
    );
  });
});
