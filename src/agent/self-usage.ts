// The agent's own cost, as every result reports it: CPU time and peak resident memory.
export function selfUsage(): { cpuMs: number; maxRssBytes: number } {
  const usage = process.resourceUsage();
  return { cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, maxRssBytes: usage.maxRSS * 1024 };
}
