/** The workspace's Telnyx account: credentials (write-only), numbers, SIP connections. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { TelnyxConnectionTest, TelnyxCredentialStatus, TelnyxNumber, TelnyxSipConnection } from '../../../lib/contracts/api-responses';
import { apiRequest } from './client';
import { queryKeys } from './query-keys';

export function useTelnyxCredentials() {
  return useQuery({ queryKey: queryKeys.telnyxCredentials, queryFn: () => apiRequest<TelnyxCredentialStatus>('GET', '/api/telnyx/credentials') });
}

export function useSaveTelnyxCredentials() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (changes: { apiKey?: string | null; publicKey?: string | null }) => apiRequest<TelnyxCredentialStatus>('PUT', '/api/telnyx/credentials', changes),
    onSuccess: (status) => {
      queryClient.setQueryData(queryKeys.telnyxCredentials, status);
      void queryClient.invalidateQueries({ queryKey: queryKeys.telnyxAccount });
    },
  });
}

/** Numbers and SIP connections of the account; only asked for once an API key is set. */
export function useTelnyxAccount(enabled: boolean) {
  return useQuery({
    queryKey: queryKeys.telnyxAccount,
    enabled,
    retry: false,
    queryFn: async () => {
      const [numbers, connections] = await Promise.all([
        apiRequest<TelnyxNumber[]>('GET', '/api/telnyx/numbers'),
        apiRequest<TelnyxSipConnection[]>('GET', '/api/telnyx/connections'),
      ]);
      return { numbers, connections };
    },
  });
}

export function testTelnyxConnection(): Promise<TelnyxConnectionTest> {
  return apiRequest<TelnyxConnectionTest>('POST', '/api/telnyx/test-connection');
}
