// New object ids are GUIDs of UUID version 7: time-ordered, with the RFC 4122 variant.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { newObjectId } from '../../src/service/ids.ts';

it('makes version-7 GUIDs that sort by creation time and do not repeat', () => {
  const ids = Array.from({ length: 2000 }, (_, i) => newObjectId(1_700_000_000_000 + i));
  for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.deepEqual([...ids].sort(), ids);
  assert.equal(new Set(ids).size, ids.length);
  assert.equal(Number.parseInt(ids[0]?.replaceAll('-', '').slice(0, 12) ?? '', 16), 1_700_000_000_000);
});
