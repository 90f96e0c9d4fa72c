// Writes a kubeconfig for the lab: context "lab" (admin) and "lab-restricted" (RBAC-limited).
import { writeFileSync } from 'node:fs';
import { dump } from 'js-yaml';
import type { LabUser } from './auth.ts';

export interface KubeconfigInput {
  server: string;
  caPem: string;
  admin: LabUser;
  restricted: LabUser;
  namespace?: string;
}

export function kubeconfigYaml(input: KubeconfigInput): string {
  const cluster = 'netprobe-lab';
  const context = (name: string, user: LabUser) => ({ name, context: { cluster, user: user.name, namespace: input.namespace ?? 'default' } });
  return dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster, cluster: { server: input.server, 'certificate-authority-data': Buffer.from(input.caPem).toString('base64') } }],
    users: [input.admin, input.restricted].map((u) => ({ name: u.name, user: { token: u.token } })),
    contexts: [context('lab', input.admin), context('lab-restricted', input.restricted)],
    'current-context': 'lab',
    preferences: {},
  });
}

export function writeKubeconfig(path: string, input: KubeconfigInput): void {
  // Holds bearer tokens: owner-only, as kubectl itself writes them.
  writeFileSync(path, kubeconfigYaml(input), { mode: 0o600 });
}
