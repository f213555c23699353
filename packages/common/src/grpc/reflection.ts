// Server reflection (grpc.reflection.v1 and v1alpha, what `buf curl` asks), loaded on its first call.
// @grpc/reflection parses every descriptor of rtcroom's protos with protobufjs when it is made: about
// 9 MB of each service's memory (PSS), for a service an operator calls now and then. A port serves both
// reflection services from its start with methods that pass the messages' bytes through; the first
// call loads the library, and each message goes to its handler decoded, and back encoded, by the
// library's own definitions. What a caller sees is what the library answers.
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import type * as grpc from '@grpc/grpc-js';
import type { PackageDefinition } from '@grpc/proto-loader';
import { descriptorSetPath, grpcDescriptorSetPath } from '@rtcroom/proto';
import { DomainError } from '../errors';
import { toServiceError } from './status';

export const reflectionServiceNames = ['grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection'] as const;

type StreamHandler = (call: grpc.ServerDuplexStream<unknown, unknown>) => void;
interface LoadedMethod {
  method: grpc.MethodDefinition<unknown, unknown>;
  handler: StreamHandler;
}

const passBytes = (bytes: Buffer) => bytes;

/**
 * Adds both reflection services to the server, describing `services` (what this port serves). Nothing
 * of the reflection library is loaded until a call comes.
 */
export function addReflection(server: Pick<grpc.Server, 'addService'>, services: string[]): void {
  let loaded: Map<string, LoadedMethod> | undefined;
  const load = (): Map<string, LoadedMethod> => {
    if (loaded) return loaded;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { ReflectionService } = require('@grpc/reflection') as typeof import('@grpc/reflection');
    const methods = new Map<string, LoadedMethod>();
    const collector = {
      addService(definition: grpc.ServiceDefinition, implementation: grpc.UntypedServiceImplementation) {
        for (const [name, method] of Object.entries(definition)) {
          methods.set(method.path, { method: method as grpc.MethodDefinition<unknown, unknown>, handler: implementation[name] as StreamHandler });
        }
      },
    };
    new ReflectionService(reflectionDefinition(), { services }).addToServer(collector as unknown as grpc.Server);
    return (loaded = methods);
  };
  for (const service of reflectionServiceNames) {
    const path = `/${service}/ServerReflectionInfo`;
    const method = {
      path,
      requestStream: true,
      responseStream: true,
      requestSerialize: passBytes,
      requestDeserialize: passBytes,
      responseSerialize: passBytes,
      responseDeserialize: passBytes,
      originalName: 'serverReflectionInfo',
    };
    server.addService({ ServerReflectionInfo: method } as unknown as grpc.ServiceDefinition, {
      ServerReflectionInfo: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
        const real = load().get(path);
        if (!real) return call.end(); // the library serves both names; never without one of them
        real.handler(decoded(call, real.method));
      },
    });
  }
}

/**
 * The call as the library's handler uses it (`on('data' | 'end')`, `write`, `end`), with messages
 * decoded and encoded by its definition. A request that does not decode ends the call with
 * INVALID_ARGUMENT.
 */
function decoded(call: grpc.ServerDuplexStream<Buffer, Buffer>, method: grpc.MethodDefinition<unknown, unknown>): grpc.ServerDuplexStream<unknown, unknown> {
  const facade = new EventEmitter() as EventEmitter & { write(message: unknown): boolean; end(): void };
  facade.write = (message) => call.write(method.responseSerialize(message));
  facade.end = () => call.end();
  call.on('data', (bytes: Buffer) => {
    let message: unknown;
    try {
      message = method.requestDeserialize(bytes);
    } catch {
      call.emit('error', toServiceError(new DomainError('INVALID_ARGUMENT', 'a reflection request that does not decode'), 'rtcroom.grpc'));
      return;
    }
    facade.emit('data', message);
  });
  call.on('end', () => facade.emit('end'));
  return facade as unknown as grpc.ServerDuplexStream<unknown, unknown>;
}

let reflectionPackage: PackageDefinition | undefined;
/**
 * Every schema a port may describe, as `buf build` wrote it: rtcroom's protos, and those of health and
 * reflection. Each file keeps its own name and imports (proto-loader's re-encoding of a set merges
 * files and drops the imports: too little for a client such as `buf curl` to resolve a service).
 */
function reflectionDefinition(): PackageDefinition {
  if (!reflectionPackage) {
    const files = [descriptorSetPath, grpcDescriptorSetPath].flatMap((path) => filesOfDescriptorSet(readFileSync(path)));
    // ReflectionService reads only each entry's fileDescriptorProtos.
    reflectionPackage = { 'rtcroom.descriptors': { format: 'descriptor set', fileDescriptorProtos: files } as unknown as PackageDefinition[string] };
  }
  return reflectionPackage;
}

/** The encoded FileDescriptorProtos of a FileDescriptorSet (`repeated FileDescriptorProto file = 1`). */
function filesOfDescriptorSet(set: Buffer): Buffer[] {
  let at = 0;
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = set[at++];
      if (byte === undefined || shift > 35) throw new Error('descriptor set: truncated varint');
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  const files: Buffer[] = [];
  while (at < set.length) {
    if (varint() !== 0x0a) throw new Error('descriptor set: expected field 1 (file), length-delimited');
    const length = varint();
    files.push(set.subarray(at, at + length));
    at += length;
  }
  return files;
}
