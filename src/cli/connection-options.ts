// The flags every command shares, as kubectl has them (a plugin gets kubectl's global flags raw and must handle them itself).
export const CONNECTION_OPTIONS = {
  kubeconfig: { type: 'string', describe: 'path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' },
  context: { type: 'string', describe: 'the kubeconfig context to use' },
  namespace: { alias: 'n', type: 'string', describe: 'namespace for the probe pods (default: a new namespace per run, removed afterwards)' },
} as const;
