// The one entry point to the generated protocol: one namespace per proto file, named after its
// package and file so that same-named messages of different packages never collide.
import * as path from 'node:path';

export * from './namespaces';
export { encodeMessage, pooledDefinition, type MessageEncoder } from './encoding';

export { Status } from './gen/google/rpc/status';
export { ErrorInfo } from './gen/google/rpc/error_details';
export { Any } from './gen/google/protobuf/any';

/** The FileDescriptorSet of every proto file (built by `buf build`), for gRPC server reflection. */
export const descriptorSetPath = path.join(__dirname, '..', 'descriptors.binpb');

/** The FileDescriptorSet of grpc.health.v1 and grpc.reflection.v1/v1alpha (built by `buf build` from their packages' protos), for reflection too. */
export const grpcDescriptorSetPath = path.join(__dirname, '..', 'grpc-descriptors.binpb');
