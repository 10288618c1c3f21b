import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import {
  KafkaApiKey,
  KafkaErrorCode,
  type KafkaMockCluster,
  kafkaMockBinary,
  startKafkaMock,
} from './kafka-mock';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (condition()) {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return condition();
}

async function accepts(address: string): Promise<boolean> {
  const [host, port] = address.split(':');
  return new Promise((resolve) => {
    const socket = connect({ host, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function kafkaClient(cluster: KafkaMockCluster): Kafka {
  return new Kafka({
    clientId: 'kmock-spec',
    brokers: [...cluster.brokerAddresses],
    logLevel: logLevel.NOTHING,
    requestTimeout: 3_000,
    retry: { retries: 10, initialRetryTime: 50, maxRetryTime: 500 },
  });
}

describe('Kafka mock test engine', () => {
  let cluster: KafkaMockCluster;

  beforeAll(async () => {
    cluster = await startKafkaMock({
      brokers: 3,
      topics: [{ name: 'harness.probe.sent.v1', partitions: 4, replicationFactor: 3 }],
    });
  });

  afterAll(async () => {
    await cluster.stop();
  });

  it('serves three brokers on loopback only', () => {
    expect(cluster.brokerAddresses).toHaveLength(3);
    for (const address of cluster.brokerAddresses) {
      expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    }
  });

  it('round-trips keyed messages through a consumer group, in order per partition', async () => {
    const kafka = kafkaClient(cluster);
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    const consumer = kafka.consumer({
      groupId: 'harness-round-trip',
      sessionTimeout: 6_000,
      rebalanceTimeout: 6_000,
      heartbeatInterval: 500,
      maxWaitTimeInMs: 200,
    });
    const messageCount = 200;
    const received: Array<{ key: string; sequence: number; partition: number }> = [];
    try {
      await producer.connect();
      await producer.send({
        topic: 'harness.probe.sent.v1',
        acks: -1,
        messages: Array.from({ length: messageCount }, (_, sequence) => ({
          key: `key-${sequence % 8}`,
          value: String(sequence),
        })),
      });
      await consumer.connect();
      await consumer.subscribe({ topic: 'harness.probe.sent.v1', fromBeginning: true });
      const allReceived = new Promise<void>((resolve) => {
        void consumer.run({
          // eslint-disable-next-line @typescript-eslint/require-await -- kafkajs wants a promise
          eachMessage: async ({ message, partition }) => {
            received.push({
              key: message.key?.toString() ?? '',
              sequence: Number(message.value?.toString()),
              partition,
            });
            if (received.length >= messageCount) {
              resolve();
            }
          },
        });
      });
      await allReceived;
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
    }
    expect(new Set(received.map((entry) => entry.sequence)).size).toBe(messageCount);
    const partitionsByKey = new Map<string, Set<number>>();
    const lastSequenceByKey = new Map<string, number>();
    for (const entry of received) {
      partitionsByKey.set(
        entry.key,
        (partitionsByKey.get(entry.key) ?? new Set()).add(entry.partition),
      );
      expect(entry.sequence).toBeGreaterThan(lastSequenceByKey.get(entry.key) ?? -1);
      lastSequenceByKey.set(entry.key, entry.sequence);
    }
    for (const partitions of partitionsByKey.values()) {
      expect(partitions.size).toBe(1);
    }
  });

  it('takes a broker down and brings it back', async () => {
    const address = cluster.brokerAddresses[1];
    expect(await accepts(address)).toBe(true);
    await cluster.brokerDown(2);
    expect(await accepts(address)).toBe(false);
    await cluster.brokerUp(2);
    expect(await accepts(address)).toBe(true);
  });

  it('fails the next produce requests with pushed errors, which the producer retries', async () => {
    const kafka = kafkaClient(cluster);
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await cluster.createTopic({ name: 'harness.errors.sent.v1', partitions: 1 });
    let produceRequests = 0;
    producer.on(producer.events.REQUEST, (event) => {
      if (event.payload.apiName === 'Produce') {
        produceRequests += 1;
      }
    });
    try {
      await producer.connect();
      await cluster.pushRequestErrors(KafkaApiKey.produce, [
        KafkaErrorCode.notEnoughReplicas,
        KafkaErrorCode.notEnoughReplicas,
      ]);
      const [result] = await producer.send({
        topic: 'harness.errors.sent.v1',
        acks: -1,
        messages: [{ key: 'k', value: 'after two refusals' }],
      });
      expect(result.errorCode).toBe(0);
    } finally {
      await producer.disconnect();
    }
    // Two refused attempts and the one that was accepted.
    expect(produceRequests).toBe(3);
  });

  it('rejects a bad command with the reason instead of hanging', async () => {
    await expect(cluster.brokerDown(9)).rejects.toThrow(/broker-id/);
    await expect(cluster.createTopic({ name: 'bad topic', partitions: 1 })).rejects.toThrow(
      /invalid Kafka topic name/,
    );
  });

  it('stops, leaving no process and no listener behind', async () => {
    const other = await startKafkaMock({ brokers: 1 });
    const pid = other.process.pid ?? -1;
    expect(isAlive(pid)).toBe(true);
    await other.stop();
    expect(isAlive(pid)).toBe(false);
    expect(await accepts(other.brokerAddresses[0])).toBe(false);
  });

  it('exits on its own when the process that started it is killed', async () => {
    // A parent that dies by SIGKILL runs no cleanup; the closed stdin pipe is what ends the mock.
    const parent = spawn(
      process.execPath,
      [
        '-e',
        `const c = require('node:child_process').spawn(process.argv[1], ['1'], { stdio: ['pipe', 'inherit', 'ignore'] });
         console.log('pid ' + c.pid);`,
        kafkaMockBinary(),
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let output = '';
    parent.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    expect(await waitUntil(() => /pid \d+[\s\S]*bootstrap /.test(output), 10_000)).toBe(true);
    const mockPid = Number(/pid (\d+)/.exec(output)?.[1]);
    expect(isAlive(mockPid)).toBe(true);
    parent.kill('SIGKILL');
    expect(await waitUntil(() => !isAlive(mockPid), 10_000)).toBe(true);
  });
});
