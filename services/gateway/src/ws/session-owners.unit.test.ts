import { SessionOwners } from './session-owners';

describe('SessionOwners', () => {
  it('a connection that resumed the session here speaks for it: the old one, closing after, tells presence nothing', () => {
    const owners = new SessionOwners<string>();
    owners.opened('s1', 'old');
    void owners.takeOver('s1', 'new');
    expect(owners.release('s1', 'old')).toBe(false);
    expect(owners.release('s1', 'new')).toBe(true);
    expect(owners.release('s1', 'new')).toBe(false); // released once
  });

  it('a resume that ends after a newer connection took the session over does not take it back', () => {
    const owners = new SessionOwners<string>();
    void owners.takeOver('s1', 'slow'); // its resume waits on presence; the client gives up on it
    void owners.takeOver('s1', 'again');
    owners.opened('s1', 'slow');
    expect(owners.release('s1', 'slow')).toBe(false); // closed: it tells presence nothing
    owners.opened('s1', 'again');
    expect(owners.release('s1', 'again')).toBe(true);
  });

  it('a resume waits for a close of the session under way here, so presence hears the close first', async () => {
    const owners = new SessionOwners<string>();
    owners.opened('s1', 'old');
    expect(owners.release('s1', 'old')).toBe(true);
    let answer!: () => void;
    const order: string[] = [];
    void owners.closingWith('s1', new Promise<void>((r) => (answer = r)).then(() => void order.push('close answered')));
    const resumed = owners.takeOver('s1', 'new').then(() => void order.push('resume may go'));
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([]);
    answer();
    await resumed;
    expect(order).toEqual(['close answered', 'resume may go']);
    // A failed close does not hold a resume either.
    void owners.closingWith('s2', Promise.reject(new Error('presence away'))).catch(() => undefined);
    await expect(owners.takeOver('s2', 'x')).resolves.toBeUndefined();
  });

  it('a resume that did not take the session hands it back to the connection still holding it, or to none', () => {
    const owners = new SessionOwners<string>();
    owners.opened('s1', 'old');
    void owners.takeOver('s1', 'new');
    owners.handBack('s1', 'new', 'old');
    expect(owners.release('s1', 'old')).toBe(true);
    void owners.takeOver('s2', 'new');
    owners.handBack('s2', 'new', undefined);
    expect(owners.release('s2', 'new')).toBe(false);
  });
});
