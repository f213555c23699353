import { createHash } from 'node:crypto';
import { recordingLinkSecret, recordingUrlSigner, signRecordingUrl } from './recording-url';

const now = new Date('2026-12-06T00:00:00Z');
const secret = recordingLinkSecret('a-signing-key-of-32-characters!!');

describe('recording URLs', () => {
  it("signs as nginx's secure_link_md5 checks: expiry, decoded path, viewer as in the query, then the secret", () => {
    const url = new URL(signRecordingUrl('https://media.example/recordings/s_ab-1700000000.mp4', secret, 'agent@bank.cn', now, 600));
    const exp = String(Math.floor(now.getTime() / 1000) + 600);
    expect(Object.fromEntries(url.searchParams)).toEqual({ viewer: 'agent@bank.cn', exp, sig: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) });
    expect(url.search).toContain('viewer=agent%40bank.cn&');
    const expected = createHash('md5').update(`${exp}/recordings/s_ab-1700000000.mp4agent%40bank.cn ${secret}`).digest('base64url');
    expect(url.searchParams.get('sig')).toBe(expected);
  });

  it('binds the signature to the viewer and the file', () => {
    const sig = (file: string, viewer: string) => new URL(signRecordingUrl(`https://m.example/recordings/${file}`, secret, viewer, now, 600)).searchParams.get('sig');
    expect(sig('a-1.mp4', 'ann')).not.toBe(sig('a-1.mp4', 'bob'));
    expect(sig('a-1.mp4', 'ann')).not.toBe(sig('a-2.mp4', 'ann'));
  });

  it('never puts the signing key itself in what nginx is given', () => {
    expect(secret).not.toContain('a-signing-key');
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
  });

  it("signs self-hosted recordings only; Tencent's VOD urls and empty ones stay as they are", () => {
    const sign = recordingUrlSigner({ kind: 'self-hosted', signingKey: 'k'.repeat(32), playTtlSeconds: 60 } as never)!;
    expect(sign({ server: 'nginx-rtmp', url: 'http://m/recordings/x.mp4' }, 'ann', now)).toMatch(/^http:\/\/m\/recordings\/x\.mp4\?viewer=ann&exp=\d+&sig=/);
    expect(sign({ server: 'tencent', url: 'https://vod.example/1.mp4' }, 'ann', now)).toBe('https://vod.example/1.mp4');
    expect(sign({ server: 'nginx-rtmp', url: '' }, 'ann', now)).toBe('');
    expect(recordingUrlSigner({ kind: 'tencent' } as never)).toBeUndefined();
  });
});
