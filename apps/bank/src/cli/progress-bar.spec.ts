import { ProgressBar, renderProgress } from './progress-bar';

describe('renderProgress', () => {
  it('fills the bar in proportion and clamps', () => {
    expect(renderProgress(0, 10, 10)).toBe('[..........]   0% 0/10');
    expect(renderProgress(5, 10, 10)).toBe('[#####.....]  50% 5/10');
    expect(renderProgress(10, 10, 10)).toBe('[##########] 100% 10/10');
    expect(renderProgress(12, 10, 10)).toBe('[##########] 100% 12/10');
  });
});

describe('ProgressBar', () => {
  it('redraws at most once per interval and always draws the end with a newline', () => {
    const written: string[] = [];
    let nowMs = 1_000;
    const bar = new ProgressBar(
      3,
      (text) => written.push(text),
      () => nowMs,
      100,
    );
    bar.update(1, 'a');
    nowMs += 10;
    bar.update(2, 'b');
    nowMs += 10;
    bar.update(3, 'c');
    expect(written).toEqual([
      `\r${renderProgress(1, 3, 30)} a`,
      `\r${renderProgress(3, 3, 30)} c`,
      '\n',
    ]);
  });
});
