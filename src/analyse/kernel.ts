// Kernel releases ("4.19.0-21-amd64", "6.1.0", "5.15.0-1034-aws") compared by major.minor.

/** true when the release is older than major.minor; null when it cannot be read. */
export function kernelBefore(release: string | null, major: number, minor: number): boolean | null {
  const match = release ? /^(\d+)\.(\d+)/.exec(release) : null;
  if (!match) return null;
  const [releaseMajor, releaseMinor] = [Number(match[1]), Number(match[2])];
  return releaseMajor < major || (releaseMajor === major && releaseMinor < minor);
}
