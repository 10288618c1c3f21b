import { deepFreeze } from './deep-freeze';

describe('deepFreeze', () => {
  it('freezes nested objects and arrays', () => {
    const sut = deepFreeze({ kafka: { brokers: ['b1'] }, retries: 3 });
    expect(Object.isFrozen(sut.kafka)).toBe(true);
    expect(Object.isFrozen(sut.kafka.brokers)).toBe(true);
  });

  it('terminates on shared and cyclic references', () => {
    type Node = { name: string; next?: Node };
    const node: Node = { name: 'a' };
    node.next = node;
    expect(Object.isFrozen(deepFreeze(node))).toBe(true);
  });

  it('refuses Maps and Sets, whose contents Object.freeze cannot protect', () => {
    expect(() => deepFreeze({ hosts: new Set(['a']) })).toThrow(TypeError);
  });
});
