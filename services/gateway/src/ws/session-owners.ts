// Which of this gateway's connections speaks for a session to presence. A client may come back with
// its resume token to the same gateway before the gateway has noticed its old socket go (a network
// switch): the old socket's close must then not tell presence the session dropped, as it is connected
// again on the new one; and a close already on its way must reach presence before the resume does,
// or presence would mark the resumed session dropped (the rooms would show the member dropped while
// connected, and the gateway's next keepalive would close the new connection).

export class SessionOwners<C> {
  private readonly owners = new Map<string, C>();
  private readonly closing = new Map<string, Promise<unknown>>();

  /** A connection starts resuming a session: it speaks for it from now on; resolves once a close of it under way here has been answered. */
  async takeOver(sessionId: string, conn: C): Promise<void> {
    this.owners.set(sessionId, conn);
    await this.closing.get(sessionId)?.catch(() => undefined);
  }

  /**
   * The connection's session is open (new, or resumed). A resume that took the session over already
   * speaks for it, unless a newer connection took it over since (the client gave up on this one while
   * presence was slow and came again): that one keeps it.
   */
  opened(sessionId: string, conn: C): void {
    if (!this.owners.has(sessionId)) this.owners.set(sessionId, conn);
  }

  /** A resume that did not give the connection this session (refused, or failed): it goes back to `other` (another connection here holding it), if any. */
  handBack(sessionId: string, conn: C, other: C | undefined): void {
    if (this.owners.get(sessionId) !== conn) return;
    if (other === undefined) this.owners.delete(sessionId);
    else this.owners.set(sessionId, other);
  }

  /** A connection closes: whether it should tell presence (it speaks for the session); if so it no longer does. */
  release(sessionId: string, conn: C): boolean {
    if (this.owners.get(sessionId) !== conn) return false;
    this.owners.delete(sessionId);
    return true;
  }

  /** A close on its way to presence: a resume of the session here waits for it. */
  closingWith<T>(sessionId: string, close: Promise<T>): Promise<T> {
    this.closing.set(sessionId, close);
    const done = () => {
      if (this.closing.get(sessionId) === close) this.closing.delete(sessionId);
    };
    close.then(done, done);
    return close;
  }
}
