// Runs the url-issuer alone: node services/url-issuer/dist/main.js
import { runMain } from '@rtcroom/common';
import { loadUrlIssuerConfig } from './config';
import { startUrlIssuer } from './service';

runMain('url-issuer', loadUrlIssuerConfig, (config, logger) => startUrlIssuer(config, logger));
