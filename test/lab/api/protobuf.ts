// kubectl's typed clients (`kubectl create namespace|configmap|service …`) send request bodies
// as Kubernetes protobuf: the "k8s\0" magic, then a runtime.Unknown envelope holding the
// object's message. This decodes that wire format for the kinds those commands create, with
// the field numbers of k8s.io/api/core/v1/generated.proto; other kinds get 415.
import { ApiError } from './status.ts';

type Scalar = 'string' | 'int' | 'bool';
type FieldType = Scalar | Schema | { map: 'string' } | { repeated: 'string' | Schema };
interface Schema { [field: number]: [name: string, type: FieldType] }

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

const OBJECT_META: Schema = {
  1: ['name', 'string'], 2: ['generateName', 'string'], 3: ['namespace', 'string'],
  11: ['labels', { map: 'string' }], 12: ['annotations', { map: 'string' }], 14: ['finalizers', { repeated: 'string' }],
};
const INT_OR_STRING: Schema = { 1: ['type', 'int'], 2: ['intVal', 'int'], 3: ['strVal', 'string'] };
const SERVICE_PORT: Schema = { 1: ['name', 'string'], 2: ['protocol', 'string'], 3: ['port', 'int'], 4: ['targetPort', INT_OR_STRING], 5: ['nodePort', 'int'] };
const KINDS: Record<string, Schema> = {
  Namespace: { 1: ['metadata', OBJECT_META], 2: ['spec', { 1: ['finalizers', { repeated: 'string' }] }] },
  ConfigMap: { 1: ['metadata', OBJECT_META], 2: ['data', { map: 'string' }], 4: ['immutable', 'bool'] },
  Service: {
    1: ['metadata', OBJECT_META],
    2: ['spec', { 1: ['ports', { repeated: SERVICE_PORT }], 2: ['selector', { map: 'string' }], 3: ['clusterIP', 'string'], 4: ['type', 'string'], 7: ['sessionAffinity', 'string'] }],
  },
};
const UNKNOWN: Schema = { 1: ['typeMeta', { 1: ['apiVersion', 'string'], 2: ['kind', 'string'] }] };

class Reader {
  private pos = 0;
  private readonly buf: Buffer;

  constructor(buf: Buffer) {
    this.buf = buf;
  }

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  varint(): number {
    let result = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = this.buf[this.pos++];
      if (byte === undefined) throw new Error('truncated varint');
      result += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return result;
    }
  }

  bytes(): Buffer {
    const length = this.varint();
    const out = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) this.bytes();
    else if (wireType === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wireType}`);
  }
}

function decode(buf: Buffer, schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const r = new Reader(buf);
  while (!r.done) {
    const key = r.varint();
    const field = schema[Math.floor(key / 8)];
    if (!field) {
      r.skip(key % 8);
      continue;
    }
    const [name, type] = field;
    // Go's generated marshallers write empty scalars too; JSON (omitempty) leaves them out.
    const scalar = (v: unknown) => {
      if (v !== '' && v !== 0 && v !== false) out[name] = v;
    };
    if (type === 'int') scalar(r.varint());
    else if (type === 'bool') scalar(r.varint() !== 0);
    else if (type === 'string') scalar(r.bytes().toString('utf8'));
    else if ('map' in type) {
      const entry = decode(r.bytes(), { 1: ['key', 'string'], 2: ['value', 'string'] });
      out[name] = { ...(out[name] as object), [String(entry.key ?? '')]: entry.value ?? '' };
    } else if ('repeated' in type) {
      const bytes = r.bytes();
      const item = type.repeated === 'string' ? bytes.toString('utf8') : decode(bytes, type.repeated as Schema);
      out[name] = [...((out[name] as unknown[]) ?? []), item];
    } else out[name] = decode(r.bytes(), type as Schema);
  }
  return out;
}

/** IntOrString as JSON carries it: a number or a string (type 1). */
function intOrString(v: { type?: number; intVal?: number; strVal?: string }): number | string | undefined {
  return v.type === 1 ? v.strVal : v.intVal;
}

export function isProtobuf(contentType: string | undefined): boolean {
  return (contentType ?? '').startsWith('application/vnd.kubernetes.protobuf');
}

export function decodeProtobufObject(body: Buffer): Record<string, unknown> {
  const unsupported = (what: string) => new ApiError(415, 'UnsupportedMediaType', `the lab API server decodes protobuf only for ${Object.keys(KINDS).join(', ')}, not ${what}; send application/json`);
  if (!body.subarray(0, 4).equals(MAGIC)) throw unsupported('this body');
  const envelope = new Reader(body.subarray(4));
  let typeMeta: Record<string, unknown> = {};
  let raw: Buffer = Buffer.alloc(0);
  while (!envelope.done) {
    const key = envelope.varint();
    if (key === (1 << 3 | 2)) typeMeta = decode(envelope.bytes(), UNKNOWN[1][1] as Schema);
    else if (key === (2 << 3 | 2)) raw = envelope.bytes();
    else envelope.skip(key % 8);
  }
  const kind = String(typeMeta.kind ?? '');
  const schema = KINDS[kind];
  if (!schema) throw unsupported(kind || 'an unnamed kind');
  const obj = { apiVersion: typeMeta.apiVersion, kind, ...decode(raw, schema) } as Record<string, any>;
  for (const p of obj.spec?.ports ?? []) {
    p.targetPort = p.targetPort && intOrString(p.targetPort);
    if (p.targetPort === undefined) delete p.targetPort;
  }
  return obj;
}
