import { MemberTokens, TokenStore } from './member-tokens';

/** Janus's token list, as the admin API keeps it. */
function fakeJanus(): TokenStore & { tokens: Set<string>; calls: string[] } {
  const tokens = new Set<string>();
  const calls: string[] = [];
  return {
    tokens,
    calls,
    async addToken(token) {
      calls.push('add');
      await new Promise((r) => setTimeout(r, 5));
      tokens.add(token);
    },
    async removeToken(token) {
      calls.push('remove');
      tokens.delete(token);
    },
  };
}

describe('MemberTokens', () => {
  it('gives a member one token per room, added with its first use and removed with its last', async () => {
    const janus = fakeJanus();
    const tokens = new MemberTokens(() => janus);
    const [a, b] = await Promise.all([tokens.acquire('r1', 'ann', 'ingress:s1'), tokens.acquire('r1', 'ann', 'egress')]);
    expect(a).toBe(b);
    expect(janus.calls).toEqual(['add']);
    expect([...janus.tokens]).toEqual([a]);
    await tokens.release('r1', 'ann', 'ingress:s1');
    expect(janus.tokens.has(a)).toBe(true);
    await tokens.release('r1', 'ann', 'egress');
    expect(janus.tokens.has(a)).toBe(false);
    expect(tokens.size).toBe(0);
  });

  it('gives the same member another token in another room, and other members their own', async () => {
    const janus = fakeJanus();
    const tokens = new MemberTokens(() => janus);
    const inR1 = await tokens.acquire('r1', 'ann', 'egress');
    const inR2 = await tokens.acquire('r2', 'ann', 'egress');
    const bob = await tokens.acquire('r1', 'bob', 'egress');
    expect(new Set([inR1, inR2, bob]).size).toBe(3);
    expect(inR1).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it('releasing what was never acquired changes nothing', async () => {
    const janus = fakeJanus();
    const tokens = new MemberTokens(() => janus);
    await tokens.release('r1', 'ann', 'egress');
    expect(janus.calls).toEqual([]);
  });
});
