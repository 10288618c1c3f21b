import type { ChannelCredentials, Client, ClientOptions, ServiceDefinition } from '@grpc/grpc-js';

/**
 * Type helpers that read request and response types straight from a generated grpc-js service
 * definition (ts-proto `outputServices=grpc-js`, or `makeGenericClientConstructor(...).service`),
 * so servers and clients stay typed end to end without hand-written interfaces.
 */

/** Any grpc-js service definition; ts-proto emits one per service as `<Name>Service`. */
export type RpcServiceDefinition = ServiceDefinition;

/**
 * Names of the unary methods of a definition. Methods typed as streaming (`requestStream: true`
 * or `responseStream: true`) are excluded; untyped definitions (boolean flags, e.g. loaded with
 * proto-loader) keep every name and are checked at run time instead.
 */
export type UnaryMethodName<Definition> = {
  [Name in keyof Definition & string]: Definition[Name] extends
    { readonly requestStream: true } | { readonly responseStream: true }
    ? never
    : Name;
}[keyof Definition & string];

/** The request message type of one method definition. */
export type RequestOf<Method> = Method extends {
  requestDeserialize: (bytes: Buffer) => infer Request;
}
  ? Request
  : never;

/** The response message type of one method definition. */
export type ResponseOf<Method> = Method extends {
  responseDeserialize: (bytes: Buffer) => infer Response;
}
  ? Response
  : never;

/**
 * A generated grpc-js client constructor: ts-proto's `<Name>Client` or the result of
 * `makeGenericClientConstructor`. Only its `service` definition and the base `Client` methods
 * are used, so the overloads of the generated interface never need to be inferred.
 */
export interface RpcClientConstructor<Definition extends RpcServiceDefinition> {
  new (address: string, credentials: ChannelCredentials, options?: Partial<ClientOptions>): Client;
  readonly service: Definition;
}
