import { randomUUID } from 'node:crypto';

import type { EventBusContractHelpers, EventBusUnderTest } from './bus.contract';
import {
  backlogKillScenario,
  brokerOutageScenario,
  kafkaContractEvent,
  startKafkaBusUnderTest,
} from './kafka-bus.harness';

describe('Kafka event bus under faults (librdkafka mock cluster)', () => {
  let target: EventBusUnderTest;
  const runId = randomUUID().slice(0, 8);
  let topicCounter = 0;

  const helpers: EventBusContractHelpers = {
    topic: async (label) => {
      topicCounter += 1;
      const topic = `faults.${runId}.${label}.${topicCounter}`;
      for (const name of [topic, `${topic}.dead-letter`]) {
        await target.prepareTopic?.(name);
      }
      return topic;
    },
    event: kafkaContractEvent,
    waitFor: async (what, condition, timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!condition()) {
        if (Date.now() > deadline) {
          throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  };

  beforeEach(async () => {
    target = await startKafkaBusUnderTest();
  });

  afterEach(async () => {
    await target.dispose();
  });

  for (const scenario of [brokerOutageScenario, backlogKillScenario]) {
    it(scenario.name, () => scenario.run(target, helpers), scenario.timeoutMs);
  }
});
