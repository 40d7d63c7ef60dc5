/**
 * TEST DOUBLE — the little of Kubernetes' protobuf encoding the fake API server reads:
 * `kubectl create namespace|secret` send their body as `application/vnd.kubernetes.protobuf`
 * (the `k8s\0` envelope around a `runtime.Unknown`). Decoded here for Namespace and Secret
 * only (name, namespace, labels, annotations; a Secret's data, stringData and type), into
 * the JSON object the rest of the double handles; anything else is a 415, as from a server
 * that does not speak the type.
 */
import { ApiError } from './api-error.js';

type Fields = Map<number, (Buffer | bigint)[]>;

function readVarint(buf: Buffer, at: number): [bigint, number] {
  let value = 0n;
  let shift = 0n;
  for (let i = at; i < buf.length; i += 1) {
    const byte = buf[i] ?? 0;
    value |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [value, i + 1];
    shift += 7n;
  }
  throw new Error('truncated varint');
}

/** The fields of one message: varints as bigint, length-delimited as Buffer. */
function fieldsOf(buf: Buffer): Fields {
  const fields: Fields = new Map();
  let at = 0;
  while (at < buf.length) {
    const [key, next] = readVarint(buf, at);
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    let value: Buffer | bigint;
    if (wire === 0) [value, at] = readVarint(buf, next);
    else if (wire === 2) {
      const [length, start] = readVarint(buf, next);
      value = buf.subarray(start, start + Number(length));
      at = start + Number(length);
    } else throw new Error(`unsupported wire type ${wire}`);
    fields.set(field, [...(fields.get(field) ?? []), value]);
  }
  return fields;
}

const text = (v: Buffer | bigint | undefined) => (Buffer.isBuffer(v) ? v.toString('utf8') : undefined);
const first = (f: Fields, n: number) => f.get(n)?.[0];

function mapOf(f: Fields, n: number, value: (b: Buffer) => string): Record<string, string> | undefined {
  const entries = (f.get(n) ?? []).filter(Buffer.isBuffer).map((entry) => {
    const e = fieldsOf(entry);
    const v = first(e, 2);
    return [text(first(e, 1)) ?? '', Buffer.isBuffer(v) ? value(v) : ''] as const;
  });
  return entries.length === 0 ? undefined : Object.fromEntries(entries);
}

function objectMeta(buf: Buffer | bigint | undefined): Record<string, unknown> {
  if (!Buffer.isBuffer(buf)) return {};
  const f = fieldsOf(buf);
  const utf8 = (b: Buffer) => b.toString('utf8');
  const meta: Record<string, unknown> = {
    name: text(first(f, 1)),
    generateName: text(first(f, 2)),
    namespace: text(first(f, 3)),
    labels: mapOf(f, 11, utf8),
    annotations: mapOf(f, 12, utf8),
  };
  return Object.fromEntries(Object.entries(meta).filter(([, v]) => v !== undefined));
}

/** The JSON object a protobuf request body stands for. */
export function decodeProtobufBody(body: Buffer): Record<string, unknown> {
  if (body.subarray(0, 4).toString('latin1') !== 'k8s\0') throw unsupported('missing the k8s protobuf envelope');
  const unknown = fieldsOf(body.subarray(4));
  const typeMeta = first(unknown, 1);
  const type = Buffer.isBuffer(typeMeta) ? fieldsOf(typeMeta) : new Map();
  const apiVersion = text(first(type, 1));
  const kind = text(first(type, 2));
  const raw = first(unknown, 2);
  const f = Buffer.isBuffer(raw) ? fieldsOf(raw) : new Map();
  const metadata = objectMeta(first(f, 1));
  if (apiVersion === 'v1' && kind === 'Namespace') return { apiVersion, kind, metadata };
  if (apiVersion === 'v1' && kind === 'Secret') {
    const secret: Record<string, unknown> = {
      apiVersion,
      kind,
      metadata,
      data: mapOf(f, 2, (b) => b.toString('base64')),
      type: text(first(f, 3)),
      stringData: mapOf(f, 4, (b) => b.toString('utf8')),
    };
    return Object.fromEntries(Object.entries(secret).filter(([, v]) => v !== undefined));
  }
  throw unsupported(`protobuf bodies of ${apiVersion}/${kind} are not understood here`);
}

const unsupported = (why: string) =>
  new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format: ${why}`);
