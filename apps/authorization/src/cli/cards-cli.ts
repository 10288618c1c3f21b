import { randomUUID } from 'node:crypto';

import { authorizationCardsV1 } from '@corebank/contracts-proto';
import { isPlatformError } from '@corebank/platform-errors';
import { createRpcClient } from '@corebank/platform-rpc';

const USAGE = `usage: cards-cli --address HOST:PORT <command> [args]
  open-account <CURRENCY> [--key KEY]
  fund <ACCOUNT_ID> <AMOUNT_MINOR> [--key KEY]
  balance <ACCOUNT_ID>
  issue-card <ACCOUNT_ID> [--token TOKEN] [--last-four NNNN] [--expiry YYYY-MM] [--key KEY]
  get-card <TOKEN> | list-cards <ACCOUNT_ID>
  freeze <TOKEN> | unfreeze <TOKEN>
  block-gambling <TOKEN>`;

const CALL_TIMEOUT_MS = 10_000;

type CardsClient = ReturnType<typeof createCardsClient>;

function createCardsClient(address: string) {
  return createRpcClient(authorizationCardsV1.CardServiceClient, {
    address,
    defaultTimeoutMs: CALL_TIMEOUT_MS,
    breaker: false,
  });
}

interface ParsedArguments {
  readonly positional: readonly string[];
  readonly options: ReadonlyMap<string, string>;
}

function parseArguments(argv: readonly string[]): ParsedArguments {
  const positional: string[] = [];
  const options = new Map<string, string>();
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index] ?? '';
    if (argument.startsWith('--')) {
      options.set(argument.slice(2), argv[index + 1] ?? '');
      index += 1;
    } else {
      positional.push(argument);
    }
  }
  return { positional, options };
}

/**
 * Opens accounts, funds them, issues and freezes cards through the CardService API (never the
 * store): the tool the demo and manual tests use. Prints one JSON object per command; amounts are
 * decimal strings of minor units. Returns the process exit code.
 */
export async function runCardsCli(
  argv: readonly string[],
  write: (line: string) => void,
): Promise<number> {
  const { positional, options } = parseArguments(argv);
  const address = options.get('address');
  const [command, first = '', second = ''] = positional;
  if (address === undefined || address === '' || command === undefined) {
    write(USAGE);
    return 2;
  }
  const client = createCardsClient(address);
  try {
    const result = await runCommand(client, command, first, second, options);
    if (result === undefined) {
      write(USAGE);
      return 2;
    }
    write(
      JSON.stringify(result, (_key, value: unknown) =>
        typeof value === 'bigint' ? value.toString() : value,
      ),
    );
    return 0;
  } catch (error) {
    write(
      JSON.stringify(
        isPlatformError(error)
          ? { error: error.code, message: error.message }
          : { error: 'unexpected', message: String(error) },
      ),
    );
    return 1;
  } finally {
    client.close();
  }
}

async function runCommand(
  client: CardsClient,
  command: string,
  first: string,
  second: string,
  options: ReadonlyMap<string, string>,
): Promise<object | undefined> {
  const key = options.get('key') ?? randomUUID();
  switch (command) {
    case 'open-account':
      return client.call('openAccount', {
        idempotencyKey: key,
        currencyCode: first,
        customerReference: options.get('customer') ?? '',
      });
    case 'fund':
      if (!/^\d{1,18}$/.test(second)) {
        return undefined;
      }
      return client.call('fundAccount', {
        idempotencyKey: key,
        accountId: first,
        amountMinor: BigInt(second),
      });
    case 'balance':
      return client.call('getAccountBalance', { accountId: first });
    case 'issue-card':
      return client.call('issueCard', {
        idempotencyKey: key,
        accountId: first,
        processorToken: options.get('token') ?? '',
        lastFour: options.get('last-four') ?? '0000',
        expiryMonth: options.get('expiry') ?? defaultExpiryMonth(),
        activated: true,
        product: undefined,
        controls: undefined,
      });
    case 'get-card':
      return client.call('getCard', { token: first });
    case 'list-cards':
      return client.call('listCards', { accountId: first });
    case 'freeze':
      return client.call('freezeCard', { token: first });
    case 'unfreeze':
      return client.call('unfreezeCard', { token: first });
    case 'block-gambling': {
      const card = await client.call('getCard', { token: first });
      const controls = card.controls ?? {
        blockedMccGroups: [],
        perTransactionLimitMinor: 0n,
        dailyLimitMinor: 0n,
        cardNotPresentBlocked: false,
        blockedCountries: [],
      };
      return client.call('setSpendingControls', {
        token: first,
        controls: {
          ...controls,
          blockedMccGroups: [...new Set([...controls.blockedMccGroups, 'gambling'])],
        },
      });
    }
    default:
      return undefined;
  }
}

/** Three years ahead, as card products usually run. */
function defaultExpiryMonth(): string {
  const now = new Date();
  return `${now.getUTCFullYear() + 3}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
}

if (require.main === module) {
  runCardsCli(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exit(1);
    },
  );
}
