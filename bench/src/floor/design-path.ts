// The design floor's hub end (hub.ts, DesignPath): the store's gRPC stream for the changes, and one NATS
// subscription per room for the events, confirmed by a flush before the room's first change goes out.
import { connect } from 'nats';
import type { DesignPath } from './hub';
import { roomSubject, StoreClient } from './store';

export interface DesignConnection {
  path: DesignPath;
  close(): Promise<void>;
}

export async function connectDesignPath(o: { storeAddress: string; natsUrl: string; prefix: string }): Promise<DesignConnection> {
  const store = new StoreClient(o.storeAddress);
  await store.ready(30_000);
  const nats = await connect({ servers: o.natsUrl, name: 'floor-hub' });
  return {
    path: {
      write: (w) => store.write(w),
      async listen(roomId, onEvent) {
        const sub = nats.subscribe(roomSubject(o.prefix, roomId), { callback: (err, msg) => err || onEvent(msg.string()) });
        await nats.flush();
        return () => sub.unsubscribe();
      },
    },
    async close() {
      store.close();
      await nats.close();
    },
  };
}
