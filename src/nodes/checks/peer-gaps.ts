// Routes and BGP sessions go both ways: when no node has a route to (or a session with) node P,
// the trouble is P's (its agent does not announce, its daemon is down), not each peer's. So a
// node's gaps to such a P are a warning pointing at P, P itself fails, and any other gap is
// the node's own failure. Two or more witnesses are needed to blame P.
import type { Verdict } from '../../shared/nodes-report.ts';

const MIN_WITNESSES = 2;

export interface GapVerdict {
  verdict: Verdict;
  /** Peers this node lacks that are its own problem. */
  own: string[];
  /** Peers this node lacks because nobody reaches them. */
  theirs: string[];
  /** True when no other node reaches this one. */
  unreachedByAll: boolean;
}

/** gaps: for every node that reported, the peers it lacks. */
export function judgeGaps(node: string, gaps: ReadonlyMap<string, readonly string[]>): GapVerdict {
  const unreached = (peer: string) => {
    const witnesses = [...gaps.keys()].filter((n) => n !== peer);
    return witnesses.length >= MIN_WITNESSES && witnesses.every((n) => gaps.get(n)!.includes(peer));
  };
  const mine = gaps.get(node) ?? [];
  const theirs = mine.filter(unreached);
  const own = mine.filter((p) => !theirs.includes(p));
  const unreachedByAll = unreached(node);
  const verdict: Verdict = own.length || unreachedByAll ? 'fail' : theirs.length ? 'warn' : 'pass';
  return { verdict, own, theirs, unreachedByAll };
}
