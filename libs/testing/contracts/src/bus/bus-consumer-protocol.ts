import type { EventBusConfig } from '@corebank/platform-event-bus';

/** What the parent tells a contract consumer process (as its single argument, JSON). */
export interface BusConsumerChildArguments {
  readonly config: EventBusConfig;
  readonly topic: string;
  readonly groupId: string;
  /** File the child appends one line to per handled event, before the handler resolves. */
  readonly handledPath: string;
}

/** Child -> parent over the IPC channel. */
export type BusConsumerChildMessage =
  | { readonly kind: 'ready' }
  | { readonly kind: 'failed'; readonly message: string }
  | { readonly kind: 'stopped' };

/** Parent -> child: drain the subscription, close the bus and exit. */
export interface BusConsumerStopRequest {
  readonly kind: 'stop';
}

/** The data of every event the contract publishes for the consumer processes. */
export interface ContractEventData {
  readonly sequence: number;
}

export function isContractEventData(data: unknown): data is ContractEventData {
  return (
    typeof data === 'object' &&
    data !== null &&
    'sequence' in data &&
    typeof data.sequence === 'number'
  );
}
