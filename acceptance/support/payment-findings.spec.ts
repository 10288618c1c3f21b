import {
  type AccountObservation,
  type ApprovedPayment,
  findPaymentProblems,
  type ObservedEvent,
  type ObservedPush,
} from './payment-findings';

const payment: ApprovedPayment = { txnId: '12345678000001', amountMinor: 250n, deviceToken: 'ab' };
const approval: ObservedEvent = {
  id: '9001',
  data: { txnId: payment.txnId, responseCode: '00' },
};
const push: ObservedPush = { deviceToken: 'ab', collapseId: 'tx_77' };
const complete: AccountObservation = {
  pendingHoldAmounts: [100n, 250n],
  feedItems: [
    { id: 'tx_76', amount: -100 },
    { id: 'tx_77', amount: -250 },
  ],
};

function problems(
  account: AccountObservation,
  events: readonly ObservedEvent[],
  pushes: readonly ObservedPush[],
): string[] {
  return findPaymentProblems(payment, account, events, pushes).map((finding) => finding.problem);
}

describe('findPaymentProblems (the distributed tests\' "nothing lost" check)', () => {
  it('finds nothing when hold, event, feed item and push are each there once', () => {
    expect(problems(complete, [approval], [push])).toEqual([]);
  });

  it('accepts a redelivered event with the same id, not a second approval event', () => {
    expect(problems(complete, [approval, approval], [push])).toEqual([]);
    expect(problems(complete, [approval, { ...approval, id: '9002' }], [push])).toEqual([
      '2 distinct approval events on the bus',
    ]);
  });

  it('reports a missing or doubled hold', () => {
    expect(problems({ ...complete, pendingHoldAmounts: [100n] }, [approval], [push])).toEqual([
      '0 pending card holds of 250 in the ledger',
    ]);
    expect(problems({ ...complete, pendingHoldAmounts: [250n, 250n] }, [approval], [push])).toEqual(
      ['2 pending card holds of 250 in the ledger'],
    );
  });

  it('reports a missing event, and a declined one does not count', () => {
    const declined = { id: '9003', data: { txnId: payment.txnId, responseCode: '51' } };
    expect(problems(complete, [declined], [push])).toEqual([
      '0 distinct approval events on the bus',
    ]);
  });

  it('reports a missing feed item, and a doubled one', () => {
    expect(problems({ ...complete, feedItems: [] }, [approval], [push])).toEqual([
      '0 feed items of -250',
    ]);
    const doubled = [...complete.feedItems, { id: 'tx_78', amount: -250 }];
    expect(problems({ ...complete, feedItems: doubled }, [approval], [push])).toEqual([
      '2 feed items of -250',
    ]);
  });

  it('reports a missing push, a second push, and ignores pushes to other devices or items', () => {
    expect(problems(complete, [approval], [])).toEqual(['0 pushes for feed item tx_77']);
    expect(problems(complete, [approval], [push, push])).toEqual(['2 pushes for feed item tx_77']);
    expect(
      problems(
        complete,
        [approval],
        [
          push,
          { deviceToken: 'cd', collapseId: 'tx_77' },
          { deviceToken: 'ab', collapseId: 'tx_76' },
        ],
      ),
    ).toEqual([]);
  });
});
