// Run by kiota-https.test.ts as a child process (Node reads NODE_EXTRA_CA_CERTS, the trust the README gives
// the self-signed certificate, only at start). Microsoft's Graph beta SDK (Kiota) with the authentication
// provider real applications use, AzureIdentityAuthenticationProvider, fed by a TokenCredential that
// hands out GRAPH_PKI_TOKEN. That provider sends a token only over https and only to its allowed hosts
// (GRAPH_PKI_ALLOWED_HOSTS). Prints what it saw as one JSON object; the test asserts on it.
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { AzureIdentityAuthenticationProvider } from '@microsoft/kiota-authentication-azure';
import { createGraphBetaServiceClient, GraphBetaRequestAdapter } from '@microsoft/msgraph-beta-sdk';
import '@microsoft/msgraph-beta-sdk-directory';

const baseUrl = process.env.GRAPH_PKI_URL ?? '';
const token = process.env.GRAPH_PKI_TOKEN ?? '';
const allowedHosts = new Set((process.env.GRAPH_PKI_ALLOWED_HOSTS ?? '').split(',').filter(Boolean));

let tokenRequests = 0;
const credential: TokenCredential = {
  async getToken(): Promise<AccessToken> {
    tokenRequests += 1;
    return { token, expiresOnTimestamp: Date.now() + 3_600_000 };
  },
};

/** What a rejected SDK call carried: the ODataError's status and code, or the thrown message. */
async function failure(action: () => Promise<unknown>): Promise<Record<string, unknown> | 'no error'> {
  try {
    await action();
    return 'no error';
  } catch (error) {
    const e = error as { responseStatusCode?: number; errorEscaped?: { code?: string }; message?: string };
    return { status: e.responseStatusCode, code: e.errorEscaped?.code, message: String(e.message ?? error) };
  }
}

const adapter = new GraphBetaRequestAdapter(new AzureIdentityAuthenticationProvider(credential, ['https://graph.microsoft.com/.default'], undefined, allowedHosts));
adapter.baseUrl = `${baseUrl}/beta`;
const client = createGraphBetaServiceClient(adapter);
const pkis = client.directory.publicKeyInfrastructure.certificateBasedAuthConfigurations;

const report: Record<string, unknown> = {};
if (process.argv[2] === 'refused') {
  report.list = await failure(() => pkis.get());
} else {
  const created = await pkis.post({ displayName: 'Kiota over HTTPS' });
  const id = created?.id ?? '';
  report.created = { id, displayName: created?.displayName, status: created?.status };
  report.read = (await pkis.byCertificateBasedAuthPkiId(id).get())?.displayName;
  report.patched = (await pkis.byCertificateBasedAuthPkiId(id).patch({ displayName: 'Renamed over HTTPS' }))?.displayName;
  report.count = (await pkis.get())?.value?.length;
  await pkis.byCertificateBasedAuthPkiId(id).delete();
  report.afterDelete = await failure(() => pkis.byCertificateBasedAuthPkiId(id).get());
}
report.tokenRequests = tokenRequests;
process.stdout.write(`${JSON.stringify(report)}\n`);
