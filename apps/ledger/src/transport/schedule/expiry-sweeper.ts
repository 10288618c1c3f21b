import type { ExpirePendingTransfersUseCase } from '../../application/expire-pending-transfers/expire-pending-transfers.use-case';

export interface ExpirySweeperOptions {
  readonly intervalMs: number;
  /** Holds expired per sweep; a full sweep is followed at once by the next one. */
  readonly itemsMax: number;
  readonly onError: (error: unknown) => void;
}

/**
 * Runs the expiry use case in the background: one sweep per interval, or back-to-back while
 * sweeps come back full. Safe with several ledger instances (the use case is idempotent).
 */
export class ExpirySweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(
    private readonly useCase: ExpirePendingTransfersUseCase,
    private readonly options: ExpirySweeperOptions,
  ) {}

  start(): void {
    this.stopped = false;
    this.scheduleNext(this.options.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private scheduleNext(delayMs: number): void {
    if (this.stopped) {
      return;
    }
    this.timer = setTimeout(() => {
      this.running = this.sweep();
    }, delayMs);
  }

  private async sweep(): Promise<void> {
    let full = false;
    try {
      const summary = await this.useCase.execute(this.options.itemsMax);
      full = summary.due >= this.options.itemsMax;
    } catch (error) {
      this.options.onError(error);
    }
    this.scheduleNext(full ? 0 : this.options.intervalMs);
  }
}
