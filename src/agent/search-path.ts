// How a stub resolver turns a name into the names it asks (resolv.conf(5)): a name
// with fewer dots than ndots is tried with each search domain appended first and as
// is last; one with ndots or more dots as is first; a trailing dot makes it absolute.
// With the kubelet's ndots:5, even "kubernetes.default.svc.cluster.local" (4 dots) goes
// through the whole search list before it is asked as is, and an external name
// costs a query pair per search domain: CoreDNS's Scaling_CoreDNS.md counts external
// names at 5 queries' cost for this reason.

export function searchCandidates(name: string, search: readonly string[], ndots: number): string[] {
  if (name.endsWith('.')) return [name.slice(0, -1)];
  const expanded = search.map((domain) => `${name}.${domain}`);
  const dots = name.split('.').length - 1;
  return dots >= ndots ? [name, ...expanded] : [...expanded, name];
}

/** The queries for each name tried: glibc and musl ask A and AAAA in parallel (field notes: DNS timeouts). */
export const TRY_TYPES = ['A', 'AAAA'] as const;

/** The queries one lookup costs when the `answeredAt`-th candidate (1-based) answers; undefined = none does. */
export function queriesPerLookup(candidates: number, answeredAt: number | undefined): number {
  return TRY_TYPES.length * (answeredAt ?? candidates);
}
