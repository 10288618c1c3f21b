import { ManualClock } from '@corebank/platform-clock';

import { RollingCircuitBreaker, type BreakerOutcome } from './rpc-circuit-breaker';

const OPTIONS = {
  openAtFailurePercent: 50,
  windowMs: 10_000,
  windowBucketCount: 10,
  callCountMin: 4,
  openDurationMs: 5_000,
};

function sendAll(sut: RollingCircuitBreaker, outcomes: readonly BreakerOutcome[]): void {
  for (const outcome of outcomes) {
    expect(sut.tryAcquire()).toBe(true);
    sut.record(outcome);
  }
}

describe('RollingCircuitBreaker', () => {
  it('stays closed below callCountMin whatever the failure rate', () => {
    const sut = new RollingCircuitBreaker(OPTIONS, new ManualClock(0));
    sendAll(sut, ['failure', 'failure', 'failure']);
    expect(sut.currentState()).toBe('closed');
  });

  it('opens only when strictly more than the percentage failed', () => {
    const sut = new RollingCircuitBreaker(OPTIONS, new ManualClock(0));
    sendAll(sut, ['success', 'failure', 'success', 'failure']);
    expect(sut.currentState()).toBe('closed');
    sendAll(sut, ['failure']);
    expect(sut.currentState()).toBe('open');
    expect(sut.tryAcquire()).toBe(false);
  });

  it('does not count neutral outcomes as calls', () => {
    const sut = new RollingCircuitBreaker(OPTIONS, new ManualClock(0));
    sendAll(sut, ['neutral', 'neutral', 'neutral', 'failure', 'failure', 'failure']);
    expect(sut.currentState()).toBe('closed');
  });

  it('forgets calls older than the window', () => {
    const clock = new ManualClock(0);
    const sut = new RollingCircuitBreaker(OPTIONS, clock);
    sendAll(sut, ['failure', 'failure', 'failure']);
    clock.advanceMs(10_000);
    sendAll(sut, ['failure', 'success', 'success']);
    expect(sut.currentState()).toBe('closed');
    clock.advanceMs(500);
    sendAll(sut, ['failure', 'failure']);
    expect(sut.currentState()).toBe('open');
  });

  it('lets one trial through after the open period; its success closes with a fresh window', () => {
    const clock = new ManualClock(0);
    const sut = new RollingCircuitBreaker(OPTIONS, clock);
    sendAll(sut, ['failure', 'failure', 'failure', 'failure']);
    clock.advanceMs(4_999);
    expect(sut.currentState()).toBe('open');
    expect(sut.tryAcquire()).toBe(false);
    clock.advanceMs(1);
    expect(sut.currentState()).toBe('half_open');
    expect(sut.tryAcquire()).toBe(true);
    expect(sut.tryAcquire()).toBe(false);
    sut.record('success');
    expect(sut.currentState()).toBe('closed');
    sendAll(sut, ['failure', 'failure', 'failure']);
    expect(sut.currentState()).toBe('closed');
  });

  it('opens again when the trial fails, and a cancelled trial frees the slot', () => {
    const clock = new ManualClock(0);
    const sut = new RollingCircuitBreaker(OPTIONS, clock);
    sendAll(sut, ['failure', 'failure', 'failure', 'failure']);
    clock.advanceMs(5_000);
    expect(sut.tryAcquire()).toBe(true);
    sut.record('neutral');
    expect(sut.currentState()).toBe('half_open');
    expect(sut.tryAcquire()).toBe(true);
    sut.record('failure');
    expect(sut.currentState()).toBe('open');
    clock.advanceMs(4_000);
    expect(sut.tryAcquire()).toBe(false);
  });

  it('ignores late answers of calls sent before the circuit opened', () => {
    const clock = new ManualClock(0);
    const sut = new RollingCircuitBreaker(OPTIONS, clock);
    expect(sut.tryAcquire()).toBe(true);
    sendAll(sut, ['failure', 'failure', 'failure', 'failure']);
    sut.record('success');
    expect(sut.currentState()).toBe('open');
  });
});
