// Microsoft's Graph client v3 batching (BatchRequestContent / BatchResponseContent) against the real server
// on loopback, beta and v1.0: the client builds the batch body and reads the answers by id itself.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BatchRequestContent, BatchResponseContent, type BatchResponseBody } from '@microsoft/microsoft-graph-client';
import { API_VERSIONS } from '../../src/graph/context.ts';
import { loopbackGraphClient } from '../helpers/graph-client-loopback.ts';
import { PKI_PATH, startTestServer, tokens, type TestServer } from '../helpers/test-server.ts';

let t: TestServer;
let writer: string;
let reader: string;
before(async () => {
  t = await startTestServer();
  writer = await t.token();
  reader = await t.token(tokens.readOnlyApp);
});
after(() => t.close());

for (const version of API_VERSIONS) {
  describe(`Graph client v3 BatchRequestContent on ${version}`, () => {
    // The client keeps the path of an absolute Request URL, version included (it strips only the host).
    const url = (path: string) => `${t.url}/${version}${path}`;

    it('creates a PKI and lists it in one serial batch, answers read by id', async () => {
      const client = loopbackGraphClient(t.url, writer, version);
      const displayName = `sdk batch ${version}`;
      const content = new BatchRequestContent([
        {
          id: 'create',
          request: new Request(url(PKI_PATH), {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ displayName }),
          }),
        },
        { id: 'list', dependsOn: ['create'], request: new Request(url(`${PKI_PATH}?$select=displayName`), { method: 'GET' }) },
      ]);
      const answer = new BatchResponseContent((await client.api('/$batch').post(await content.getContent())) as BatchResponseBody);
      const created = answer.getResponseById('create');
      assert.equal(created.status, 201);
      const pki = (await created.json()) as { id: string; displayName: string };
      assert.equal(pki.displayName, displayName);
      const list = answer.getResponseById('list');
      assert.equal(list.status, 200);
      const page = (await list.json()) as { value: { id: string }[] };
      assert.ok(page.value.some((p) => p.id === pki.id));
    });

    it('gives a request the token may not make its own 403 and the dependent 424, while a read succeeds', async () => {
      const client = loopbackGraphClient(t.url, reader, version);
      const content = new BatchRequestContent([
        { id: '1', request: new Request(url('/directory/publicKeyInfrastructure'), { method: 'GET' }) },
        {
          id: '2',
          dependsOn: ['1'],
          request: new Request(url(PKI_PATH), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ displayName: 'no' }) }),
        },
        { id: '3', dependsOn: ['2'], request: new Request(url(PKI_PATH), { method: 'GET' }) },
      ]);
      const answer = new BatchResponseContent((await client.api('/$batch').post(await content.getContent())) as BatchResponseBody);
      assert.equal(answer.getResponseById('1').status, 200);
      const refused = answer.getResponseById('2');
      assert.equal(refused.status, 403);
      assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'Authorization_RequestDenied');
      assert.equal(answer.getResponseById('3').status, 424);
    });
  });
}
