// One namespace per generated proto file, named after its package and file so that same-named messages
// of different packages never collide (re-exported by index.ts; encoding.ts looks messages up here).
export * as roomv1 from './gen/rtcroom/room/v1/room';
export * as roomServicev1 from './gen/rtcroom/room/v1/room_service';
export * as roomEventv1 from './gen/rtcroom/room/v1/room_event';
export * as roomMessagev1 from './gen/rtcroom/room/v1/room_message';
export * as webhookv1 from './gen/rtcroom/room/v1/webhook_service';
export * as callv1 from './gen/rtcroom/room/v1/call';
export * as callServicev1 from './gen/rtcroom/room/v1/call_service';
export * as mediav1 from './gen/rtcroom/media/v1/url';
export * as urlIssuerv1 from './gen/rtcroom/media/v1/url_issuer_service';
export * as recordingv1 from './gen/rtcroom/media/v1/recording';
export * as mediaEventv1 from './gen/rtcroom/media/v1/media_event';
export * as mediaBridgev1 from './gen/rtcroom/media/v1/media_bridge_service';
export * as presencev1 from './gen/rtcroom/presence/v1/presence_service';
export * as gatewayv1 from './gen/rtcroom/gateway/v1/gateway';
export * as tokenv1 from './gen/rtcroom/gateway/v1/token_service';
export * as deskv1 from './gen/rtcroom/desk/v1/desk';
export * as deskServicev1 from './gen/rtcroom/desk/v1/desk_service';
export * as muxv1 from './gen/rtcroom/mux/v1/mux_service';
export * as authv1 from './gen/rtcroom/auth/v1/principal';
