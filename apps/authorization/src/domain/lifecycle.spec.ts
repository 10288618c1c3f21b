import { availableChangeMinor, releaseFromHolds, replaceHolds, totalHeldMinor } from './lifecycle';

const holds = [
  { transferId: 'h1', amountMinor: 1250n },
  { transferId: 'h2', amountMinor: 3000n },
];

describe('partial release', () => {
  it('voids every hold and re-holds the remainder in one chain', () => {
    const sut = releaseFromHolds(holds, 500n, 'r1');
    expect(sut.releasedMinor).toBe(500n);
    expect(sut.holds).toEqual([{ transferId: 'r1', amountMinor: 3750n }]);
    expect(sut.operations.map((operation) => operation.kind)).toEqual([
      'void_hold',
      'void_hold',
      'place_hold',
    ]);
    expect(availableChangeMinor(sut.operations)).toBe(500n);
  });
});

describe('over-release', () => {
  it('never releases more than is held', () => {
    const sut = releaseFromHolds(holds, 99_999n, 'r1');
    expect(sut.releasedMinor).toBe(4250n);
    expect(sut.holds).toEqual([]);
    expect(totalHeldMinor(sut.holds)).toBe(0n);
  });
  it('does nothing on an empty lifecycle', () => {
    expect(releaseFromHolds([], 100n, 'r1')).toEqual({
      operations: [],
      holds: [],
      releasedMinor: 0n,
    });
  });
});

describe('advice replacement', () => {
  it('replaces all holds with the advice amount', () => {
    const sut = replaceHolds(holds, 2000n, 'a1');
    expect(sut.holds).toEqual([{ transferId: 'a1', amountMinor: 2000n }]);
    expect(availableChangeMinor(sut.operations)).toBe(2250n);
  });
  it('releases everything for a zero amount (declined advice)', () => {
    const sut = replaceHolds(holds, 0n, 'a1');
    expect(sut.holds).toEqual([]);
    expect(sut.releasedMinor).toBe(4250n);
  });
});
