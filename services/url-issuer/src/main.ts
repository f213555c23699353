// Runs the url-issuer alone: node services/url-issuer/dist/main.js
import { runMain } from '@rtcroom/common';
import { loadUrlIssuerConfig } from './config';
import { startUrlIssuer } from './service';

runMain('url-issuer', loadUrlIssuerConfig, async (config, logger) => {
  const urls = await startUrlIssuer(config, logger);
  return { stop: () => urls.stop(), listening: { URL_ISSUER_GRPC_ADDRESS: urls.grpcAddress, URL_ISSUER_HTTP_ADDRESS: urls.httpAddress, ...(urls.metricsAddress ? { URL_ISSUER_METRICS_ADDRESS: urls.metricsAddress } : {}) } };
});
