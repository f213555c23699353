// The HTTP endpoints media servers call. nginx-rtmp (`notify_method post`): one path per hook,
// form-encoded fields with the stream URL's query merged in; the answer's status is what counts.
// Tencent Cloud: one path for every event callback, JSON in and {"code":0} out; TRTC the same, on its
// own path, its signature in the SdkAppId and Sign headers over the raw body.
import type { NginxRtmpHooks, HookAnswer, HookParams } from '../app/nginx-rtmp-hooks';
import type { TencentCallbacks } from '../app/tencent-callbacks';
import type { TrtcCallbacks } from '../app/trtc-callbacks';
import { HttpEndpoint, HttpRoute, json, text } from './http-server';

export const nginxRtmpHookPaths = {
  onPublish: '/v1/nginx-rtmp/on_publish',
  onPlay: '/v1/nginx-rtmp/on_play',
  onPublishDone: '/v1/nginx-rtmp/on_publish_done',
  onPlayDone: '/v1/nginx-rtmp/on_play_done',
  onRecordDone: '/v1/nginx-rtmp/on_record_done',
} as const;

export const tencentCallbackPath = '/v1/tencent/callback';
export const trtcCallbackPath = '/v1/trtc/callback';

function formFields(body: string): HookParams {
  // No prototype: a field named like an Object method is a field like any other.
  const fields: HookParams = Object.create(null);
  // The first value wins: nginx-rtmp puts its own fields before the URL's query.
  for (const [k, v] of new URLSearchParams(body)) if (!(k in fields)) fields[k] = v;
  return fields;
}

const hook = (handle: (p: HookParams) => Promise<HookAnswer>): HttpEndpoint => ({
  methods: {
    POST: async (req) => {
      const answer = await handle(formFields(req.body));
      return text(answer.status, answer.reason);
    },
  },
});

/** Tencent's answers are {"code":0} or {"code":1,"message":<why>}, refusals of the server's too. */
const tencentCallback = (tencent: TencentCallbacks): HttpEndpoint => {
  const route: HttpRoute = async (req) => {
    let body: unknown;
    try {
      body = JSON.parse(req.body);
    } catch {
      return json(400, { code: 1, message: 'MALFORMED_JSON' });
    }
    const answer = await tencent.handle(body);
    return json(answer.status, answer.body);
  };
  return { methods: { POST: route }, refusal: (status, code) => json(status, { code: 1, message: code }) };
};

const header = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? undefined : value);

/** The body is handed over as received: the Sign is over its exact bytes. */
const trtcCallback = (trtc: TrtcCallbacks): HttpEndpoint => ({
  methods: {
    POST: async (req) => {
      const answer = await trtc.handle({ sdkAppId: header(req.headers.sdkappid), sign: header(req.headers.sign) }, req.body);
      return json(answer.status, answer.body);
    },
  },
  refusal: (status, code) => json(status, { code: 1, message: code }),
});

/** `nginx` is null where the deployment's provider is not self-hosted, `trtc` where it is not TRTC. */
export function mediaHookEndpoints(nginx: NginxRtmpHooks | null, tencent: TencentCallbacks, trtc: TrtcCallbacks | null = null): Record<string, HttpEndpoint> {
  const nginxEndpoints: Record<string, HttpEndpoint> = nginx
    ? {
        [nginxRtmpHookPaths.onPublish]: hook((p) => nginx.onPublish(p)),
        [nginxRtmpHookPaths.onPlay]: hook((p) => nginx.onPlay(p)),
        [nginxRtmpHookPaths.onPublishDone]: hook((p) => nginx.onPublishDone(p)),
        [nginxRtmpHookPaths.onPlayDone]: hook((p) => nginx.onPlayDone(p)),
        [nginxRtmpHookPaths.onRecordDone]: hook((p) => nginx.onRecordDone(p)),
      }
    : {};
  return {
    ...nginxEndpoints,
    [tencentCallbackPath]: tencentCallback(tencent),
    ...(trtc ? { [trtcCallbackPath]: trtcCallback(trtc) } : {}),
    '/healthz': { methods: { GET: async () => text(200, 'ok') } },
  };
}
