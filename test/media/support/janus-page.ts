// What a browser member does with what the bridge answers, as code run in the page (Chromium): the
// Janus HTTP API with fetch, plain RTCPeerConnection, no janus.js. Non-trickle both ways: the page
// sends its SDP once its candidates are gathered, keeping only 127.0.0.1 ones (the test's media stays
// on loopback), and Janus sends its SDP with its candidates in it.
//
// These functions are serialised into the page (page.evaluate): they use nothing from outside them.

export interface JanusPageAccess {
  httpUrl: string;
  token: string;
}

export interface PeerReport {
  /** Janus's SDP (offer when playing, answer when publishing). */
  janusSdp: string;
  /** What the page sent, after filtering. */
  pageSdp: string;
}

/** A Janus session and handle on the plugin, with the HTTP long-poll for its events; runs in the page. */
function pageJanusClientSource(): string {
  return `
  const janusClient = async (access, plugin) => {
    const tx = () => Math.random().toString(36).slice(2);
    const post = async (path, body) => {
      const res = await fetch(access.httpUrl + path, { method: 'POST', body: JSON.stringify({ ...body, transaction: tx(), token: access.token }) });
      const json = await res.json();
      if (json.janus === 'error') throw new Error('janus ' + json.error.code + ' ' + json.error.reason);
      return json;
    };
    const session = (await post('', { janus: 'create' })).data.id;
    const handle = (await post('/' + session, { janus: 'attach', plugin })).data.id;
    const queue = [];
    const poll = async (until) => {
      const deadline = Date.now() + 20000;
      for (;;) {
        const found = queue.findIndex(until);
        if (found >= 0) return queue.splice(found, 1)[0];
        if (Date.now() > deadline) throw new Error('no matching Janus event within 20 s; got ' + JSON.stringify(queue).slice(0, 500));
        const res = await fetch(access.httpUrl + '/' + session + '?maxev=10&rid=' + Date.now() + '&token=' + encodeURIComponent(access.token));
        const got = await res.json();
        for (const e of Array.isArray(got) ? got : [got]) if (e.janus !== 'keepalive') queue.push(e);
      }
    };
    const message = (body, jsep) => post('/' + session + '/' + handle, { janus: 'message', body, ...(jsep ? { jsep } : {}) });
    const keepalive = setInterval(() => post('/' + session, { janus: 'keepalive' }).catch(() => undefined), 15000);
    return { session, handle, message, poll, close: () => clearInterval(keepalive) };
  };
  const gathered = (pc) => new Promise((resolve, reject) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    const timer = setTimeout(() => reject(new Error('ICE gathering did not complete within 10 s')), 10000);
    pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') { clearTimeout(timer); resolve(); } });
  });
  const loopbackOnly = (sdp) => sdp.split('\\r\\n').filter((l) => !l.startsWith('a=candidate:') || / 127\\.0\\.0\\.1 /.test(l)).join('\\r\\n');
  `;
}

/** Page code: watch a mountpoint and keep the PeerConnection in window.rtcPlay. */
export function playScript(access: JanusPageAccess & { mountpointId: number; pin: string }): string {
  return `(async () => {
  ${pageJanusClientSource()}
  const access = ${JSON.stringify(access)};
  const janus = await janusClient(access, 'janus.plugin.streaming');
  await janus.message({ request: 'watch', id: access.mountpointId, pin: access.pin });
  const offered = await janus.poll((e) => e.jsep && e.jsep.type === 'offer');
  const pc = new RTCPeerConnection({ iceServers: [] });
  const remote = new MediaStream();
  pc.ontrack = (e) => remote.addTrack(e.track);
  await pc.setRemoteDescription(offered.jsep);
  await pc.setLocalDescription(await pc.createAnswer());
  await gathered(pc);
  const pageSdp = loopbackOnly(pc.localDescription.sdp);
  await janus.message({ request: 'start' }, { type: 'answer', sdp: pageSdp });
  // Played through an element, as a console would, so audio is decoded and rendered.
  const video = document.createElement('video');
  video.autoplay = true; video.muted = true; video.playsInline = true; video.srcObject = remote;
  document.body.appendChild(video);
  // And its audio through an analyser, so the test hears the tone (headless Chromium plays out to no
  // device, where getStats' audio energy stays 0).
  const audio = new AudioContext();
  await audio.resume();
  const analyser = audio.createAnalyser();
  analyser.fftSize = 2048;
  audio.createMediaStreamSource(remote).connect(analyser);
  const level = () => {
    const samples = new Float32Array(analyser.fftSize);
    analyser.getFloatTimeDomainData(samples);
    return Math.max(...samples.map(Math.abs));
  };
  window.rtcPlay = { pc, janus, video, level };
  return { janusSdp: offered.jsep.sdp, pageSdp };
})()`;
}

/** Page code: publish the fake camera and microphone into a VideoRoom; the PeerConnection is window.rtcPublish. */
export function publishScript(access: JanusPageAccess & { videoroomId: number; feedId: number }): string {
  return `(async () => {
  ${pageJanusClientSource()}
  const access = ${JSON.stringify(access)};
  const media = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 360, frameRate: 15 } });
  const janus = await janusClient(access, 'janus.plugin.videoroom');
  await janus.message({ request: 'join', ptype: 'publisher', room: access.videoroomId, id: access.feedId, display: 'agent', token: access.token });
  await janus.poll((e) => e.plugindata && e.plugindata.data && e.plugindata.data.videoroom === 'joined');
  const pc = new RTCPeerConnection({ iceServers: [] });
  for (const track of media.getTracks()) pc.addTransceiver(track, { direction: 'sendonly', streams: [media] });
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const pageSdp = loopbackOnly(pc.localDescription.sdp);
  await janus.message({ request: 'publish', audio: true, video: true }, { type: 'offer', sdp: pageSdp });
  const answered = await janus.poll((e) => e.jsep && e.jsep.type === 'answer');
  await pc.setRemoteDescription(answered.jsep);
  window.rtcPublish = { pc, janus, media };
  return { janusSdp: answered.jsep.sdp, pageSdp };
})()`;
}

/** Page code: stop publishing (the PeerConnection stays for a republish). */
export const unpublishScript = `(async () => {
  await window.rtcPublish.janus.message({ request: 'unpublish' });
  await window.rtcPublish.janus.poll((e) => e.plugindata && e.plugindata.data && e.plugindata.data.unpublished === 'ok');
  window.rtcPublish.pc.close();
})()`;

/** Page code: publish again on the same handle, with a new PeerConnection. */
export function republishScript(): string {
  return `(async () => {
  ${pageJanusClientSource()}
  const { janus, media } = window.rtcPublish;
  const pc = new RTCPeerConnection({ iceServers: [] });
  for (const track of media.getTracks()) pc.addTransceiver(track, { direction: 'sendonly', streams: [media] });
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  await janus.message({ request: 'publish', audio: true, video: true }, { type: 'offer', sdp: loopbackOnly(pc.localDescription.sdp) });
  const answered = await janus.poll((e) => e.jsep && e.jsep.type === 'answer');
  await pc.setRemoteDescription(answered.jsep);
  window.rtcPublish.pc = pc;
})()`;
}

/** Page code: one Janus request with the given token, answering Janus's error code (0: accepted). */
export function tryTokenScript(httpUrl: string, token: string, then?: { plugin: string; body: Record<string, unknown> }): string {
  return `(async () => {
  const post = async (path, body) => (await fetch(${JSON.stringify(httpUrl)} + path, { method: 'POST', body: JSON.stringify({ ...body, transaction: Math.random().toString(36).slice(2), token: ${JSON.stringify(token)} }) })).json();
  const created = await post('', { janus: 'create' });
  if (created.janus === 'error') return { stage: 'create', code: created.error.code, reason: created.error.reason };
  const then = ${JSON.stringify(then ?? null)};
  if (!then) return { stage: 'create', code: 0 };
  const attached = await post('/' + created.data.id, { janus: 'attach', plugin: then.plugin });
  if (attached.janus === 'error') return { stage: 'attach', code: attached.error.code, reason: attached.error.reason };
  const answer = await post('/' + created.data.id + '/' + attached.data.id, { janus: 'message', body: then.body });
  if (answer.janus === 'error') return { stage: 'message', code: answer.error.code, reason: answer.error.reason };
  // A synchronous request (create, destroy, rtp_forward...) is answered at once.
  const now = answer.plugindata && answer.plugindata.data;
  if (now && now.error_code) return { stage: 'plugin', code: now.error_code, reason: now.error };
  if (now) return { stage: 'plugin', code: 0 };
  // A plugin's refusal arrives as an event on the session.
  for (let i = 0; i < 5; i++) {
    const got = await (await fetch(${JSON.stringify(httpUrl)} + '/' + created.data.id + '?maxev=5&rid=' + Date.now() + '&token=' + encodeURIComponent(${JSON.stringify(token)}))).json();
    for (const e of Array.isArray(got) ? got : [got]) {
      const data = e.plugindata && e.plugindata.data;
      if (data && data.error_code) return { stage: 'plugin', code: data.error_code, reason: data.error };
      if (e.jsep || (data && (data.videoroom === 'joined' || (data.result && data.result.status)))) return { stage: 'plugin', code: 0 };
    }
  }
  return { stage: 'plugin', code: -1, reason: 'no answer' };
})()`;
}

/** Page code: the stats the test asserts on, of window[which].pc. */
export function statsScript(which: 'rtcPlay' | 'rtcPublish'): string {
  return `(async () => {
  const stats = await window.${which}.pc.getStats();
  const out = { video: null, audio: null, outVideo: null, outAudio: null, remoteAddresses: [] };
  const byId = new Map();
  stats.forEach((s) => byId.set(s.id, s));
  stats.forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'video') out.video = { framesDecoded: s.framesDecoded || 0, packetsReceived: s.packetsReceived || 0, codec: (byId.get(s.codecId) || {}).mimeType };
    if (s.type === 'inbound-rtp' && s.kind === 'audio') out.audio = { packetsReceived: s.packetsReceived || 0, totalSamplesReceived: s.totalSamplesReceived || 0, audioLevel: s.audioLevel || 0, totalAudioEnergy: s.totalAudioEnergy || 0, codec: (byId.get(s.codecId) || {}).mimeType };
    if (s.type === 'outbound-rtp' && s.kind === 'video') out.outVideo = { framesEncoded: s.framesEncoded || 0, packetsSent: s.packetsSent || 0 };
    if (s.type === 'outbound-rtp' && s.kind === 'audio') out.outAudio = { packetsSent: s.packetsSent || 0 };
    if (s.type === 'candidate-pair' && s.state === 'succeeded') {
      const r = byId.get(s.remoteCandidateId);
      const l = byId.get(s.localCandidateId);
      out.remoteAddresses.push((r && (r.address || r.ip)) + '');
    }
  });
  return out;
})()`;
}

/** The addresses of an SDP's candidates. */
export const candidateAddresses = (sdp: string): string[] =>
  sdp
    .split(/\r?\n/)
    .filter((l) => l.startsWith('a=candidate:'))
    .map((l) => l.split(' ')[4]);
