// Protobuf encoding through one reused writer per process.
//
// ts-proto's `X.encode(message)` starts a BinaryWriter of 128 bytes, doubles it as the message grows
// and copies the result out (`finish`), and the generated gRPC serializers copy that again into a
// Buffer: three to five typed arrays per message, each an allocation outside V8's heap that the
// collector must track. That cost more than the encoding itself: 19 us against 3 us for a JoinRoom
// answer of 400 bytes (bench/results/hotpath.md, "Encoding"). Encoding is synchronous, so one writer
// serves every message of the process, and the bytes are copied once into a Buffer from Node's pool.
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import * as generated from './namespaces';

/** What ts-proto generates for every message: `encode` into a given writer. */
export interface MessageEncoder<T> {
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
}

/** The writer's state as @bufbuild/protobuf 2.x keeps it (checked by `internalsKnown` before use). */
interface WriterInternals {
  buffer: Uint8Array;
  pos: number;
  stackPos: number[];
}

/** A writer whose buffer grew past this (a rare large message) is let go rather than kept. */
const KEEP_AT_MOST = 256 * 1024;

let shared = new BinaryWriter();
let busy = false;
const internalsKnown = ((): boolean => {
  const w = new BinaryWriter().uint32(1) as unknown as Partial<WriterInternals>;
  return w.pos === 1 && w.buffer instanceof Uint8Array && Array.isArray(w.stackPos);
})();

/** `type.encode(message)` as a Buffer, without the allocations of a writer per message. */
export function encodeMessage<T>(type: MessageEncoder<T>, message: T): Buffer {
  // Not re-entered by generated code (nested messages share the writer they are given); if it ever
  // is, the inner call gets a writer of its own.
  const w = busy ? new BinaryWriter() : shared;
  const outer = !busy;
  busy = true;
  try {
    type.encode(message, w);
  } catch (err) {
    if (outer) shared = new BinaryWriter(); // a half-written message must not lead the next one
    throw err;
  } finally {
    if (outer) busy = false;
  }
  if (!internalsKnown) {
    const bytes = w.finish();
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  const inner = w as unknown as WriterInternals;
  const out = Buffer.allocUnsafe(inner.pos);
  out.set(inner.buffer.subarray(0, inner.pos));
  inner.pos = 0;
  if (outer && inner.buffer.length > KEEP_AT_MOST) shared = new BinaryWriter();
  return out;
}

type Serializers = { requestSerialize?: (value: never) => Buffer; responseSerialize?: (value: never) => Buffer };

const pooled = new WeakMap<object, object>();

/**
 * A ts-proto gRPC service definition whose serializers encode through `encodeMessage`: the same
 * bytes, fewer allocations. Its messages are found by buf's STANDARD naming (`<Method>Request` and
 * `<Method>Response` beside the service, which `buf lint` enforces); a method whose messages are not
 * found keeps the definition's own serializers.
 */
export function pooledDefinition<D extends object>(definition: D): D {
  const known = pooled.get(definition);
  if (known) return known as D;
  const namespace = namespaceOf(definition);
  const out: Record<string, Serializers> = {};
  for (const [method, def] of Object.entries(definition as Record<string, Serializers>)) {
    const base = method.charAt(0).toUpperCase() + method.slice(1);
    const request = def.requestSerialize && encoderIn(namespace, `${base}Request`);
    const response = def.responseSerialize && encoderIn(namespace, `${base}Response`);
    out[method] = {
      ...def,
      ...(request && { requestSerialize: (value: never) => encodeMessage(request, value) }),
      ...(response && { responseSerialize: (value: never) => encodeMessage(response, value) }),
    };
  }
  pooled.set(definition, out);
  return out as D;
}

function namespaceOf(definition: object): Record<string, unknown> | undefined {
  for (const ns of Object.values(generated) as Record<string, unknown>[]) {
    if (Object.values(ns).includes(definition)) return ns;
  }
  return undefined;
}

function encoderIn(namespace: Record<string, unknown> | undefined, name: string): MessageEncoder<never> | undefined {
  const candidate = namespace?.[name] as Partial<MessageEncoder<never>> | undefined;
  return typeof candidate?.encode === 'function' ? (candidate as MessageEncoder<never>) : undefined;
}
