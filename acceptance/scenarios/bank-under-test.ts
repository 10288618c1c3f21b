/** Where a running bank (one process, distributed processes, or a live environment) is reached. */
export interface BankUnderTest {
  /** e.g. http://127.0.0.1:8080/ehi — the processor's SOAP endpoint (POST GetTransaction). */
  readonly soapUrl: string;
  /** host:port of authorization's gRPC CardService (open/fund accounts, issue/freeze cards). */
  readonly cardsGrpcAddress: string;
  /** base URL of the feed API (GET /transactions, GET /balance, SSE /accounts/{id}/feed/stream). */
  readonly feedUrl: string;
  /** base URL of the notifications API (POST /devices, POST /webhooks). */
  readonly notificationsUrl: string;
  /** A bearer token for the customer owning `accountId` (the feed/notifications APIs verify it). */
  customerToken(accountId: string): Promise<string>;
  /** Optional: a push receiver the bank's APNs provider delivers to (tests have one, a live env may not). */
  readonly pushes?: {
    waitForPush(
      deviceToken: string,
      predicate: (payload: unknown) => boolean,
      timeoutMs: number,
    ): Promise<unknown>;
  };
}

/** Reports each business step of a scenario: a pass-through in jest, a histogram and counters in the prober. */
export interface StepReporter {
  step<T>(name: string, run: () => Promise<T>): Promise<T>;
}

/** A scenario in business language, runnable against any BankUnderTest. */
export type Scenario = (bank: BankUnderTest, report: StepReporter) => Promise<void>;

/** A scenario with a stable snake_case name: the jest test title and the prober's metric label. */
export interface NamedScenario {
  readonly name: string;
  readonly run: Scenario;
}

/** The jest reporter: runs each step, adding the step's name to whatever it throws. */
export const PASS_THROUGH_REPORTER: StepReporter = {
  async step<T>(name: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof Error) {
        error.message = `step ${name}: ${error.message}`;
      }
      throw error;
    }
  },
};
