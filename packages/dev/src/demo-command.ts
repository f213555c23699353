// The demo command as a newcomer types it: the start banner prints it and the README shows it, so
// both come from here (test/suggested-commands.e2e.test.ts runs what the banner prints).

/** Where `npm run up` puts the gateway, and where `npm run demo` looks without GATEWAY_URL. */
export const defaultGatewayUrl = 'ws://127.0.0.1:8787/v1/ws';

/** `npm run demo`, told where the gateway is when it is not at the default address. */
export function demoCommand(gatewayUrl: string): string {
  return gatewayUrl === defaultGatewayUrl ? 'npm run demo' : `GATEWAY_URL=${gatewayUrl} npm run demo`;
}
