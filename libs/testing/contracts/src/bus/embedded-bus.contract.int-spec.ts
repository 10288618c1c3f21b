import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { EmbeddedEventBus, type EventBusConfig } from '@corebank/platform-event-bus';

import { describeEventBusContract } from './bus.contract';

describeEventBusContract('embedded (SQLite log)', () => {
  const directory = mkdtempSync(join(tmpdir(), 'corebank-embedded-bus-'));
  const config = {
    engine: 'embedded',
    path: join(directory, 'bus.sqlite'),
    // Short polls: the crash scenario's consumer runs in another process.
    pollIntervalMs: 10,
    // Commits lag handling by up to 100 ms, so the SIGKILL almost always lands while handled
    // events are still uncommitted and the redelivery path is exercised.
    commitIntervalMs: 100,
  } satisfies EventBusConfig;
  const { engine: _engine, ...embedded } = config;
  let bus = new EmbeddedEventBus(embedded);
  return Promise.resolve({
    bus,
    childProcessConfig: config,
    restart: async () => {
      await bus.close();
      bus = new EmbeddedEventBus(embedded);
      return bus;
    },
    publishRaw: (topic, message) => bus.publishRaw(topic, [message]),
    dispose: () => {
      rmSync(directory, { recursive: true, force: true });
      return Promise.resolve();
    },
  });
});
