import { Etcd3 } from 'etcd3';
import { startEtcd } from './etcd';

describe('etcd test engine', () => {
  it('starts a real etcd on loopback, serves reads and writes, and stops leaving nothing behind', async () => {
    const sut = await startEtcd();
    const client = new Etcd3({ hosts: sut.endpoint });
    try {
      await client.put('corebank/probe').value('ok');
      expect(await client.get('corebank/probe').string()).toBe('ok');
    } finally {
      client.close();
      await sut.stop();
    }
    expect(sut.process.exitCode !== null || sut.process.signalCode !== null).toBe(true);
  });
});
