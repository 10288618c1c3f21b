import { randomUUID } from 'node:crypto';

import {
  type Currency,
  formatDecimalAmount,
  lookupCurrency,
  parseDecimalAmount,
} from '@corebank/domain-money';
import { type EnvRecord } from '@corebank/platform-config';
import { authorizationCardsV1 } from '@corebank/contracts-proto';
import { isPlatformError, PlatformError } from '@corebank/platform-errors';

import { type CardsClient, createCardsClient, expiryMonthThreeYearsFrom } from '../cards-client';
import { type CorebankCliConfig, loadCorebankCliConfig } from './config';
import {
  authorizationRequestFields,
  getTransactionEnvelope,
  type Merchant,
  newPaymentLifecycle,
  presentmentFields,
  readGetTransactionElements,
  reversalFields,
} from './processor-messages';
import { ProgressBar } from './progress-bar';
import { type GetTransactionReply, SoapProcessorClient } from './soap-processor-client';
import {
  fetchMergedTimeline,
  fetchTraceIds,
  findLatestPaymentTrace,
  findPaymentTraces,
  renderTimeline,
  TRACE_ID_PATTERN,
} from './trace-timeline';

const USAGE = `usage: corebank [--cards HOST:PORT] [--soap URL] [--ops URL] <command>
  account open [--currency GBP]
  account fund <ACCOUNT_ID> <AMOUNT>            amount in major units, e.g. 100.00
  account balance <ACCOUNT_ID>
  card issue <ACCOUNT_ID> [--token DIGITS]
  card freeze <CARD_TOKEN> | card unfreeze <CARD_TOKEN>
  pay <CARD_TOKEN> <AMOUNT> [--merchant NAME] [--mcc NNNN] [--settle | --reverse]
  load --count N --rate PER_SECOND [--card TOKEN] [--amount AMOUNT] [--settle | --reverse]
  trace <TRACE_ID | last>                        a payment's spans across services, as a timeline
Targets: COREBANK_CARDS_ADDRESS (127.0.0.1:50052), COREBANK_SOAP_URL (http://127.0.0.1:8080/ehi),
COREBANK_OPS_URL (http://127.0.0.1:9461, any bank service's ops port).
Each command but trace prints one JSON object on stdout; amounts are decimal strings in major
units. pay prints its traceId (null when the ops port is not reachable): corebank trace <id>.`;

/** Bounds of `load`: a burst, not a benchmark harness. */
const LOAD_COUNT_MAX = 100_000;
const LOAD_RATE_MAX = 5_000;
const LOAD_IN_FLIGHT_MAX = 64;

const BOOLEAN_FLAGS = new Set(['settle', 'reverse']);

/** Response codes a person is likely to see here (CARD-PROCESSOR.md §4). */
const RESPONSE_MEANINGS: Readonly<Record<string, string>> = {
  '00': 'approved',
  '14': 'declined: invalid card',
  '30': 'format error',
  '41': 'declined: lost card',
  '43': 'declined: stolen card',
  '46': 'declined: closed card',
  '51': 'declined: insufficient funds',
  '54': 'declined: expired card',
  '57': 'declined: transaction not permitted',
  '61': 'declined: amount limit exceeded',
  '62': 'declined: card frozen (restricted)',
  '78': 'declined: card not activated',
  '91': 'no decision in time (issuer unavailable)',
  '96': 'system error',
};

export interface CorebankCliIo {
  readonly stdout: (line: string) => void;
  /** Progress and diagnostics; raw text (the progress bar redraws with `\r`). */
  readonly stderr: (text: string) => void;
  readonly env: EnvRecord;
}

interface ParsedArguments {
  readonly positional: readonly string[];
  readonly options: ReadonlyMap<string, string>;
  readonly flags: ReadonlySet<string>;
}

class UsageError extends Error {}

function parseArguments(argv: readonly string[]): ParsedArguments {
  const positional: string[] = [];
  const options = new Map<string, string>();
  const flags = new Set<string>();
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index] ?? '';
    if (!argument.startsWith('--')) {
      positional.push(argument);
      continue;
    }
    const name = argument.slice(2);
    if (BOOLEAN_FLAGS.has(name)) {
      flags.add(name);
      continue;
    }
    const value = argv[index + 1];
    if (value === undefined) {
      throw new UsageError(`--${name} needs a value`);
    }
    options.set(name, value);
    index += 1;
  }
  return { positional, options, flags };
}

function jsonLine(value: object): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    typeof item === 'bigint' ? item.toString() : item,
  );
}

function currencyNamed(code: string): Currency {
  const lookup = lookupCurrency(code);
  if (lookup.kind !== 'currency') {
    throw new UsageError(`unknown currency ${code}`);
  }
  return lookup.currency;
}

/** A positive amount in major units with at most the currency's decimals, in minor units. */
function positiveAmountMinor(text: string, currency: Currency): bigint {
  const parsed = parseDecimalAmount(text, currency.code, 'toward_zero');
  if (parsed.kind !== 'amount' || parsed.subMinor || parsed.money.amountMinor <= 0n) {
    throw new UsageError(
      `amount must be positive with at most ${currency.exponent} decimals, e.g. 12.50`,
    );
  }
  return parsed.money.amountMinor;
}

/** `CARD_STATUS_FROZEN` → `frozen`. */
function cardStatusName(status: authorizationCardsV1.CardStatus): string {
  return (authorizationCardsV1.CardStatus[status] ?? 'unrecognized')
    .replace(/^CARD_STATUS_/, '')
    .toLowerCase();
}

function formatMinor(amountMinor: bigint, currency: Currency): string {
  return formatDecimalAmount({ amountMinor, currency: currency.code });
}

async function balanceOf(cards: CardsClient, accountId: string) {
  const balance = await cards.call('getAccountBalance', { accountId });
  const currency = currencyNamed(balance.currencyCode);
  return {
    accountId,
    currency: currency.code,
    ledger: formatMinor(balance.ledgerBalanceMinor, currency),
    available: formatMinor(balance.availableBalanceMinor, currency),
  };
}

function describeReply(reply: GetTransactionReply) {
  return {
    responseStatus: reply.responseStatus,
    decision: RESPONSE_MEANINGS[reply.responseStatus] ?? 'declined',
    currentBalance: reply.currentBalance,
    availableBalance: reply.availableBalance,
    acknowledged: reply.acknowledged,
  };
}

interface PaymentRequest {
  readonly cardToken: string;
  readonly currency: Currency;
  readonly amountMinor: bigint;
  readonly merchant: Merchant;
  readonly followUp: 'settle' | 'reverse' | 'none';
}

interface PaymentOutcome {
  readonly authorization: GetTransactionReply;
  readonly followUp?: GetTransactionReply;
}

/** The processor's side of one payment: the 0100 auth, then (if approved) clearing or reversal. */
async function sendPayment(
  soap: SoapProcessorClient,
  elements: readonly string[],
  request: PaymentRequest,
): Promise<PaymentOutcome> {
  const lifecycle = newPaymentLifecycle({
    cardToken: request.cardToken,
    currency: request.currency,
    amountMinor: request.amountMinor,
    merchant: request.merchant,
    startedAt: new Date(),
  });
  const authorization = await soap.getTransaction(
    getTransactionEnvelope(elements, authorizationRequestFields(lifecycle)),
  );
  if (authorization.responseStatus !== '00' || request.followUp === 'none') {
    return { authorization };
  }
  const fields =
    request.followUp === 'settle'
      ? presentmentFields(lifecycle, new Date())
      : reversalFields(lifecycle, new Date());
  const followUp = await soap.getTransaction(getTransactionEnvelope(elements, fields));
  return { authorization, followUp };
}

function followUpOf(flags: ReadonlySet<string>): PaymentRequest['followUp'] {
  if (flags.has('settle') && flags.has('reverse')) {
    throw new UsageError('--settle and --reverse exclude each other');
  }
  return flags.has('settle') ? 'settle' : flags.has('reverse') ? 'reverse' : 'none';
}

function merchantOf(options: ReadonlyMap<string, string>): Merchant {
  const mcc = options.get('mcc') ?? '5999';
  if (!/^\d{4}$/.test(mcc)) {
    throw new UsageError('--mcc is four digits');
  }
  return {
    name: (options.get('merchant') ?? 'COREBANK DEMO SHOP').toUpperCase(),
    city: 'LONDON',
    countryAlpha2: 'GB',
    countryAlpha3: 'GBR',
    mcc,
  };
}

function integerOption(
  options: ReadonlyMap<string, string>,
  name: string,
  range: { min: number; max: number },
): number {
  const text = options.get(name) ?? '';
  const value = /^\d{1,9}$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= range.min && value <= range.max)) {
    throw new UsageError(`--${name} must be an integer from ${range.min} to ${range.max}`);
  }
  return value;
}

function percentile(sortedMs: readonly number[], fraction: number): number {
  if (sortedMs.length === 0) {
    return 0;
  }
  const index = Math.min(sortedMs.length - 1, Math.ceil(fraction * sortedMs.length) - 1);
  return Math.round((sortedMs[Math.max(0, index)] ?? 0) * 10) / 10;
}

interface CommandContext {
  readonly cards: () => CardsClient;
  readonly soap: SoapProcessorClient;
  readonly io: CorebankCliIo;
  readonly config: CorebankCliConfig;
  /** Where payments' traces are listed: the first of `opsUrls` (the card-gateway's, ideally). */
  readonly opsUrl: string;
  /** Every ops port whose recorder may hold spans of a trace (one per process). */
  readonly opsUrls: readonly string[];
}

/** Trace ids recorded so far, or undefined when no ops port answers (tracing is optional). */
async function traceIdsIfReachable(context: CommandContext): Promise<Set<string> | undefined> {
  try {
    return new Set(await fetchTraceIds(context.opsUrl, context.config.COREBANK_CALL_TIMEOUT_MS));
  } catch {
    return undefined;
  }
}

/** `corebank trace <id | last>`: the timeline text, or a usage/not-found error. */
async function runTrace(context: CommandContext, parsed: ParsedArguments): Promise<string> {
  const [, requested = ''] = parsed.positional;
  const timeoutMs = context.config.COREBANK_CALL_TIMEOUT_MS;
  const traceId =
    requested === 'last'
      ? await findLatestPaymentTrace(context.opsUrl, timeoutMs)
      : requested.toLowerCase();
  if (traceId === undefined) {
    throw new PlatformError('not_found.trace', `no payment trace recorded at ${context.opsUrl}`, {
      retryable: false,
    });
  }
  if (!TRACE_ID_PATTERN.test(traceId)) {
    throw new UsageError('trace needs a trace id (32 hex digits) or "last"');
  }
  const timeline = await fetchMergedTimeline(context.opsUrls, traceId, timeoutMs);
  if (timeline === undefined) {
    throw new PlatformError('not_found.trace', `trace ${traceId} is not recorded (any more)`, {
      retryable: false,
    });
  }
  return renderTimeline(timeline);
}

async function runPay(context: CommandContext, parsed: ParsedArguments): Promise<object> {
  const [, cardToken = '', amountText = ''] = parsed.positional;
  if (cardToken === '' || amountText === '') {
    throw new UsageError('pay needs a card token and an amount');
  }
  const cards = context.cards();
  const card = await cards.call('getCard', { token: cardToken });
  const currency = currencyNamed(card.currencyCode);
  const tracesBefore = await traceIdsIfReachable(context);
  const outcome = await sendPayment(context.soap, readGetTransactionElements(), {
    cardToken,
    currency,
    amountMinor: positiveAmountMinor(amountText, currency),
    merchant: merchantOf(parsed.options),
    followUp: followUpOf(parsed.flags),
  });
  return {
    authorization: describeReply(outcome.authorization),
    ...(outcome.followUp === undefined
      ? {}
      : {
          [followUpOf(parsed.flags) === 'settle' ? 'settlement' : 'reversal']: describeReply(
            outcome.followUp,
          ),
        }),
    balance: await balanceOf(cards, card.accountId),
    ...(await paymentTraceOf(context, tracesBefore)),
  };
}

/** The payment's trace id(s), found among the traces recorded since `before`. */
async function paymentTraceOf(
  context: CommandContext,
  before: ReadonlySet<string> | undefined,
): Promise<{ traceId: string | null; traceIds?: string[] }> {
  if (before === undefined) {
    return { traceId: null };
  }
  const traceIds = await findPaymentTraces(
    context.opsUrl,
    before,
    context.config.COREBANK_CALL_TIMEOUT_MS,
  ).catch(() => []);
  return traceIds.length > 1
    ? { traceId: traceIds[0] ?? null, traceIds }
    : { traceId: traceIds[0] ?? null };
}

async function runLoad(context: CommandContext, parsed: ParsedArguments): Promise<object> {
  const count = integerOption(parsed.options, 'count', { min: 1, max: LOAD_COUNT_MAX });
  const rate = integerOption(parsed.options, 'rate', { min: 1, max: LOAD_RATE_MAX });
  const cardToken = parsed.options.get('card') ?? context.config.COREBANK_DEMO_CARD_TOKEN;
  const cards = context.cards();
  const card = await cards.call('getCard', { token: cardToken });
  const currency = currencyNamed(card.currencyCode);
  const request: PaymentRequest = {
    cardToken,
    currency,
    amountMinor: positiveAmountMinor(parsed.options.get('amount') ?? '1.00', currency),
    merchant: merchantOf(parsed.options),
    followUp: followUpOf(parsed.flags),
  };
  const elements = readGetTransactionElements();
  const byStatus = new Map<string, number>();
  const latenciesMs: number[] = [];
  const progress = new ProgressBar(count, context.io.stderr);
  let started = 0;
  let finished = 0;
  let failed = 0;
  const startedAtMs = performance.now();
  // Each worker takes the next payment when its scheduled time (index / rate) has come, so the
  // offered rate is kept while at most LOAD_IN_FLIGHT_MAX payments are outstanding.
  const worker = async (): Promise<void> => {
    while (started < count) {
      const index = started;
      started += 1;
      const dueInMs = startedAtMs + (index * 1000) / rate - performance.now();
      if (dueInMs > 0) {
        await new Promise((resolve) => setTimeout(resolve, dueInMs));
      }
      const sentAtMs = performance.now();
      try {
        const outcome = await sendPayment(context.soap, elements, request);
        latenciesMs.push(performance.now() - sentAtMs);
        const status = outcome.authorization.responseStatus;
        byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
      } catch (error) {
        failed += 1;
        if (failed === 1) {
          context.io.stderr(`\nfirst failure: ${String(error)}\n`);
        }
      }
      finished += 1;
      progress.update(finished, `approved ${byStatus.get('00') ?? 0}, failed ${failed}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(LOAD_IN_FLIGHT_MAX, count) }, () => worker()));
  const elapsedSeconds = (performance.now() - startedAtMs) / 1000;
  latenciesMs.sort((left, right) => left - right);
  return {
    sent: count,
    failed,
    responseStatuses: Object.fromEntries([...byStatus.entries()].sort()),
    elapsedSeconds: Math.round(elapsedSeconds * 100) / 100,
    achievedPerSecond: Math.round((count / elapsedSeconds) * 10) / 10,
    latencyMs: { p50: percentile(latenciesMs, 0.5), p99: percentile(latenciesMs, 0.99) },
    balance: await balanceOf(cards, card.accountId),
  };
}

async function runAccountOrCard(context: CommandContext, parsed: ParsedArguments): Promise<object> {
  const [group, action = '', first = '', second = ''] = parsed.positional;
  const cards = context.cards();
  const key = randomUUID();
  switch (`${group} ${action}`) {
    case 'account open': {
      const currency = currencyNamed(parsed.options.get('currency') ?? 'GBP');
      const account = await cards.call('openAccount', {
        idempotencyKey: key,
        currencyCode: currency.code,
        customerReference: parsed.options.get('customer') ?? 'corebank-cli',
      });
      return { accountId: account.accountId, currency: account.currencyCode };
    }
    case 'account fund': {
      const before = await cards.call('getAccountBalance', { accountId: first });
      const currency = currencyNamed(before.currencyCode);
      await cards.call('fundAccount', {
        idempotencyKey: key,
        accountId: first,
        amountMinor: positiveAmountMinor(second, currency),
      });
      return { funded: second, balance: await balanceOf(cards, first) };
    }
    case 'account balance':
      return balanceOf(cards, first);
    case 'card issue': {
      const token = parsed.options.get('token') ?? '';
      if (token !== '' && !/^\d{1,16}$/.test(token)) {
        throw new UsageError('--token is up to 16 digits');
      }
      const card = await cards.call('issueCard', {
        idempotencyKey: key,
        accountId: first,
        processorToken: token,
        lastFour: token === '' ? '0000' : token.slice(-4).padStart(4, '0'),
        expiryMonth: expiryMonthThreeYearsFrom(new Date()),
        activated: true,
        product: undefined,
        controls: undefined,
      });
      return {
        cardToken: card.token,
        accountId: card.accountId,
        status: cardStatusName(card.status),
      };
    }
    case 'card freeze':
    case 'card unfreeze': {
      const card = await cards.call(action === 'freeze' ? 'freezeCard' : 'unfreezeCard', {
        token: first,
      });
      return { cardToken: card.token, status: cardStatusName(card.status) };
    }
    default:
      throw new UsageError(`unknown command: ${parsed.positional.join(' ')}`);
  }
}

/**
 * The `corebank` command line: account and card management through authorization's CardService
 * (gRPC), payments as the card processor sends them to the card-gateway (SOAP). Never touches a
 * store. Returns the exit code: 0 done (a declined payment is a result), 1 failed, 2 usage.
 */
export async function runCorebankCli(argv: readonly string[], io: CorebankCliIo): Promise<number> {
  let cards: CardsClient | undefined;
  try {
    const parsed = parseArguments(argv);
    const config = loadCorebankCliConfig(io.env);
    const cardsAddress = parsed.options.get('cards') ?? config.COREBANK_CARDS_ADDRESS;
    const opsUrls = (parsed.options.get('ops') ?? config.COREBANK_OPS_URL)
      .split(',')
      .map((url) => url.trim())
      .filter((url) => url !== '');
    const context: CommandContext = {
      cards: () => {
        cards ??= createCardsClient(cardsAddress, config.COREBANK_CALL_TIMEOUT_MS);
        return cards;
      },
      soap: new SoapProcessorClient(
        parsed.options.get('soap') ?? config.COREBANK_SOAP_URL,
        config.COREBANK_CALL_TIMEOUT_MS,
      ),
      io,
      config,
      opsUrl: opsUrls[0] ?? config.COREBANK_OPS_URL,
      opsUrls,
    };
    const command = parsed.positional[0];
    if (command === 'trace') {
      io.stdout(await runTrace(context, parsed));
      return 0;
    }
    const result =
      command === 'pay'
        ? await runPay(context, parsed)
        : command === 'load'
          ? await runLoad(context, parsed)
          : command === 'account' || command === 'card'
            ? await runAccountOrCard(context, parsed)
            : undefined;
    if (result === undefined) {
      io.stderr(`${USAGE}\n`);
      return 2;
    }
    io.stdout(jsonLine(result));
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`corebank: ${error.message}\n${USAGE}\n`);
      return 2;
    }
    io.stdout(
      jsonLine(
        isPlatformError(error)
          ? { error: error.code, message: error.message }
          : { error: 'unexpected', message: String(error) },
      ),
    );
    return 1;
  } finally {
    cards?.close();
  }
}
