/**
 * Pipeline benchmark (issue 5): card payments through the bank's SOAP endpoint at a fixed rate,
 * and the time from each SOAP reply to (a) its feed item on the SSE stream and (b) its push
 * accepted by a test APNs server. The bank is one child process (apps/bank/src/main.ts), on the
 * embedded bus or on the Kafka mock harness. Not part of the test suite; asserts nothing. See
 * README.md for the method and recorded numbers.
 */
import 'reflect-metadata';

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';

import { type Consumer, Kafka, logLevel } from 'kafkajs';

import { authorizationCardsV1 } from '@corebank/contracts-proto';
import { TRANSACTION_TOPICS } from '@corebank/domain-transaction-events';
import { issueToken } from '@corebank/platform-auth';
import { createRpcClient } from '@corebank/platform-rpc';
import { type KafkaMockCluster, startKafkaMock } from '@corebank/testing-engines';

import {
  getTransactionEnvelope,
  PURCHASE_AUTHORIZATION_FIELDS,
} from '../../acceptance/support/get-transaction-envelope';
import {
  type AcceptedApnsPush,
  ApnsTestServer,
} from '../../apps/notifications/src/testing/apns-test-server';
import {
  apnsSigningKeyPair,
  selfSignedCertificate,
} from '../../apps/notifications/src/testing/test-certificates';
import { type BankChild, type BankEndpoints, startBankChild } from './bank-child';
import {
  descriptorFor,
  type LatencySummary,
  type PipelineCaseSummary,
  PipelineLatencyRecorder,
  responseStatusOf,
  type SoapReplyOutcome,
} from './pipeline-latency';
import { type SseSubscription, subscribeToEvents } from './sse-client';

type BusEngine = 'embedded' | 'kafka';

function positiveNumbers(name: string, fallback: string): number[] {
  const values = (process.env[name] ?? fallback).split(',').map((value) => Number(value.trim()));
  if (values.length === 0 || values.some((value) => !Number.isFinite(value) || value <= 0)) {
    throw new Error(`${name} must be a comma-separated list of positive numbers`);
  }
  return values;
}

function busEngines(): BusEngine[] {
  const engines = (process.env['BENCH_PIPELINE_BUS'] ?? 'embedded,kafka')
    .split(',')
    .map((value) => value.trim());
  for (const engine of engines) {
    if (engine !== 'embedded' && engine !== 'kafka') {
      throw new Error(`BENCH_PIPELINE_BUS: unknown bus engine ${engine} (embedded, kafka)`);
    }
  }
  return engines as BusEngine[];
}

const SECONDS_PER_CASE = positiveNumbers('BENCH_PIPELINE_SECONDS_PER_CASE', '30')[0] ?? 30;
const RATES = positiveNumbers('BENCH_PIPELINE_RATES', '200,500');
const BUS_ENGINES = busEngines();
/** Cards the payments spread over: authorization serialises one card's messages (card lock). */
const CARD_COUNT = positiveNumbers('BENCH_PIPELINE_CARDS', '320')[0] ?? 320;
/** Accounts the cards spread over; consumers keep one account's events in order (partition key). */
const ACCOUNT_COUNT = Math.max(
  1,
  Math.floor(positiveNumbers('BENCH_PIPELINE_ACCOUNTS', '16')[0] ?? 16),
);
/** After the last reply, how long missing feed items and pushes may still arrive. */
const DRAIN_TIMEOUT_MS = positiveNumbers('BENCH_PIPELINE_DRAIN_TIMEOUT_MS', '15000')[0] ?? 15_000;
/** Production's gateway budget (ARCHITECTURE §7), not the demo's 150 ms. */
const DEADLINE_BUDGET_MS = process.env['BENCH_PIPELINE_DEADLINE_BUDGET_MS'] ?? '80';
const WARM_UP_RATE = 50;
const WARM_UP_SECONDS = 3;
const SOAP_CONNECTIONS = 4;
const SOAP_REQUEST_TIMEOUT_MS = 10_000;
/** Sends waiting for one of the 4 connections at once; past it a send counts as failed. */
const OUTSTANDING_SENDS_MAX = 20_000;
const SETUP_CONCURRENCY = 8;
const SETUP_CALL_TIMEOUT_MS = 10_000;
const HTTP_CALL_TIMEOUT_MS = 10_000;
const SSE_OPEN_TIMEOUT_MS = 10_000;
const DRAIN_POLL_MS = 50;
const FUNDING_MINOR = 1_000_000_000n;
const KAFKA_PARTITIONS = 4;
const APNS_KEY_ID = 'PIPEBENCH1';
const APNS_TEAM_ID = 'PIPETEAM01';
const APNS_TOPIC = 'bank.corebank.app';
const MCCS = ['5411', '5812', '5999', '4111', '5541', '5732'];

/** A customer of the bank the benchmark can read the feed of and push to. */
interface BenchCustomer {
  readonly accountId: string;
  /** Undefined: no token for this account, so its feed and pushes are not observed. */
  readonly bearerToken: string | undefined;
  readonly cardTokens: string[];
}

interface PaymentCard {
  readonly token: string;
  /** The card's account is observed (SSE stream and APNs device). */
  readonly observed: boolean;
}

interface PaymentMessage {
  readonly txnId: string;
  readonly observed: boolean;
  readonly body: string;
}

/** Deterministic so runs pay the same amounts with the same cards (xorshift32). */
function randomSource(seed: number): () => number {
  let state = seed;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4_294_967_296;
  };
}

/**
 * Decide messages (0100/A) with every Appendix A element, built from one template with markers:
 * building 160 elements per message would load the generator, which shares the cores with the
 * bank. The TXn_ID goes into the merchant descriptor too (DE43 name, 25 characters) so the feed
 * item's description names the payment it belongs to.
 */
function messageFactory(cards: readonly PaymentCard[]): () => PaymentMessage {
  const template = getTransactionEnvelope({
    ...PURCHASE_AUTHORIZATION_FIELDS,
    Token: '@TOKEN@',
    TXn_ID: '@TXNID@',
    traceid_lifecycle: 'VIS1-20261122-@TXNID@',
    Bill_Amt: '-@AMOUNT@',
    Txn_Amt: '@AMOUNT@',
    MCC_Code: '@MCC@',
    Merch_Name_DE43: '@DESCRIPTOR@LONDON       GB',
  });
  const random = randomSource(0x919e);
  const prefix = String(Date.now() % 1_000_000).padStart(6, '0');
  let sequence = 0;
  return () => {
    sequence += 1;
    const card = cards[Math.floor(random() * cards.length)];
    const pence = 100 + Math.floor(random() * 4900);
    const amount = `${Math.floor(pence / 100)}.${String(pence % 100).padStart(2, '0')}00`;
    const txnId = `${prefix}${String(sequence).padStart(9, '0')}`;
    const descriptor = descriptorFor(txnId).padEnd(25, ' ');
    return {
      txnId,
      observed: card?.observed ?? false,
      body: template
        .replace('@TOKEN@', card?.token ?? '')
        .replaceAll('@TXNID@', txnId)
        .replaceAll('@AMOUNT@', amount)
        .replace('@MCC@', MCCS[sequence % MCCS.length] ?? '5999')
        .replace('@DESCRIPTOR@', descriptor),
    };
  };
}

function httpJson(
  url: string,
  method: 'POST',
  bearerToken: string,
  body: unknown,
): Promise<{ status: number; body: string }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method,
        timeout: HTTP_CALL_TIMEOUT_MS,
        headers: {
          authorization: `Bearer ${bearerToken}`,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(payload)),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
        response.on('error', reject);
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`${method} ${url} timed out`)));
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

function cardsClient(bank: BankEndpoints) {
  return createRpcClient(authorizationCardsV1.CardServiceClient, {
    address: bank.cardsAddress,
    defaultTimeoutMs: SETUP_CALL_TIMEOUT_MS,
    // A setup tool: a breaker would only hide the first error behind `circuit open`.
    breaker: false,
  });
}

/**
 * Accounts for the payments: the bank's demo account plus ACCOUNT_COUNT - 1 opened through
 * CardService, each funded and with an equal share of CARD_COUNT cards, so neither one card's
 * lock nor one account's bus partition (every consumer handles one account's events in order)
 * carries all the load. The bank verifies customer tokens with BANK_CUSTOMER_TOKEN_SECRET, which
 * this bench sets, so it signs a token for every account and observes them all (SSE stream, APNs
 * device).
 */
/** The bank verifies customer bearer tokens with this key (BANK_CUSTOMER_TOKEN_SECRET). */
const CUSTOMER_TOKEN_SECRET = randomBytes(32).toString('base64url');
const CUSTOMER_TOKEN_TTL_SECONDS = 3600;

function customerTokenFor(accountId: string): string {
  return issueToken(
    {
      customerId: `pipeline-bench-${accountId}`,
      accounts: [
        { id: accountId, description: 'pipeline bench account', created: new Date().toISOString() },
      ],
      issuer: 'corebank',
      nowMs: Date.now(),
      ttlSeconds: CUSTOMER_TOKEN_TTL_SECONDS,
    },
    { algorithm: 'HS256', secret: CUSTOMER_TOKEN_SECRET },
  );
}

async function prepareCustomers(bank: BankEndpoints): Promise<BenchCustomer[]> {
  const cards = cardsClient(bank);
  try {
    const runId = `${process.pid}-${Date.now()}`;
    const customers: BenchCustomer[] = [
      { accountId: bank.demoAccountId, bearerToken: bank.demoBearerToken, cardTokens: [] },
    ];
    for (let index = 1; index < ACCOUNT_COUNT; index += 1) {
      const account = await cards.call('openAccount', {
        idempotencyKey: `pipeline-bench-open-${runId}-${index}`,
        currencyCode: 'GBP',
        customerReference: `pipeline-bench-${runId}-${index}`,
      });
      customers.push({
        accountId: account.accountId,
        bearerToken: customerTokenFor(account.accountId),
        cardTokens: [],
      });
    }
    for (const [index, customer] of customers.entries()) {
      await cards.call('fundAccount', {
        idempotencyKey: `pipeline-bench-fund-${runId}-${index}`,
        accountId: customer.accountId,
        amountMinor: FUNDING_MINOR,
      });
    }
    let next = 0;
    const issueWorker = async (): Promise<void> => {
      while (next < CARD_COUNT) {
        const customer = customers[next % customers.length];
        next += 1;
        if (customer === undefined) {
          continue;
        }
        const card = await cards.call('issueCard', {
          idempotencyKey: `pipeline-bench-card-${runId}-${next}`,
          accountId: customer.accountId,
          processorToken: '',
          lastFour: '4242',
          expiryMonth: '2030-12',
          activated: true,
          product: {
            productCode: 'standard',
            cashWithdrawalAllowed: true,
            cardNotPresentAllowed: true,
            holdIncludesFees: false,
          },
          controls: undefined,
        });
        customer.cardTokens.push(card.token);
      }
    };
    await Promise.all(Array.from({ length: SETUP_CONCURRENCY }, issueWorker));
    return customers;
  } finally {
    cards.close();
  }
}

/** 64 hex digits per customer, as APNs device tokens are. */
function deviceTokenFor(index: number): string {
  return `${'ab'.repeat(28)}${index.toString(16).padStart(8, '0')}`;
}

async function registerDevices(
  bank: BankEndpoints,
  customers: readonly BenchCustomer[],
): Promise<void> {
  for (const [index, customer] of customers.entries()) {
    if (customer.bearerToken === undefined) {
      continue;
    }
    const reply = await httpJson(`${bank.notificationsUrl}/devices`, 'POST', customer.bearerToken, {
      kind: 'apns',
      token: deviceTokenFor(index),
    });
    if (reply.status !== 201) {
      throw new Error(`registering an APNs device answered ${reply.status}: ${reply.body}`);
    }
  }
}

/** The recorder of the case running now; SSE events and pushes outside a case are dropped. */
interface CaseSink {
  current: PipelineLatencyRecorder | undefined;
  /**
   * Kafka tap sightings, kept outside the case: the tap's group may be assigned (and catch up)
   * later than the SSE stream, so they are handed to the case's recorder once it has drained.
   */
  readonly busSightings: BusSighting[];
  /** Messages the Kafka tap read, to tell an unassigned tap from events it could not match. */
  busMessagesRead: number;
}

interface BusSighting {
  readonly txnId: string;
  readonly stage: 'authorization' | 'enrichment';
  readonly producedAtMs: number;
  readonly occurredAtMs: number;
}

/** Sightings held at once; past it the oldest are dropped (the tap is a diagnostic). */
const BUS_SIGHTINGS_MAX = 200_000;

async function openFeedStreams(
  bank: BankEndpoints,
  customers: readonly BenchCustomer[],
  sink: CaseSink,
): Promise<SseSubscription[]> {
  const subscriptions: SseSubscription[] = [];
  for (const customer of customers) {
    if (customer.bearerToken === undefined) {
      continue;
    }
    const subscription = subscribeToEvents(
      `${bank.feedUrl}/accounts/${encodeURIComponent(customer.accountId)}/feed/stream`,
      customer.bearerToken,
      (event) => {
        const arrivedAtMs = performance.now();
        if (event.event !== 'feed_item' || sink.current === undefined) {
          return;
        }
        // The feed's SSE data: {type: 'transaction', transaction: {id, description, ...}}.
        const data = JSON.parse(event.data) as {
          transaction?: {
            id?: unknown;
            description?: unknown;
            created?: unknown;
            updated?: unknown;
          };
        };
        const transaction = data.transaction;
        const description =
          typeof transaction?.description === 'string' ? transaction.description : '';
        const itemId = typeof transaction?.id === 'string' ? transaction.id : event.id;
        const createdAtMs = Date.parse(String(transaction?.created));
        const updatedAtMs = Date.parse(String(transaction?.updated));
        sink.current.recordFeedItem(
          description,
          itemId,
          arrivedAtMs,
          Number.isNaN(createdAtMs) || Number.isNaN(updatedAtMs)
            ? undefined
            : { createdAtMs, updatedAtMs, arrivedAtMs: Date.now() },
        );
      },
      SSE_OPEN_TIMEOUT_MS,
    );
    subscriptions.push(subscription);
    await subscription.opened;
  }
  return subscriptions;
}

/**
 * The test server keeps accepted pushes in a public array but records no arrival time; wrapping
 * that array's push timestamps each one at the moment the server accepts it (it answers 200 right
 * after, in the same tick).
 */
function timestampAcceptedPushes(apns: ApnsTestServer, sink: CaseSink): void {
  const accepted = apns.accepted;
  accepted.push = (...pushes: AcceptedApnsPush[]): number => {
    const acceptedAtMs = performance.now();
    const acceptedAtWallMs = Date.now();
    for (const push of pushes) {
      sink.current?.recordPushAccepted(push.collapseId, acceptedAtMs, acceptedAtWallMs);
    }
    // The benchmark needs only the times; keeping every payload would grow with the run.
    return accepted.length;
  };
}

function sendDecide(
  agent: Agent,
  soapUrl: URL,
  body: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: soapUrl.hostname,
        port: soapUrl.port,
        path: soapUrl.pathname,
        method: 'POST',
        agent,
        timeout: SOAP_REQUEST_TIMEOUT_MS,
        headers: {
          'content-type': 'text/xml; charset=utf-8',
          soapaction: '"http://tempuri.org/IEndpointVersion52/GetTransaction"',
          'content-length': String(Buffer.byteLength(body)),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
        response.on('error', reject);
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error('SOAP request timed out')));
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/**
 * Open loop: payment i is due at start + i / rate whatever happened to earlier ones, and the SOAP
 * latency counts from that due time (no coordinated omission).
 */
async function sendOpenLoop(
  soapUrl: URL,
  ratePerSecond: number,
  seconds: number,
  nextMessage: () => PaymentMessage,
  recorder: PipelineLatencyRecorder,
): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: SOAP_CONNECTIONS });
  const total = Math.round(ratePerSecond * seconds);
  const intervalMs = 1000 / ratePerSecond;
  const pending: Promise<void>[] = [];
  let outstanding = 0;
  const send = async (scheduledAtMs: number): Promise<void> => {
    const message = nextMessage();
    if (outstanding >= OUTSTANDING_SENDS_MAX) {
      recorder.recordReply(message.txnId, { kind: 'failed' }, message.observed);
      return;
    }
    outstanding += 1;
    let outcome: SoapReplyOutcome = { kind: 'failed' };
    try {
      const reply = await sendDecide(agent, soapUrl, message.body);
      const repliedAtMs = performance.now();
      const responseStatus = responseStatusOf(reply.body);
      if (reply.status === 200 && responseStatus !== undefined) {
        outcome = {
          kind: 'replied',
          responseStatus,
          repliedAtMs,
          replyLatencyMs: repliedAtMs - scheduledAtMs,
        };
      }
    } catch {
      // A transport error or timeout: recorded as a failed send below.
    } finally {
      outstanding -= 1;
    }
    recorder.recordReply(message.txnId, outcome, message.observed);
  };
  const startedAtMs = performance.now();
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      while (next < total && startedAtMs + next * intervalMs <= now) {
        pending.push(send(startedAtMs + next * intervalMs));
        next += 1;
      }
      if (next >= total) {
        resolve();
        return;
      }
      setTimeout(tick, Math.max(0, startedAtMs + next * intervalMs - performance.now()));
    };
    tick();
  });
  await Promise.all(pending);
  agent.destroy();
}

async function drain(recorder: PipelineLatencyRecorder): Promise<number> {
  const startedAtMs = performance.now();
  while (performance.now() - startedAtMs < DRAIN_TIMEOUT_MS) {
    const outstanding = recorder.outstanding();
    if (outstanding.feed === 0 && outstanding.push === 0) {
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
  }
  return performance.now() - startedAtMs;
}

async function runCase(
  label: string,
  bank: BankEndpoints,
  ratePerSecond: number,
  seconds: number,
  nextMessage: () => PaymentMessage,
  sink: CaseSink,
): Promise<CaseResult> {
  const recorder = new PipelineLatencyRecorder();
  // The benchmark's own event-loop delay: every time it stamps is late by about this much, so a
  // large value means the numbers measure the benchmark's starvation, not the bank.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  sink.current = recorder;
  loopDelay.enable();
  try {
    process.stdout.write(`${label}: ${ratePerSecond}/s for ${seconds} s...\n`);
    await sendOpenLoop(new URL(bank.soapUrl), ratePerSecond, seconds, nextMessage, recorder);
    const drainMs = await drain(recorder);
    for (const sighting of sink.busSightings.splice(0)) {
      recorder.recordBusMessage(
        sighting.txnId,
        sighting.stage,
        sighting.producedAtMs,
        sighting.occurredAtMs,
      );
    }
    return {
      summary: recorder.summary(),
      drainMs,
      benchLoopDelayP99Ms: loopDelay.percentile(99) / 1e6,
    };
  } finally {
    loopDelay.disable();
    sink.current = undefined;
  }
}

interface CaseResult {
  readonly summary: PipelineCaseSummary;
  readonly drainMs: number;
  readonly benchLoopDelayP99Ms: number;
}

function rounded(value: number): number | string {
  return Number.isNaN(value) ? '-' : Number(value.toFixed(1));
}

function latencyColumns(prefix: string, summary: LatencySummary): Record<string, number | string> {
  return {
    [`${prefix} p50`]: rounded(summary.p50Ms),
    [`${prefix} p99`]: rounded(summary.p99Ms),
    [`${prefix} max`]: rounded(summary.maxMs),
  };
}

function tableRow(label: string, result: CaseResult): Record<string, number | string> {
  const summary = result.summary;
  return {
    case: label,
    sent: summary.sent,
    approved: summary.approved,
    observed: summary.observedApproved,
    '91s': summary.missedDeadlines,
    failed: summary.failedSends,
    ...latencyColumns('soap', summary.reply),
    ...latencyColumns('→sse', summary.replyToFeed),
    ...latencyColumns('→apns', summary.replyToPush),
    'missing sse': summary.missingFeedItems,
    'missing apns': summary.missingPushes,
    'bench loop p99': rounded(result.benchLoopDelayP99Ms),
  };
}

function hopRow(label: string, summary: PipelineCaseSummary): Record<string, number | string> {
  return {
    case: label,
    ...latencyColumns('event→feed write', summary.hops.eventToFeedWrite),
    ...latencyColumns('feed write→sse', summary.hops.feedWriteToSse),
    ...latencyColumns('feed write→apns', summary.hops.feedWriteToPush),
    ...(summary.hops.eventToAuthorizationTopic.count === 0
      ? {}
      : {
          ...latencyColumns('kafka: event→auth topic', summary.hops.eventToAuthorizationTopic),
          ...latencyColumns(
            'kafka: auth→enrichment topic',
            summary.hops.authorizationToEnrichmentTopic,
          ),
        }),
  };
}

/**
 * A consumer of its own group on the first two topics, reading each message's produce timestamp:
 * splits the time before the feed write into authorization's relay and merchant-enrichment, which
 * the feed item's own stamps cannot tell apart.
 */
async function startKafkaTap(kafka: KafkaMockCluster, sink: CaseSink): Promise<Consumer> {
  const client = new Kafka({
    clientId: 'pipeline-bench-tap',
    brokers: [...kafka.brokerAddresses],
    logLevel: logLevel.NOTHING,
  });
  const consumer = client.consumer({
    groupId: 'pipeline-bench-tap',
    sessionTimeout: 6_000,
    rebalanceTimeout: 6_000,
    heartbeatInterval: 1_000,
  });
  await consumer.connect();
  await consumer.subscribe({
    topics: [TRANSACTION_TOPICS.authorization, TRANSACTION_TOPICS.enrichment],
    // The topics are new for this run: from the beginning means from the warm-up on, however
    // late the group is assigned.
    fromBeginning: true,
  });
  await consumer.run({
    eachMessage: ({ topic, message }) => {
      sink.busMessagesRead += 1;
      if (message.value !== null) {
        // authorization's payload carries txnId at the top; enrichment's wraps it in `transaction`.
        const envelope = JSON.parse(message.value.toString('utf8')) as {
          occurredAt?: unknown;
          data?: { txnId?: unknown; transaction?: { txnId?: unknown } };
        };
        const txnId = envelope.data?.transaction?.txnId ?? envelope.data?.txnId;
        if (typeof txnId === 'string') {
          if (sink.busSightings.length >= BUS_SIGHTINGS_MAX) {
            sink.busSightings.shift();
          }
          sink.busSightings.push({
            txnId,
            stage: topic === TRANSACTION_TOPICS.authorization ? 'authorization' : 'enrichment',
            producedAtMs: Number(message.timestamp),
            occurredAtMs: Date.parse(String(envelope.occurredAt)),
          });
        }
      }
      return Promise.resolve();
    },
  });
  return consumer;
}

async function startKafkaHarness(): Promise<KafkaMockCluster> {
  const topics = Object.values(TRANSACTION_TOPICS).flatMap((topic) => [
    topic,
    `${topic}.dead-letter`,
  ]);
  return startKafkaMock({
    brokers: 1,
    topics: topics.map((name) => ({ name, partitions: KAFKA_PARTITIONS })),
  });
}

function bankEnvironment(
  engine: BusEngine,
  directory: string,
  apns: ApnsTestServer,
  kafka: KafkaMockCluster | undefined,
  signingKeyPath: string,
  caPath: string,
): Record<string, string> {
  return {
    BANK_DATA_DIR: join(directory, 'bank-data'),
    BANK_LEDGER_GRPC_PORT: '0',
    BANK_AUTHORIZATION_GRPC_PORT: '0',
    BANK_SOAP_PORT: '0',
    BANK_FEED_PORT: '0',
    BANK_NOTIFICATIONS_PORT: '0',
    BANK_OPS_PORT_BASE: '0',
    // The public router (one port for the customer APIs) where the bank has one.
    BANK_PUBLIC_PORT: '0',
    BANK_SOAP_DEADLINE_BUDGET_MS: DEADLINE_BUDGET_MS,
    BANK_CUSTOMER_TOKEN_SECRET: CUSTOMER_TOKEN_SECRET,
    LOG_LEVEL: 'warn',
    BANK_BUS_ENGINE: engine,
    ...(kafka === undefined
      ? {}
      : {
          KAFKA_BROKERS: kafka.bootstrapServers,
          // The librdkafka mock holds a group rebalance for the session timeout; keep it short.
          KAFKA_SESSION_TIMEOUT_MS: '6000',
          KAFKA_HEARTBEAT_INTERVAL_MS: '1000',
        }),
    APNS_ORIGIN: apns.origin,
    APNS_KEY_PATH: signingKeyPath,
    APNS_KEY_ID: APNS_KEY_ID,
    APNS_TEAM_ID: APNS_TEAM_ID,
    APNS_TOPIC: APNS_TOPIC,
    APNS_CA_PATH: caPath,
  };
}

interface TableRows {
  readonly cases: Record<string, number | string>[];
  readonly hops: Record<string, number | string>[];
}

async function runEngine(engine: BusEngine): Promise<TableRows> {
  const directory = mkdtempSync(join(tmpdir(), `pipeline-bench-${engine}-`));
  const rows: TableRows = { cases: [], hops: [] };
  let kafka: KafkaMockCluster | undefined;
  let apns: ApnsTestServer | undefined;
  let bank: BankChild | undefined;
  let streams: SseSubscription[] = [];
  let tap: Consumer | undefined;
  const sink: CaseSink = { current: undefined, busSightings: [], busMessagesRead: 0 };
  try {
    const tls = selfSignedCertificate(directory);
    const signing = apnsSigningKeyPair();
    const signingKeyPath = join(directory, 'apns-signing-key.p8');
    writeFileSync(signingKeyPath, signing.privateKeyPem, { mode: 0o600 });
    apns = await ApnsTestServer.start({
      keyPem: tls.keyPem,
      certPem: tls.certPem,
      signingPublicKeyPem: signing.publicKeyPem,
      keyId: APNS_KEY_ID,
      teamId: APNS_TEAM_ID,
      topic: APNS_TOPIC,
    });
    timestampAcceptedPushes(apns, sink);
    kafka = engine === 'kafka' ? await startKafkaHarness() : undefined;
    process.stdout.write(`[${engine}] starting the bank...\n`);
    bank = await startBankChild(
      bankEnvironment(engine, directory, apns, kafka, signingKeyPath, tls.certPath),
    );
    const endpoints = bank.endpoints;
    process.stdout.write(
      `[${engine}] opening ${ACCOUNT_COUNT} accounts with ${CARD_COUNT} cards, registering devices...\n`,
    );
    const customers = await prepareCustomers(endpoints);
    await registerDevices(endpoints, customers);
    streams = await openFeedStreams(endpoints, customers, sink);
    tap = kafka === undefined ? undefined : await startKafkaTap(kafka, sink);
    const nextMessage = messageFactory(
      customers.flatMap((customer) =>
        customer.cardTokens.map((token) => ({
          token,
          observed: customer.bearerToken !== undefined,
        })),
      ),
    );
    const warmUp = await runCase(
      `[${engine}] warm-up`,
      endpoints,
      WARM_UP_RATE,
      WARM_UP_SECONDS,
      nextMessage,
      sink,
    );
    rows.cases.push(tableRow(`${engine} warm-up ${WARM_UP_RATE}/s`, warmUp));
    if (warmUp.summary.approved > 0 && warmUp.summary.replyToPush.count === 0) {
      process.stdout.write(
        `[${engine}] no push reached the test APNs server during the warm-up: does this bank ` +
          'pass APNS_* to notifications?\n',
      );
    }
    for (const rate of RATES) {
      const label = `${engine} ${rate}/s`;
      const result = await runCase(
        `[${engine}]`,
        endpoints,
        rate,
        SECONDS_PER_CASE,
        nextMessage,
        sink,
      );
      rows.cases.push(tableRow(label, result));
      rows.hops.push(hopRow(label, result.summary));
      process.stdout.write(
        `${JSON.stringify({ case: label, secondsPerCase: SECONDS_PER_CASE, drainMs: Math.round(result.drainMs), benchLoopDelayP99Ms: result.benchLoopDelayP99Ms, ...result.summary })}\n`,
      );
    }
    process.stdout.write(
      `[${engine}] bank warn/error log lines by message: ${JSON.stringify(bank.problems())}\n`,
    );
    return rows;
  } catch (error) {
    if (bank !== undefined) {
      process.stderr.write(`[${engine}] bank output tail:\n${bank.tail().join('\n')}\n`);
    }
    throw error;
  } finally {
    for (const stream of streams) {
      stream.close();
    }
    if (tap !== undefined) {
      await tap.disconnect();
      process.stdout.write(`[${engine}] the Kafka tap read ${sink.busMessagesRead} messages\n`);
    }
    if (bank !== undefined) {
      const code = await bank.stop();
      process.stdout.write(`[${engine}] bank stopped (exit ${String(code)})\n`);
    }
    await kafka?.stop();
    await apns?.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  process.stdout.write(
    `pipeline bench: buses ${BUS_ENGINES.join(',')}, rates ${RATES.join(',')}/s, ` +
      `${SECONDS_PER_CASE} s per case, ${ACCOUNT_COUNT} accounts (all observed), ${CARD_COUNT} cards, ` +
      `SOAP budget ${DEADLINE_BUDGET_MS} ms\n`,
  );
  const rows: TableRows = { cases: [], hops: [] };
  for (const engine of BUS_ENGINES) {
    // One engine failing (say the Kafka mock cannot be built) still reports the other.
    try {
      const engineRows = await runEngine(engine);
      rows.cases.push(...engineRows.cases);
      rows.hops.push(...engineRows.hops);
    } catch (error) {
      process.stderr.write(
        `[${engine}] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 1;
    }
  }
  process.stdout.write('latencies in ms; →sse / →apns from the SOAP reply\n');
  console.table(rows.cases);
  process.stdout.write(
    'where the time goes (ms, wall clock at 1 ms resolution): authorization event → feed write, ' +
      'feed write → SSE read, feed write → APNs accepted\n',
  );
  console.table(rows.hops);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
