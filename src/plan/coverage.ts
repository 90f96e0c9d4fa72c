// How much of the mesh a run probes, from its plan: the share of directed pairs, and when
// every pair will have been probed. A ring sample without rotation never gets there; with
// rotation (--window) it does after ceil((N-1)/k) windows (src/shared/ring.ts).
import { windowsToCoverAll } from '../shared/ring.ts';
import type { Coverage } from '../shared/report.ts';
import { probedPairCount, type PeerSelection } from './pairs.ts';

/** `nodes`: how many nodes the run has (N: N·(N-1) directed pairs). */
export function planCoverage(selection: PeerSelection, nodes: number, durationMs: number, windowMs?: number): Coverage {
  const possiblePairs = nodes * (nodes - 1);
  const windowsInRun = windowMs ? Math.ceil(durationMs / windowMs) : 1;
  const probed = probedPairCount(selection, windowsInRun);
  if (probed >= possiblePairs) return { probedPairs: probed, possiblePairs, fullMeshAfterMs: 0 };
  if (selection.kind === 'pairs' || !selection.rotate || !windowMs) return { probedPairs: probed, possiblePairs, fullMeshAfterMs: null };
  const windows = windowsToCoverAll(selection.ring.length, selection.peers);
  return { probedPairs: probed, possiblePairs, fullMeshAfterMs: windows * windowMs, windows, windowMs };
}
