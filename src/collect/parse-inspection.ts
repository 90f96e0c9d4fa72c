// An inspector agent's document from its pod's log, checked field by field like a probe
// result (parse-agent-result.ts), so bad output becomes one error naming its source.
import { INSPECTION_KIND, INSPECTION_SCHEMA_VERSION, type NodeInspection } from '../shared/inspection.ts';
import { parseAgentDocument, readDocumentHeader, type ExpectedResult } from './parse-agent-result.ts';
import { describeValue, readArray, readCount, readNullable, readNumber, readObject, readOneOf, readString, ShapeError } from './shape.ts';

export function parseInspection(text: string, source: string, expected: ExpectedResult): NodeInspection {
  return parseAgentDocument(text, source, 'inspection', (doc) => checkInspection(doc, expected));
}

function checkInspection(value: unknown, expected: ExpectedResult): NodeInspection {
  const doc = readDocumentHeader(value, { kind: INSPECTION_KIND, schemaVersion: INSPECTION_SCHEMA_VERSION, what: 'node inspection', schema: 'inspection' }, expected);
  const count = (v: unknown, at: string) => readNullable(v, at, readCount);

  const kernel = readObject(doc.kernel, 'kernel');
  readString(kernel.release, 'kernel.release');
  for (const key of ['synLinearTimeouts', 'synRetries', 'twRecycle']) count(kernel[key], `kernel.${key}`);

  const neighbours = readObject(doc.neighbours, 'neighbours');
  readArray(neighbours.entries, 'neighbours.entries').forEach((e, i) => {
    const entry = readObject(e, `neighbours.entries[${i}]`);
    for (const key of ['ip', 'device', 'mac']) readString(entry[key], `neighbours.entries[${i}].${key}`);
    readCount(entry.flags, `neighbours.entries[${i}].flags`);
  });
  readNullable(neighbours.gcThresh, 'neighbours.gcThresh', (v, at) => readArray(v, at).map((t, i) => readCount(t, `${at}[${i}]`)));
  readNullable(neighbours.kernelTable, 'neighbours.kernelTable', (v, at) => {
    const table = readObject(v, at);
    readCount(table.entries, `${at}.entries`);
    readCount(table.tableFulls, `${at}.tableFulls`);
  });

  const conntrack = readObject(doc.conntrack, 'conntrack');
  for (const key of ['count', 'max', 'insertFailed', 'drop']) count(conntrack[key], `conntrack.${key}`);

  readArray(doc.interfaces, 'interfaces').forEach((v, i) => {
    const iface = readObject(v, `interfaces[${i}]`);
    readString(iface.name, `interfaces[${i}].name`);
    readCount(iface.mtu, `interfaces[${i}].mtu`);
    readNumber(iface.type, `interfaces[${i}].type`);
    if (typeof iface.up !== 'boolean') throw new ShapeError(`interfaces[${i}].up should be true or false, got ${describeValue(iface.up)}`);
    readNullable(iface.devType, `interfaces[${i}].devType`, readString);
    readNullable(iface.lower, `interfaces[${i}].lower`, readString);
  });
  readArray(doc.routes, 'routes').forEach((v, i) => {
    const route = readObject(v, `routes[${i}]`);
    for (const key of ['iface', 'destination', 'gateway']) readString(route[key], `routes[${i}].${key}`);
    readCount(route.prefixLength, `routes[${i}].prefixLength`);
  });
  readArray(doc.bgpSockets, 'bgpSockets').forEach((v, i) => {
    const socket = readObject(v, `bgpSockets[${i}]`);
    readOneOf(socket.state, `bgpSockets[${i}].state`, ['listen', 'established', 'other']);
    readString(socket.localAddress, `bgpSockets[${i}].localAddress`);
    readString(socket.remoteAddress, `bgpSockets[${i}].remoteAddress`);
  });
  readArray(doc.unreadable, 'unreadable').forEach((w, i) => readString(w, `unreadable[${i}]`));
  return doc as unknown as NodeInspection;
}
