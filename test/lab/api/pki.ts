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

/**
 * Certificates are valid from this long before they are made, as a cluster's are older than its
 * users' clock errors: a client whose clock is minutes behind (the clock-skew tests run the CLI
 * so) still accepts a lab just brought up.
 */
const BACKDATE_MS = 24 * 3600_000;

/** Creates the CA and server certificate under `dir`, or reuses them so kubeconfigs stay valid across restarts. */
export function ensurePki(dir: string, host: string): ServingPki {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ca = join(dir, 'ca.crt');
  const caKey = join(dir, 'ca.key');
  const cert = join(dir, 'server.crt');
  const key = join(dir, 'server.key');
  if (!existsSync(cert)) {
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    // `openssl ca`, not `req -x509` / `x509 -req`: before OpenSSL 3.4 only it sets notBefore (-startdate).
    // Its bookkeeping (database, copies of what it issued) apart from the files the lab uses.
    const issued = join(dir, 'issued');
    mkdirSync(issued, { recursive: true });
    const config = join(issued, 'ca.cnf');
    writeFileSync(join(issued, 'index.txt'), '');
    writeFileSync(config, `[ca]\ndefault_ca = lab\n[lab]\ndatabase = ${join(issued, 'index.txt')}\nnew_certs_dir = ${issued}\nrand_serial = yes\n`
      + 'default_md = sha256\npolicy = supplied\nunique_subject = no\n[supplied]\ncommonName = supplied\n');
    // YYMMDDHHMMSSZ
    const startdate = new Date(Date.now() - BACKDATE_MS).toISOString().replace(/[-:T]|\.\d+/g, '').slice(2);
    const sign = (csr: string, out: string, extensions: string, signer: string[]) => {
      const ext = join(issued, 'extensions.cnf');
      writeFileSync(ext, extensions);
      run('openssl', ['ca', '-batch', '-notext', '-config', config, ...signer, '-keyfile', caKey, '-in', csr, '-out', out, '-startdate', startdate, '-days', '3650', '-extfile', ext]);
    };
    run('openssl', ['req', ...ec, '-keyout', caKey, '-out', join(dir, 'ca.csr'), '-subj', '/CN=netprobe-lab-ca']);
    sign(join(dir, 'ca.csr'), ca, 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n', ['-selfsign']);
    run('openssl', ['req', ...ec, '-keyout', key, '-out', join(dir, 'server.csr'), '-subj', '/CN=kube-apiserver']);
    // Clients check the IP SAN, not the CN (RFC 6125); kubectl and node:tls both do.
    sign(join(dir, 'server.csr'), cert, `subjectAltName=IP:${host},DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n`, ['-cert', ca]);
  }
  return { caPem: readFileSync(ca, 'utf8'), certPem: readFileSync(cert, 'utf8'), keyPem: readFileSync(key, 'utf8') };
}
