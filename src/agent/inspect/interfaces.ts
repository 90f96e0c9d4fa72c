// Network interfaces from sysfs. A hostNetwork pod sees the node's: the runtime mounts
// /sys while in the node's network namespace. What the checks need is each link's MTU, its
// kind (uevent DEVTYPE: vxlan, geneve, wireguard; type 768 = ARPHRD_TUNNEL, i.e. IP-in-IP)
// and, for tunnels, the device underneath (the lower_<dev> link a VXLAN made with `dev` has).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InterfaceInfo } from '../../shared/inspection.ts';

const IFF_UP = 0x1;

export function readInterfaces(sysNetDir: string, unreadable: string[]): InterfaceInfo[] {
  let names: string[];
  try {
    names = readdirSync(sysNetDir).sort();
  } catch (err) {
    unreadable.push(`${sysNetDir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    return [];
  }
  return names.flatMap((name) => {
    const dir = join(sysNetDir, name);
    try {
      const read = (file: string) => readFileSync(join(dir, file), 'utf8').trim();
      const devType = /^DEVTYPE=(.*)$/m.exec(read('uevent'))?.[1] ?? null;
      const lower = readdirSync(dir).find((entry) => entry.startsWith('lower_'))?.slice('lower_'.length) ?? null;
      return [{ name, mtu: Number(read('mtu')), type: Number(read('type')), devType, up: (parseInt(read('flags'), 16) & IFF_UP) !== 0, lower }];
    } catch (err) {
      unreadable.push(`${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      return [];
    }
  });
}
