// `nook load`: an archive (docker-archive or OCI layout, plain or gzip, from a file or stdin)
// into the store. The archive is spooled into the store's tmp dir first (its manifest may come
// last, and a stream cannot be read twice); every image in it is checked before any layer is
// unpacked; the spool is removed whatever happens.
import { closeSync, rmSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { withStoreLock } from '../leftovers.js';
import type { ImageRecord } from '../../storage/image-index.js';
import type { StoreLayout } from '../../storage/layout.js';
import { LAYER_LOCK_TIMEOUT_MS } from '../layer-store.js';
import type { PullSettings } from '../pull.js';
import type { PullProgress } from '../pull-progress.js';
import { spoolArchive } from './archive-reader.js';
import { archivedImages } from './archive-images.js';
import { storeLocalImage } from './store-images.js';
import { storeTempDir } from '../../storage/atomic.js';

export async function loadArchive(s: StoreLayout, input: Readable, ctx: {
  limits: PullSettings['limits']; progress: PullProgress; note: (line: string) => void;
}): Promise<Array<{ image: ImageRecord; tags: string[] }>> {
  const spool = storeTempDir(s, 'load');
  try {
    return await withStoreLock(s, async () => {
      const images = archivedImages(await spoolArchive(input, spool.path));
      const loaded: Array<{ image: ImageRecord; tags: string[] }> = [];
      for (const img of images) loaded.push({ image: await storeLocalImage(s, img, ctx), tags: img.tags });
      return loaded;
    }, { shared: true, timeoutMs: LAYER_LOCK_TIMEOUT_MS });
  } finally {
    rmSync(spool.path, { recursive: true, force: true });
    closeSync(spool.fd);
  }
}
