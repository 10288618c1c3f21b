import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { EngineMissingError } from './require-engine';

/** Kafka protocol API keys accepted by {@link KafkaMockCluster.pushRequestErrors}. */
export const KafkaApiKey = {
  produce: 0,
  fetch: 1,
  listOffsets: 2,
  metadata: 3,
  offsetCommit: 8,
  offsetFetch: 9,
  findCoordinator: 10,
  joinGroup: 11,
  heartbeat: 12,
  leaveGroup: 13,
  syncGroup: 14,
} as const;

/** Kafka protocol error codes commonly injected in tests (see the Kafka protocol guide). */
export const KafkaErrorCode = {
  notLeaderForPartition: 6,
  requestTimedOut: 7,
  networkException: 13,
  coordinatorNotAvailable: 15,
  notCoordinator: 16,
  notEnoughReplicas: 19,
  notEnoughReplicasAfterAppend: 20,
  rebalanceInProgress: 27,
} as const;

export interface KafkaMockTopic {
  readonly name: string;
  readonly partitions: number;
  /** Defaults to the broker count, capped at 3. */
  readonly replicationFactor?: number;
}

export interface KafkaMockOptions {
  /** Broker ids are 1..brokers. */
  readonly brokers: number;
  readonly topics?: readonly KafkaMockTopic[];
}

export interface KafkaMockCluster {
  /** Comma-separated `host:port` list, the Kafka `bootstrap.servers` form. */
  readonly bootstrapServers: string;
  /** The same list split, the form kafkajs takes as `brokers`. */
  readonly brokerAddresses: readonly string[];
  readonly process: ChildProcess;
  /** The mock refuses CreateTopics over the wire, so tests create topics here. */
  createTopic(topic: KafkaMockTopic): Promise<void>;
  /** Closes the broker's listener and connections; its partitions' leaders do not move. */
  brokerDown(brokerId: number): Promise<void>;
  brokerUp(brokerId: number): Promise<void>;
  /** The next `errorCodes.length` requests with this API key fail with these codes, in order. */
  pushRequestErrors(apiKey: number, errorCodes: readonly number[]): Promise<void>;
  /** Delays every response of one broker (0 to clear). */
  setBrokerRoundTripMs(brokerId: number, roundTripMs: number): Promise<void>;
  /** Closes the command pipe (the mock exits on end-of-file) and waits for the process. */
  stop(): Promise<void>;
}

const repositoryRoot = resolve(__dirname, '../../../..');
const sourcePath = resolve(__dirname, '../kafka-mock/kmock.c');
const cacheDirectory = join(repositoryRoot, 'node_modules', '.cache', 'corebank', 'kmock');
const startTimeoutMs = 10_000;
const commandTimeoutMs = 10_000;
const exitTimeoutMs = 5_000;

function compilerFlags(): string[] {
  try {
    return execFileSync('pkg-config', ['--cflags', '--libs', 'rdkafka'], { encoding: 'utf8' })
      .trim()
      .split(/\s+/)
      .filter((flag) => flag.length > 0);
  } catch {
    throw new EngineMissingError('librdkafka (pkg-config rdkafka)', 'librdkafka-dev pkg-config');
  }
}

/**
 * Compiles kmock.c once per content hash into node_modules/.cache, so an edited source is
 * rebuilt and parallel jest workers share one binary. Each worker compiles to its own temp name
 * and renames, which is atomic, so no worker ever runs a half-written binary.
 */
export function kafkaMockBinary(): string {
  const source = readFileSync(sourcePath);
  const digest = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const binary = join(cacheDirectory, `kmock-${digest}`);
  if (existsSync(binary)) {
    return binary;
  }
  const flags = compilerFlags();
  mkdirSync(cacheDirectory, { recursive: true });
  const temporary = `${binary}.${process.pid}.tmp`;
  try {
    execFileSync('gcc', ['-O2', '-Wall', '-o', temporary, sourcePath, ...flags], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    rmSync(temporary, { force: true });
    const stderr = (error as { stderr?: string }).stderr ?? '';
    if (stderr.includes('rdkafka_mock.h') || stderr.includes('rdkafka.h')) {
      throw new EngineMissingError(
        'librdkafka mock cluster header rdkafka_mock.h',
        'librdkafka-dev',
      );
    }
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new EngineMissingError('gcc (to build the Kafka mock)', 'gcc');
    }
    throw new Error(`compiling ${sourcePath} failed:\n${stderr}`);
  }
  renameSync(temporary, binary);
  return binary;
}

function assertPositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive integer, got ${value}`);
  }
}

function topicArgument(topic: KafkaMockTopic, brokers: number): string {
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(topic.name)) {
    throw new Error(`invalid Kafka topic name: ${JSON.stringify(topic.name)}`);
  }
  assertPositiveInteger('partitions', topic.partitions);
  const replicationFactor = topic.replicationFactor ?? Math.min(brokers, 3);
  assertPositiveInteger('replicationFactor', replicationFactor);
  return `${topic.name} ${topic.partitions} ${replicationFactor}`;
}

/**
 * Starts librdkafka's mock Kafka cluster (a real Kafka wire-protocol broker from the Debian
 * librdkafka-dev package) in a child process listening on 127.0.0.1. Commands go over the child's
 * stdin and each is acknowledged on its stdout, so a fault is in effect once its promise resolves.
 * The child exits when its stdin closes: on `stop()`, or when the test process dies.
 */
export async function startKafkaMock(options: KafkaMockOptions): Promise<KafkaMockCluster> {
  assertPositiveInteger('brokers', options.brokers);
  const topicArguments = (options.topics ?? []).map((topic) =>
    topicArgument(topic, options.brokers).replaceAll(' ', ':'),
  );
  const binary = kafkaMockBinary();
  const child = spawn(binary, [String(options.brokers), ...topicArguments], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  // Replies arrive in command order, one line each; the queue holds the waiting callers.
  const pendingReplies: Array<(line: string) => void> = [];
  const exitedPromise = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  let bootstrapLine: ((line: string) => void) | undefined;
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    if (bootstrapLine !== undefined) {
      const deliver = bootstrapLine;
      bootstrapLine = undefined;
      deliver(line);
      return;
    }
    pendingReplies.shift()?.(line);
  });
  void exitedPromise.then(() => {
    for (const reply of pendingReplies.splice(0)) {
      reply(`error kmock exited (${child.exitCode ?? child.signalCode}): ${stderr}`);
    }
  });

  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.stdin?.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), exitTimeoutMs);
      await exitedPromise;
      clearTimeout(timer);
    }
    lines.close();
  };

  const firstLine = await new Promise<string>((resolveLine) => {
    const timer = setTimeout(() => resolveLine('error no bootstrap line in time'), startTimeoutMs);
    bootstrapLine = (line) => {
      clearTimeout(timer);
      resolveLine(line);
    };
    void exitedPromise.then(() => {
      clearTimeout(timer);
      resolveLine(`error kmock exited early (${child.exitCode ?? child.signalCode})`);
    });
  });
  if (!firstLine.startsWith('bootstrap ')) {
    await stop();
    throw new Error(`kafka mock did not start: ${firstLine}\n${stderr}`);
  }
  const bootstrapServers = firstLine.slice('bootstrap '.length).trim();

  const command = async (text: string): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null || child.stdin === null) {
      throw new Error(`kafka mock is not running; cannot run "${text}"`);
    }
    const reply = new Promise<string>((resolveReply) => {
      const timer = setTimeout(() => resolveReply('error no reply in time'), commandTimeoutMs);
      pendingReplies.push((line) => {
        clearTimeout(timer);
        resolveReply(line);
      });
    });
    child.stdin.write(`${text}\n`);
    const line = await reply;
    if (line !== 'ok') {
      throw new Error(`kafka mock command "${text}" failed: ${line}`);
    }
  };

  const brokerCommand = async (verb: 'down' | 'up', brokerId: number): Promise<void> => {
    assertPositiveInteger('brokerId', brokerId);
    await command(`${verb} ${brokerId}`);
  };

  return {
    bootstrapServers,
    brokerAddresses: bootstrapServers.split(','),
    process: child,
    createTopic: async (topic) => {
      await command(`topic ${topicArgument(topic, options.brokers)}`);
    },
    brokerDown: (brokerId) => brokerCommand('down', brokerId),
    brokerUp: (brokerId) => brokerCommand('up', brokerId),
    pushRequestErrors: async (apiKey, errorCodes) => {
      if (!Number.isInteger(apiKey) || errorCodes.some((code) => !Number.isInteger(code))) {
        throw new Error('API key and error codes must be integers');
      }
      await command(`errors ${apiKey} ${errorCodes.join(' ')}`);
    },
    setBrokerRoundTripMs: async (brokerId, roundTripMs) => {
      assertPositiveInteger('brokerId', brokerId);
      await command(`rtt ${brokerId} ${Math.max(0, Math.trunc(roundTripMs))}`);
    },
    stop,
  };
}
