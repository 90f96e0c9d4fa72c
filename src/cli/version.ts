// The plugin's version (package.json's): the built CLI and the standalone executables carry it
// inline (scripts/build.ts defines __NETPROBE_VERSION__); run from source, it is read from the file.
import { readFileSync } from 'node:fs';

declare const __NETPROBE_VERSION__: string | undefined;

export function netprobeVersion(): string {
  if (typeof __NETPROBE_VERSION__ === 'string') return __NETPROBE_VERSION__;
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}
