// When an unpack stops before it hurts the disk: the expansion ratio past its floor, the free
// space reserve, and full-disk or quota write errors as one line. Pure, no disk.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EXPANSION_FLOOR_BYTES, expansionRefusal, freeSpaceRefusal } from '../../src/image/unpack-limits.js';
import { diskFullReason } from '../../src/storage/disk-space.js';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

test('expansion: any ratio below the floor, refused just past it, and the boundary is allowed', () => {
  assert.is(expansionRefusal(EXPANSION_FLOOR_BYTES, 1, 100), undefined, 'up to the floor a layer may be all zeros');
  const why = expansionRefusal(EXPANSION_FLOOR_BYTES + 1, 1, 100);
  assert.ok(why, 'one byte past the floor at 512M:1');
  assert.match(why!, /^refused: the layer unpacks to more than limits\.maxExpansionRatio \(100\) times its compressed size \(512MiB from 1B so far\), a possible decompression bomb \(raise it in the nook config/);
  assert.is(expansionRefusal(GiB, GiB / 100, 100), undefined, 'exactly the ratio');
  assert.ok(expansionRefusal(GiB, GiB / 100 - 1, 100), 'one compressed byte short of it');
  assert.is(expansionRefusal(GiB, GiB / 1000, 1000), undefined, 'a raised ratio lets it through');
});

test('expansion: the fixtures\' bomb is refused right past the floor; real layers never are', () => {
  // test/fixtures/hostile.mjs: 2 GiB of zeros in 2087332 gzip bytes, read evenly
  const bomb = (unpacked: number) => expansionRefusal(unpacked, Math.ceil((unpacked * 2087332) / (2 * GiB)), 100);
  assert.is(bomb(EXPANSION_FLOOR_BYTES), undefined);
  assert.ok(bomb(EXPANSION_FLOOR_BYTES + MiB), 'refused 1 MiB past the floor');
  // debian's base layer (the fixture): 170373120 bytes from 61108004, scaled up 100 times
  assert.is(expansionRefusal(170373120 * 100, 61108004 * 100, 100), undefined);
  // a 6.5x layer of logs at 64 GiB
  assert.is(expansionRefusal(64 * GiB, Math.ceil((64 * GiB) / 6.5), 100), undefined);
});

test('free space: refused when the layer would leave less than the reserve, naming the key', () => {
  assert.is(freeSpaceRefusal(2 * GiB, 512 * MiB, GiB), undefined);
  assert.is(freeSpaceRefusal(2 * GiB, GiB, GiB), undefined, 'exactly the reserve left');
  const before = freeSpaceRefusal(2 * GiB, GiB + 1, GiB);
  assert.is(before, "refused: the layer needs at least 1GiB and the store's file system has 2GiB free, which would leave less than limits.minFreeBytes (1GiB) (free some space, or lower limits.minFreeBytes in the nook config)");
  const during = freeSpaceRefusal(GiB - MiB, 0, GiB);
  assert.is(during, "refused: the store's file system is down to 1023MiB free, less than limits.minFreeBytes (1GiB) (free some space, or lower limits.minFreeBytes in the nook config)");
  assert.is(freeSpaceRefusal(GiB, 0, GiB), undefined, 'exactly the reserve');
});

test('a full disk and a used-up quota are one line each; other errors are not theirs', () => {
  const errno = (code: string) => Object.assign(new Error(`${code}: write`), { code });
  assert.match(diskFullReason(errno('ENOSPC'))!, /^the store's file system is full \(ENOSPC: no space or no inodes left; free some space, or move the store with XDG_DATA_HOME\)$/);
  assert.match(diskFullReason(errno('EDQUOT'))!, /^your disk quota on the store's file system is used up \(EDQUOT; /);
  assert.is(diskFullReason(errno('EIO')), undefined);
  assert.is(diskFullReason(new Error('plain')), undefined);
});

test.run();
