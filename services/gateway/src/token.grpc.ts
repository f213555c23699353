// rtcroom.gateway.v1.TokenService over gRPC, on the gateway's internal port: business backends ask
// for access tokens for their users. The gateway holds the signing keys, so it signs (with the current one).
import { bindService, CallerPolicy, DomainError, Grants, AccessTokenKeySet, ServiceBinding, signAccessToken } from '@rtcroom/common';
import { tokenv1 } from '@rtcroom/proto';

const defaultTtlSeconds = 6 * 3600;

function grantsFromProto(g: tokenv1.Grants | undefined): Grants | undefined {
  if (!g) return undefined;
  if (g.room && !/^[A-Za-z0-9_-]{1,64}$/.test(g.room)) throw new DomainError('INVALID_ARGUMENT', 'grants.room must be a room name or id', { field: 'grants.room' });
  return {
    roomCreate: g.roomCreate,
    roomJoin: g.roomJoin,
    roomList: g.roomList,
    roomAdmin: g.roomAdmin,
    ...(g.room ? { room: g.room } : {}),
    ...(g.agentTeams.length ? { agentTeams: g.agentTeams } : {}),
    ...(g.roomMessage !== undefined ? { roomMessage: g.roomMessage } : {}),
    ...(g.audienceOnly ? { audienceOnly: true } : {}),
    ...(g.supervisorTeams.length ? { supervisorTeams: g.supervisorTeams } : {}),
  };
}

/** Tokens grant anything: only internal systems (business backends) may ask for them. */
export const tokenServiceCallers: CallerPolicy<typeof tokenv1.TokenServiceService> = {
  issueAccessToken: ['internal'],
};

export function tokenGrpcBinding(keys: AccessTokenKeySet): ServiceBinding {
  return bindService(
    'rtcroom.gateway.v1.TokenService',
    tokenv1.TokenServiceService,
    {
      async issueAccessToken(req) {
        const ttlSeconds = req.ttlSeconds || defaultTtlSeconds;
        if (ttlSeconds < 60 || ttlSeconds > 7 * 24 * 3600) {
          throw new DomainError('INVALID_ARGUMENT', 'ttl_seconds must be 60 to 604800', { field: 'ttl_seconds' });
        }
        const now = Date.now();
        const token = await signAccessToken(keys, { identity: req.identity, name: req.name || undefined, ttlSeconds, grants: grantsFromProto(req.grants), now });
        return { token, expiresAt: Math.floor(now / 1000) + ttlSeconds };
      },
    },
    'rtcroom.gateway',
    tokenServiceCallers,
  );
}
