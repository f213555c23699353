// What every stable error code means, for the people using an app: one line per code in each
// language. Codes are rtcroom's (gateway, room service, url-issuer, the SDK's own); the server's own
// message stays English and is kept on RtcRoomError (err.message) for logs.
//
// A code added anywhere (packages/common/src/errors.ts, services/gateway/src/errors.ts,
// services/url-issuer/src/domain/media-provider.ts, packages/sdk/src/errors.ts) needs its line here: the root test/translations-complete.unit.test.ts fails until it has one.
import type { Locale } from './locale.js';

export type Translations = Readonly<Record<Locale, string>>;

export const errorMessages: Readonly<Record<string, Translations>> = {
  // the socket and its frames
  MALFORMED_FRAME: { en: 'The app sent a request the server could not read.', 'zh-CN': '请求格式有误，服务器无法识别。' },
  UNKNOWN_MESSAGE: { en: 'The server does not know this request; the app may need an update.', 'zh-CN': '服务器不支持该请求，请更新小程序后重试。' },
  FRAME_TOO_LARGE: { en: 'The request is too large.', 'zh-CN': '请求内容过大。' },
  // who you are and what you may do
  UNAUTHENTICATED: { en: 'You are not signed in, or your sign-in is no longer valid.', 'zh-CN': '登录状态无效，请重新登录。' },
  TOKEN_EXPIRED: { en: 'Your sign-in has expired. Please sign in again.', 'zh-CN': '登录已过期，请重新登录。' },
  PERMISSION_DENIED: { en: 'You are not allowed to do this.', 'zh-CN': '没有权限执行此操作。' },
  INVALID_ARGUMENT: { en: 'Something in the request is not valid.', 'zh-CN': '请求参数有误。' },
  NOT_FOUND: { en: 'It could not be found.', 'zh-CN': '未找到对应的内容。' },
  SESSION_NOT_FOUND: { en: 'The connection\'s session has ended. Please sign in again.', 'zh-CN': '会话已失效，请重新登录。' },
  // rooms and members
  ROOM_NOT_FOUND: { en: 'The room does not exist.', 'zh-CN': '房间不存在。' },
  ROOM_CLOSED: { en: 'The room has been closed.', 'zh-CN': '房间已关闭。' },
  ROOM_FULL: { en: 'The room is full.', 'zh-CN': '房间人数已满。' },
  AUDIENCE_FULL: { en: 'The room has no more places in its audience. Please try again later.', 'zh-CN': '观众席已满，请稍后再进入观看。' },
  ALREADY_EXISTS: { en: 'It already exists.', 'zh-CN': '已存在，请勿重复创建。' },
  NOT_A_MEMBER: { en: 'You are not in this room.', 'zh-CN': '你不是该房间的成员。' },
  IDENTITY_IN_USE: { en: 'This account is already in the room on another device.', 'zh-CN': '该账号已在其他设备上进入房间。' },
  BANNED: { en: 'You have been removed from this room and cannot enter it again.', 'zh-CN': '你已被移出该房间，无法再次进入。' },
  FAILED_PRECONDITION: { en: 'This cannot be done right now.', 'zh-CN': '当前状态下无法执行此操作。' },
  // 1:1 calls
  CALLEE_OFFLINE: { en: 'The person you called is offline.', 'zh-CN': '对方不在线。' },
  CALLEE_BUSY: { en: 'The person you called is busy.', 'zh-CN': '对方忙线中。' },
  CALL_NOT_FOUND: { en: 'The call does not exist.', 'zh-CN': '通话不存在。' },
  CALL_ENDED: { en: 'The call has ended.', 'zh-CN': '通话已结束。' },
  NOT_A_PARTY: { en: 'You are not in this call.', 'zh-CN': '你不在该通话中。' },
  // the service desk
  QUEUE_FULL: { en: 'Too many people are waiting. Please try again later.', 'zh-CN': '排队人数已满，请稍后再试。' },
  TEAM_CLOSED: { en: 'No agent is on duty now. Please try again later.', 'zh-CN': '当前没有客服在线，请稍后再试。' },
  AGENT_UNAVAILABLE: { en: 'The agent is not available.', 'zh-CN': '该坐席暂时无法接听。' },
  NOT_A_SUPERVISOR: { en: 'You do not supervise this team, so you cannot monitor, whisper in or barge into its calls.', 'zh-CN': '你不是该坐席组的班长，无权对其通话进行监听、密语或强插。' },
  CALL_NOT_LIVE: { en: 'The call is not in progress (not answered yet, or already ended).', 'zh-CN': '该通话未在进行中（尚未接通或已挂断），无法监听或强插。' },
  // room messages and limits
  RATE_LIMITED: { en: 'Too many requests. Please slow down.', 'zh-CN': '操作过于频繁，请稍后再试。' },
  MESSAGE_TOO_LARGE: { en: 'The message is too long.', 'zh-CN': '消息内容过长。' },
  TOO_MANY_RECIPIENTS: { en: 'The message names too many recipients.', 'zh-CN': '消息接收人过多。' },
  MEDIA_FORBIDDEN: { en: 'The host does not allow turning this on now (or the room is audio-only).', 'zh-CN': '主持人暂不允许开启（或该房间仅限语音）。' },
  // the server
  UNAVAILABLE: { en: 'The service is unavailable. Please try again later.', 'zh-CN': '服务暂不可用，请稍后再试。' },
  INTERNAL: { en: 'Something went wrong on the server.', 'zh-CN': '服务器出错了，请稍后再试。' },
  // why a browser member's URL has no webrtcUrl (PushUrl/PlayUrl.webrtcUnavailable, from the url-issuer)
  WEBRTC_UNAVAILABLE: { en: 'This deployment\'s media server has no WebRTC: a browser can neither push nor play here.', 'zh-CN': '当前部署的媒体服务器不支持 WebRTC，浏览器无法在此推流或拉流。' },
  WEBRTC_FAILED: { en: 'The stream could not be prepared for WebRTC just now. Please ask for the URL again.', 'zh-CN': '暂时无法为该流生成 WebRTC 地址，请重新获取。' },
  WEBRTC_STARTING: { en: 'The stream is being prepared for WebRTC; it plays as soon as its media arrives.', 'zh-CN': '正在为该流准备 WebRTC 播放，媒体到达后即可播放。' },
  // the SDK's own
  CONNECTION_LOST: { en: 'The connection was lost before an answer came; the request may or may not have been carried out.', 'zh-CN': '网络连接已断开，操作可能未完成。' },
  TIMEOUT: { en: 'No answer in time.', 'zh-CN': '请求超时，请稍后重试。' },
  NOT_CONNECTED: { en: 'Not connected to the server.', 'zh-CN': '未连接到服务器。' },
  CLOSED: { en: 'The client has been closed.', 'zh-CN': '连接已关闭。' },
  CONNECT_FAILED: { en: 'Could not connect to the server.', 'zh-CN': '无法连接到服务器。' },
  TOKEN_REFRESH_FAILED: { en: 'Your sign-in could not be renewed.', 'zh-CN': '登录凭证续期失败，请重新登录。' },
};

/** For a code no catalog line has yet (a newer server): the code itself is shown beside it. */
export const unknownErrorMessage: Translations = { en: 'Something went wrong ({code}).', 'zh-CN': '操作失败（{code}）。' };
