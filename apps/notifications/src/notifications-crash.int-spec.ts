import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { createEventBus, type EventBus } from '@corebank/platform-event-bus';

import type { DeliveryMarkerKey } from './ports/notification-store.port';
import {
  APNS_TOKEN_A,
  feedItemCreated,
  type NotificationsHarness,
  publishEach,
  shuffled,
  startHarness,
  waitUntil,
} from './testing/notifications-harness';
import type {
  NotificationsChildArguments,
  NotificationsChildMessage,
} from './testing/notifications.child-process';

jest.setTimeout(90_000);

const CHILD_START_TIMEOUT_MS = 30_000;
const CHILD_EXIT_TIMEOUT_MS = 40_000;

interface StartedChild {
  readonly child: ChildProcess;
  readonly ready: Promise<number>;
}

function startChild(argumentsForChild: NotificationsChildArguments): StartedChild {
  const child = fork(
    join(__dirname, 'testing', 'notifications.child-process.ts'),
    [JSON.stringify(argumentsForChild)],
    {
      cwd: join(__dirname, '..', '..', '..'),
      execArgv: ['-r', '@swc-node/register'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
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
      reject(new Error(`notifications child did not start in ${CHILD_START_TIMEOUT_MS} ms`));
    }, CHILD_START_TIMEOUT_MS);
    child.on('message', (message: NotificationsChildMessage) => {
      clearTimeout(timer);
      if (message.kind === 'ready') {
        resolve(message.httpPort);
      } else {
        reject(new Error(`notifications child failed: ${message.message}`));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`notifications child exited (${code ?? signal}) before it was ready`));
    });
  });
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
      reject(new Error(`notifications child did not exit in ${CHILD_EXIT_TIMEOUT_MS} ms`));
    }, CHILD_EXIT_TIMEOUT_MS);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(signal ?? code);
    });
  });
}

describe('notifications consumer killed with SIGKILL between the accepted push and the offset commit', () => {
  let harness: NotificationsHarness;
  let bus: EventBus;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    harness = await startHarness({ webhookFailFirstAttempts: 0 });
    bus = createEventBus({ engine: 'embedded', path: harness.environment['EVENT_BUS_PATH'] ?? '' });
  });

  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exitOf(child);
      }
    }
    await bus?.close();
    await harness?.close();
  });

  it('sends no second push or webhook after the restart', async () => {
    const crashRecordPath = join(harness.directory, 'crash-record.json');
    const first = startChild({
      environment: harness.environment,
      crashAfterSentMarkers: 7,
      crashRecordPath,
    });
    children.push(first.child);
    const httpPort = await first.ready;
    const token = harness.customerToken('cust_1', ['acc_1']);
    const post = (path: string, body: unknown) =>
      fetch(`http://127.0.0.1:${httpPort}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post('/devices', { kind: 'apns', token: APNS_TOKEN_A })).status).toBe(201);
    const webhook = await post('/webhooks', { account_id: 'acc_1', url: harness.webhooks.url });
    harness.webhooks.secret = (
      (await webhook.json()) as { webhook: { secret: string } }
    ).webhook.secret;

    const items = Array.from({ length: 10 }, (_, index) => feedItemCreated(index, 'acc_1'));
    await publishEach(bus, shuffled([...items, ...items], 11));
    expect(await exitOf(first.child)).toBe('SIGKILL');
    const killedMarker = JSON.parse(readFileSync(crashRecordPath, 'utf8')) as DeliveryMarkerKey;
    const pushesBeforeRestart = harness.apns.accepted.length;
    const webhooksBeforeRestart = harness.webhooks.accepted.length;

    const second = startChild({ environment: harness.environment });
    children.push(second.child);
    await second.ready;
    await publishEach(bus, [feedItemCreated(99, 'acc_1')]);
    await waitUntil(
      () => harness.apns.accepted.some((push) => push.collapseId === 'tx_1099'),
      40_000,
      () => `pushes ${harness.apns.accepted.length}`,
    );
    await waitUntil(
      () => harness.webhooks.accepted.some((delivery) => delivery.eventId === '900099'),
      20_000,
      () => `webhooks ${harness.webhooks.accepted.length}`,
    );
    second.child.send('stop');
    expect(await exitOf(second.child)).toBe(0);

    process.stdout.write(
      `notifications crash: killed after marker ${killedMarker.deliveryKey}/${killedMarker.targetId}; ${pushesBeforeRestart} pushes and ${webhooksBeforeRestart} webhooks accepted before the restart, ${harness.apns.accepted.length} and ${harness.webhooks.accepted.length} in all\n`,
    );
    const pushIds = harness.apns.accepted.map((push) => push.collapseId);
    expect(new Set(pushIds).size).toBe(pushIds.length);
    expect(pushIds.length).toBe(11);
    const webhookEventIds = harness.webhooks.accepted.map((delivery) => delivery.eventId);
    expect(new Set(webhookEventIds).size).toBe(webhookEventIds.length);
    expect(webhookEventIds.length).toBe(11);
    // The delivery whose marker was written just before the kill was not repeated.
    const killedDeliveries = killedMarker.deliveryKey.startsWith('item:')
      ? pushIds.filter((id) => `item:${id}` === killedMarker.deliveryKey)
      : webhookEventIds.filter((id) => `event:${id}` === killedMarker.deliveryKey);
    expect(killedDeliveries).toHaveLength(1);
  });
});
