/**
 * The SDK's HTTP handler options the handlers set (container.ts
 * httpHandlerOptions, credentials.ts for STS): its own file so neither of the
 * two imports the other.
 */
export interface HttpHandlerOptions {
  connectionTimeout: number;
  requestTimeout?: number;
  throwOnRequestTimeout?: boolean;
}
