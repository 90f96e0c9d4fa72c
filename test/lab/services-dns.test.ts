// A ClusterIP Service answering through nftables DNAT with random backends, and its DNS name
// answering through a dnsmasq kube-dns pod behind the kube-dns ClusterIP.
import { describeAsRoot } from '../support/netns.ts';
import { KUBE_DNS_IP, KUBERNETES_SERVICE_IP } from './addresses.ts';
import { DNSMASQ_IMAGE } from './runtime/images.ts';
import { LabFixture, SOCKET_PROBE } from './support/lab-fixture.ts';

describeAsRoot('lab Services and cluster DNS', () => {
  let fx: LabFixture;
  const WEB_IP = '198.18.64.20';

  beforeAll(async () => {
    fx = await LabFixture.create(2, 'vxlan');
    const dns = await fx.pod(fx.node(2), 'kube-dns', DNSMASQ_IMAGE, []);
    await fx.lab.network.applyService({
      namespace: 'kube-system', name: 'kube-dns', clusterIP: KUBE_DNS_IP, endpoints: [dns.podIP],
      ports: [{ name: 'dns', protocol: 'UDP', port: 53, targetPort: 53 }, { name: 'dns-tcp', protocol: 'TCP', port: 53, targetPort: 53 }],
    });
    await fx.lab.network.applyService({ namespace: 'default', name: 'kubernetes', clusterIP: KUBERNETES_SERVICE_IP, endpoints: [], ports: [{ protocol: 'TCP', port: 443, targetPort: 6443 }] });
  });
  afterAll(async () => { await fx?.dispose(); });

  const helloPod = (node: number, name: string) => fx.pod(fx.node(node), name, 'node:22', ['node', SOCKET_PROBE, 'hello', '8080']);

  test('a ClusterIP spreads connections over its backends on both nodes, also from hostNetwork and to a same-node backend', async () => {
    const backends = [await helloPod(1, 'web-a'), await helloPod(2, 'web-b')];
    await fx.lab.network.applyService({ namespace: 'default', name: 'web', clusterIP: WEB_IP, endpoints: backends.map((b) => b.podIP), ports: [{ protocol: 'TCP', port: 80, targetPort: 8080 }] });
    const client = await fx.pod(fx.node(1), 'client', 'busybox', ['sh', '-c', 'echo up; exec sleep 600']);
    for (const netns of [client.netns, fx.node(1).netns]) {
      const seen = new Set<string>();
      for (let i = 0; i < 30 && seen.size < 2; i++) {
        const reply = await fx.probe<{ ok: boolean; text: string }>(netns, 'read', WEB_IP, 80, 2000);
        expect(reply.ok).toBe(true);
        seen.add(reply.text);
      }
      expect([...seen].sort()).toEqual(['web-a', 'web-b']);
    }
    // Down to one backend, then none: traffic follows, and no endpoint means refused, not a hang.
    await fx.lab.network.applyService({ namespace: 'default', name: 'web', clusterIP: WEB_IP, endpoints: [backends[1].podIP], ports: [{ protocol: 'TCP', port: 80, targetPort: 8080 }] });
    for (let i = 0; i < 5; i++) expect(await fx.probe(client.netns, 'read', WEB_IP, 80, 2000)).toEqual({ ok: true, text: 'web-b' });
    await fx.lab.network.applyService({ namespace: 'default', name: 'web', clusterIP: WEB_IP, endpoints: [], ports: [{ protocol: 'TCP', port: 80, targetPort: 8080 }] });
    expect(await fx.probe(client.netns, 'read', WEB_IP, 80, 2000)).toEqual({ ok: false, error: 'ECONNREFUSED' });
  });

  test('service names resolve through kube-dns, with the pod search path, and vanish with the Service', async () => {
    await fx.lab.network.applyService({ namespace: 'default', name: 'named', clusterIP: '198.18.64.30', endpoints: [], ports: [{ protocol: 'TCP', port: 80, targetPort: 80 }] });
    const client = await fx.pod(fx.node(1), 'resolver', 'busybox', ['sh', '-c', 'echo up; exec sleep 600']);
    expect(await fx.probe(client.netns, 'dns', KUBE_DNS_IP, 'named.default.svc.cluster.local', 2000)).toEqual({ ok: true, addresses: ['198.18.64.30'] });
    expect(await fx.probe(client.netns, 'dns', KUBE_DNS_IP, 'kubernetes.default.svc.cluster.local', 2000)).toEqual({ ok: true, addresses: [KUBERNETES_SERVICE_IP] });
    // Through resolv.conf: the short name is completed by the `default.svc.cluster.local` search domain.
    expect(await fx.probe(client.netns, 'resolve', 'named')).toEqual({ ok: true, address: '198.18.64.30' });
    expect(await fx.probe(fx.node(1).netns, 'resolve', 'kube-dns.kube-system.svc.cluster.local')).toEqual({ ok: true, address: KUBE_DNS_IP });
    // Nothing is forwarded: a name outside the cluster is refused, an unknown cluster name is NXDOMAIN.
    expect(await fx.probe(client.netns, 'dns', KUBE_DNS_IP, 'example.com', 2000)).toEqual({ ok: false, code: 'EREFUSED' });
    expect(await fx.probe(client.netns, 'dns', KUBE_DNS_IP, 'nope.default.svc.cluster.local', 2000)).toEqual({ ok: false, code: 'ENOTFOUND' });
    await fx.lab.network.removeService('default', 'named');
    expect(await fx.probe(client.netns, 'dns', KUBE_DNS_IP, 'named.default.svc.cluster.local', 2000)).toEqual({ ok: false, code: 'ENOTFOUND' });
  });
});
