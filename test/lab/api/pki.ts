// The lab's PKI, made with openssl: a CA and a serving certificate for 127.0.0.1, so
// clients verify the server as they would a real cluster (client-node refuses plain http).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../support/netns.ts';

export interface ServingPki {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/** Creates the CA and server certificate under `dir`, or reuses them so kubeconfigs stay valid across restarts. */
export function ensurePki(dir: string, host: string): ServingPki {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ca = join(dir, 'ca.crt');
  const caKey = join(dir, 'ca.key');
  const cert = join(dir, 'server.crt');
  const key = join(dir, 'server.key');
  if (!existsSync(cert)) {
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    run('openssl', ['req', '-x509', ...ec, '-keyout', caKey, '-out', ca, '-days', '3650', '-subj', '/CN=netprobe-lab-ca',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    const csr = join(dir, 'server.csr');
    run('openssl', ['req', ...ec, '-keyout', key, '-out', csr, '-subj', '/CN=kube-apiserver']);
    const ext = join(dir, 'server.ext');
    // Clients check the IP SAN, not the CN (RFC 6125); kubectl and node:tls both do.
    writeFileSync(ext, `subjectAltName=IP:${host},DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n`);
    run('openssl', ['x509', '-req', '-in', csr, '-CA', ca, '-CAkey', caKey, '-CAcreateserial', '-out', cert, '-days', '3650', '-extfile', ext]);
  }
  return { caPem: readFileSync(ca, 'utf8'), certPem: readFileSync(cert, 'utf8'), keyPem: readFileSync(key, 'utf8') };
}
