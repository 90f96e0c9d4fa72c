// The lab daemon: builds the network and runtime, then serves the Kubernetes API on top of them,
// and stays up until `down` stops it. Started in the background by `npm run lab -- up`, which
// waits for the state file to say `ready`. Everything it makes is in that state file first.
import { parseArgs } from 'node:util';
import { createLab } from './lab.ts';
import { labDir, type Overlay } from './state.ts';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string' },
    overlay: { type: 'string' },
    tainted: { type: 'string' },
    kubeconfig: { type: 'string' },
  },
  strict: true,
});

// `down` cleans up from the state file; on SIGTERM there is nothing left for the daemon to do.
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));

const lab = createLab({
  dir: labDir(),
  nodes: Number(values.nodes),
  overlay: values.overlay as Overlay,
  tainted: Number(values.tainted ?? 0),
  kubeconfig: values.kubeconfig!,
});
lab.store.update((s) => { s.ready = true; });
process.stdout.write(`lab ${lab.store.current.prefix} ready: ${lab.network.nodes.length} nodes\n`);
// Nothing else holds the event loop open until the API server listens.
setInterval(() => {}, 1 << 30);
