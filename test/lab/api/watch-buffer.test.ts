// A watcher that stops reading is not buffered without end: past its limit its stream ends, as
// the watch cache closes an unresponsive watcher, and it may resume from its last version.
import { readFileSync } from 'node:fs';
import { request, type RequestOptions } from 'node:https';
import { load } from 'js-yaml';
import { startFixture, type Fixture } from './fixture.ts';

type Any = Record<string, any>;
let f: Fixture;
beforeAll(async () => {
  f = await startFixture({ watchBufferBytes: 256 * 1024 });
});
afterAll(() => f?.close());

function connection(path: string): RequestOptions {
  const kc = load(readFileSync(f.kubeconfig, 'utf8')) as Any;
  const cluster = kc.clusters[0].cluster;
  const url = new URL(cluster.server);
  return { host: url.hostname, port: url.port, path, ca: Buffer.from(cluster['certificate-authority-data'], 'base64'), headers: { authorization: `Bearer ${kc.users.find((u: Any) => u.name === 'lab-admin').user.token}` } };
}

test('a watcher that does not read has its stream ended once it is far behind; a reading one gets every event', async () => {
  const open = (read: boolean) => new Promise<{ events: () => Any[]; ended: Promise<void>; resume: () => void }>((resolve) => {
    request(connection('/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=1'), (res) => {
      let text = '';
      if (!read) res.pause();
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      const ended = new Promise<void>((done) => res.on('end', done));
      resolve({ events: () => text.split('\n').filter(Boolean).map((l) => JSON.parse(l)), ended, resume: () => res.resume() });
    }).end();
  });
  const stalled = await open(false);
  const reading = await open(true);
  // 400 ConfigMaps of 64 KiB: 25 MiB of events, more than the sockets hold and the limit allows.
  const data = 'x'.repeat(64 * 1024);
  for (let i = 0; i < 400; i++) {
    f.api.seed([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `big-${i}`, namespace: 'default' }, data: { d: data } }]);
    await new Promise((r) => setImmediate(r));
  }
  stalled.resume();
  await stalled.ended;
  const got = stalled.events();
  expect(got.length).toBeGreaterThan(0);
  expect(got.length).toBeLessThan(400);
  // What it did get is in order, so it can resume from the last version it saw.
  expect(got.map((e) => e.object.metadata.name)).toEqual(Array.from({ length: got.length }, (_, i) => `big-${i}`));
  for (let waited = 0; reading.events().length < 400 && waited < 20_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
  expect(reading.events()).toHaveLength(400);
});
