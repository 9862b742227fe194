/** Signing in, the signed-in user, and the owner's Settings (members, API keys, credentials, audit log). */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApiKey, AuditLogPage, CreatedApiKey, Credential, Role, Session, User } from '../../../lib/contracts/api-responses';
import { apiRequest } from './client';

export type { ApiKey, AuditEntry, Credential, Role, Session, User } from '../../../lib/contracts/api-responses';

export const sessionKey = ['session'] as const;
const membersKey = ['members'] as const;
const apiKeysKey = ['api-keys'] as const;
const credentialsKey = ['credentials'] as const;
const auditKey = ['audit-log'] as const;

/** Refreshes a list and the audit log, which every owner action writes to. */
const invalidate = (queryClient: ReturnType<typeof useQueryClient>, key: readonly string[]) =>
  Promise.all([queryClient.invalidateQueries({ queryKey: key }), queryClient.invalidateQueries({ queryKey: auditKey })]);

export const signedOut: Session = { setupRequired: false, user: null };

export function useSession() {
  return useQuery({ queryKey: sessionKey, queryFn: () => apiRequest<Session>('GET', '/api/auth/session'), staleTime: 60_000 });
}

/** The signed-in user's role (viewer until known). */
export function useRole(): Role {
  return useSession().data?.user?.role ?? 'viewer';
}

export const canEdit = (role: Role) => role !== 'viewer';

/**
 * Drops everything cached for the previous user but the session itself (mounted pages keep
 * observing that query object, so it is updated in place rather than removed).
 */
function switchUser(queryClient: ReturnType<typeof useQueryClient>, session: Session) {
  queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== sessionKey[0] });
  queryClient.setQueryData(sessionKey, session);
}

export function useSignIn(kind: 'sign-in' | 'setup') {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { email: string; password: string; name?: string }) => apiRequest<Session>('POST', `/api/auth/${kind}`, input),
    onSuccess: (session) => switchUser(queryClient, session),
  });
}

export function useSignOut() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => apiRequest<void>('POST', '/api/auth/sign-out'),
    onSettled: () => switchUser(queryClient, signedOut),
  });
}

export function useMembers() {
  return useQuery({ queryKey: membersKey, queryFn: () => apiRequest<User[]>('GET', '/api/members') });
}

export function useAddMember() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { email: string; name: string; password: string; role: Role }) => apiRequest<User>('POST', '/api/members', input),
    onSuccess: () => invalidate(queryClient, membersKey),
  });
}

export function useChangeRole() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, role }: { id: string; role: Role }) => apiRequest<User>('PATCH', `/api/members/${encodeURIComponent(id)}`, { role }),
    onSettled: () => invalidate(queryClient, membersKey),
  });
}

export function useRemoveMember() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => apiRequest<void>('DELETE', `/api/members/${encodeURIComponent(id)}`),
    onSettled: () => invalidate(queryClient, membersKey),
  });
}

export function useApiKeys() {
  return useQuery({ queryKey: apiKeysKey, queryFn: () => apiRequest<ApiKey[]>('GET', '/api/api-keys') });
}

export function useCreateApiKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { name: string; role: Role }) => apiRequest<CreatedApiKey>('POST', '/api/api-keys', input),
    onSuccess: () => invalidate(queryClient, apiKeysKey),
  });
}

export function useRevokeApiKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => apiRequest<ApiKey>('DELETE', `/api/api-keys/${encodeURIComponent(id)}`),
    onSettled: () => invalidate(queryClient, apiKeysKey),
  });
}

export function useCredentials() {
  return useQuery({ queryKey: credentialsKey, queryFn: () => apiRequest<Credential[]>('GET', '/api/credentials') });
}

export function useSaveCredential() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ provider, secret }: { provider: Credential['provider']; secret: string }) => apiRequest<Credential>('PUT', `/api/credentials/${provider}`, { secret }),
    onSettled: () => invalidate(queryClient, credentialsKey),
  });
}

export function useDeleteCredential() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (provider: Credential['provider']) => apiRequest<void>('DELETE', `/api/credentials/${provider}`),
    onSettled: () => invalidate(queryClient, credentialsKey),
  });
}

export function useAuditLog() {
  return useQuery({ queryKey: auditKey, queryFn: () => apiRequest<AuditLogPage>('GET', '/api/audit-log?limit=200') });
}
