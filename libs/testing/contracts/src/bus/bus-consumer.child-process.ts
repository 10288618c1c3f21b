/**
 * A consumer in its own OS process, for the bus contract's crash scenario: it subscribes with
 * the configured engine, records each handled event in a file with a synchronous append (the
 * effect is durable before the handler resolves, as the at-least-once rule requires), and is
 * either stopped gracefully (IPC `stop`) or killed with SIGKILL by the parent.
 */
import { appendFileSync } from 'node:fs';

import { createEventBus, type EventBus, type Subscription } from '@corebank/platform-event-bus';

import type {
  BusConsumerChildArguments,
  BusConsumerChildMessage,
  BusConsumerStopRequest,
} from './bus-consumer-protocol';
import { isContractEventData } from './bus-consumer-protocol';
import { formatHandledLine } from './handled-log';

function send(message: BusConsumerChildMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const argument = process.argv[2];
  if (argument === undefined) {
    throw new Error('missing arguments');
  }
  const { config, topic, groupId, handledPath } = JSON.parse(argument) as BusConsumerChildArguments;
  const bus: EventBus = createEventBus(config);
  const subscription: Subscription = await bus.subscribe({
    topic,
    groupId,
    handler: (event) => {
      if (!isContractEventData(event.data)) {
        return Promise.reject(new Error(`unexpected event data in ${event.id}`));
      }
      appendFileSync(
        handledPath,
        formatHandledLine({ key: event.key, sequence: event.data.sequence }),
      );
      return Promise.resolve();
    },
  });
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) {
      return;
    }
    stopping = true;
    await subscription.stop();
    await bus.close();
    send({ kind: 'stopped' });
    // Exit explicitly: the drain and commit are done, and a client library's idle handle must
    // not keep the process (and the parent's test) waiting.
    process.exit(0);
  };
  process.on('message', (request: BusConsumerStopRequest) => {
    if (request.kind === 'stop') {
      stop().catch((error: unknown) => {
        process.stderr.write(`bus consumer child: stop failed: ${String(error)}\n`);
        process.exit(1);
      });
    }
  });
  // The parent went away without stopping us: leave nothing running behind it.
  process.on('disconnect', () => {
    if (!stopping) {
      process.exit(2);
    }
  });
  send({ kind: 'ready' });
}

main().catch((error: unknown) => {
  send({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
  process.exitCode = 1;
  process.disconnect?.();
});
