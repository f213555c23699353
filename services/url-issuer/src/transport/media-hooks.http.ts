// The HTTP endpoints media servers call. nginx-rtmp (`notify_method post`): one path per hook,
// form-encoded fields with the stream URL's query merged in; the answer's status is what counts.
// Tencent Cloud: one path for every event callback, JSON in and {"code":0} out.
import type { NginxRtmpHooks, HookAnswer, HookParams } from '../app/nginx-rtmp-hooks';
import type { TencentCallbacks } from '../app/tencent-callbacks';
import { HttpRoute, json, text } from './http-server';

export const nginxRtmpHookPaths = {
  onPublish: '/v1/nginx-rtmp/on_publish',
  onPlay: '/v1/nginx-rtmp/on_play',
  onPublishDone: '/v1/nginx-rtmp/on_publish_done',
  onPlayDone: '/v1/nginx-rtmp/on_play_done',
  onRecordDone: '/v1/nginx-rtmp/on_record_done',
} as const;

export const tencentCallbackPath = '/v1/tencent/callback';

function formFields(body: string): HookParams {
  const fields: HookParams = {};
  // The first value wins: nginx-rtmp puts its own fields before the URL's query.
  for (const [k, v] of new URLSearchParams(body)) if (!(k in fields)) fields[k] = v;
  return fields;
}

const hook =
  (handle: (p: HookParams) => Promise<HookAnswer>): HttpRoute =>
  async (req) => {
    const answer = await handle(formFields(req.body));
    return text(answer.status, answer.reason);
  };

/** `nginx` is null where the deployment's provider is Tencent: then there are no nginx hooks. */
export function mediaHookRoutes(nginx: NginxRtmpHooks | null, tencent: TencentCallbacks): Record<string, HttpRoute> {
  const nginxRoutes: Record<string, HttpRoute> = nginx
    ? {
        [`POST ${nginxRtmpHookPaths.onPublish}`]: hook((p) => nginx.onPublish(p)),
        [`POST ${nginxRtmpHookPaths.onPlay}`]: hook((p) => nginx.onPlay(p)),
        [`POST ${nginxRtmpHookPaths.onPublishDone}`]: hook((p) => nginx.onPublishDone(p)),
        [`POST ${nginxRtmpHookPaths.onPlayDone}`]: hook((p) => nginx.onPlayDone(p)),
        [`POST ${nginxRtmpHookPaths.onRecordDone}`]: hook((p) => nginx.onRecordDone(p)),
      }
    : {};
  return {
    ...nginxRoutes,
    [`POST ${tencentCallbackPath}`]: async (req) => {
      let body: unknown;
      try {
        body = JSON.parse(req.body);
      } catch {
        return json(400, { code: 1, message: 'body is not JSON' });
      }
      const answer = await tencent.handle(body);
      return json(answer.status, answer.body);
    },
    'GET /healthz': async () => text(200, 'ok'),
  };
}
