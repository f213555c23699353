// Asking a forked child process of a micro-benchmark for something (its port, its CPU so far): sends
// `msg` (none: waits for what the child sends by itself) and resolves with the first answer carrying `key`.
import type { ChildProcess } from 'node:child_process';

export function ask<T>(child: ChildProcess, msg: string, key: string): Promise<T> {
  return new Promise((resolvePromise) => {
    const onMessage = (m: Record<string, unknown>) => {
      if (!(key in m)) return;
      child.off('message', onMessage);
      resolvePromise(m[key] as T);
    };
    child.on('message', onMessage);
    if (msg) child.send(msg);
  });
}
