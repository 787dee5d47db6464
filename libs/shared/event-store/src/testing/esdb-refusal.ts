import { convertToCommandError } from '@eventstore/db-client';
import { Metadata, type status } from '@grpc/grpc-js';
import { callErrorFromStatus } from '@grpc/grpc-js/build/src/call';

/**
 * The error EventStoreDB's client (6.2.1) raises for a call the server refused, built as the client builds it, for tests
 * on a machine with no server: the gRPC status (code, details and the trailing metadata the server writes, as in
 * EventStoreDB 24.10's RpcExceptions) made into an error by grpc-js (`callErrorFromStatus`), then into the client's
 * error by the client (`convertToCommandError`, what its reads and appends do on error).
 */
export function esdbRefusal(code: status, details: string, trailers: Record<string, string> = {}): unknown {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(trailers)) metadata.set(key, value);
  return convertToCommandError(callErrorFromStatus({ code, details, metadata }, 'esdbRefusal'));
}
