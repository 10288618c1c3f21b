/** A one-line progress bar redrawn in place on a terminal stream (stderr, so stdout stays data). */
export class ProgressBar {
  private lastDrawnAtMs = 0;

  constructor(
    private readonly total: number,
    private readonly write: (text: string) => void,
    private readonly now: () => number = () => performance.now(),
    /** Redraws at most this often, so a fast run does not spend its time printing. */
    private readonly redrawIntervalMs = 100,
  ) {}

  update(done: number, detail: string): void {
    const at = this.now();
    if (done < this.total && at - this.lastDrawnAtMs < this.redrawIntervalMs) {
      return;
    }
    this.lastDrawnAtMs = at;
    this.write(`\r${renderProgress(done, this.total, 30)} ${detail}`);
    if (done >= this.total) {
      this.write('\n');
    }
  }
}

/** `[#####.....]  50% 5/10`: the bar alone, testable without a terminal. */
export function renderProgress(done: number, total: number, width: number): string {
  const fraction = total <= 0 ? 1 : Math.min(1, Math.max(0, done / total));
  const filled = Math.round(fraction * width);
  const percent = String(Math.floor(fraction * 100)).padStart(3, ' ');
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent}% ${done}/${total}`;
}
