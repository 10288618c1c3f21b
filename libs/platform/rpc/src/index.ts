export {
  assertTimeRemaining,
  currentRpcCallContext,
  type RpcCallContext,
} from './rpc-call-context';
export {
  CIRCUIT_OPEN_CODE,
  createRpcClient,
  DEFAULT_RPC_BREAKER,
  DEFAULT_RPC_RETRY,
  type RpcBreakerOptions,
  type RpcCallOptions,
  type RpcCircuitState,
  type RpcClient,
  type RpcClientCallEvent,
  type RpcClientOptions,
  type RpcHedgeOptions,
  type RpcRetryOptions,
} from './rpc-client';
export {
  DEFAULT_CONCURRENT_CALL_COUNT_MAX,
  RpcServer,
  type RpcServerCallEvent,
  type RpcServerOptions,
  type UnaryHandler,
  type UnaryHandlers,
} from './rpc-server';
export {
  CALL_CANCELLED_CODE,
  ERROR_CODE_METADATA_KEY,
  ERROR_PARAMS_METADATA_KEY,
  ERROR_RETRYABLE_METADATA_KEY,
  GENERIC_INTERNAL_MESSAGE,
  grpcStatusForCategory,
  platformErrorFromServiceError,
  toServerErrorResponse,
} from './rpc-status';
export {
  extractTraceContext,
  injectTraceContext,
  TRACEPARENT_METADATA_KEY,
} from './rpc-trace-context';
export type {
  RequestOf,
  ResponseOf,
  RpcClientConstructor,
  RpcServiceDefinition,
  UnaryMethodName,
} from './rpc-types';
