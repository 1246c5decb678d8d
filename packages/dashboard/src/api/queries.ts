import { MutationCache, QueryCache, QueryClient, queryOptions } from '@tanstack/react-query';
import { api } from './api.js';
import { ApiError } from './client.js';

/**
 * The query cache: server state lives here, never copied into component state.
 * `onSignedOut` runs when the API says the account session is gone (expired, ended
 * elsewhere), so a page never sits on NOT_SIGNED_IN errors.
 */
export function createQueryClient(onSignedOut: () => void = () => undefined): QueryClient {
  const signedOut = (error: unknown) => {
    if (error instanceof ApiError && error.code === 'NOT_SIGNED_IN') onSignedOut();
  };
  return new QueryClient({
    queryCache: new QueryCache({ onError: signedOut }),
    mutationCache: new MutationCache({ onError: signedOut }),
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        // A refusal (4xx) will not change by asking again.
        retry: (count, error) =>
          count < 2 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
        refetchOnWindowFocus: true,
      },
    },
  });
}

export const keys = {
  me: ['me'] as const,
  org: (org: string) => ['org', org] as const,
};

export const meQuery = queryOptions({ queryKey: keys.me, queryFn: api.me, staleTime: 30_000 });

export const orgQuery = (org: string) =>
  queryOptions({ queryKey: [...keys.org(org), 'info'], queryFn: () => api.getOrg(org) });

export const keysQuery = (org: string) =>
  queryOptions({ queryKey: [...keys.org(org), 'keys'], queryFn: () => api.keys(org) });

export const membersQuery = (org: string) =>
  queryOptions({ queryKey: [...keys.org(org), 'members'], queryFn: () => api.members(org) });

export const invitationsQuery = (org: string) =>
  queryOptions({
    queryKey: [...keys.org(org), 'invitations'],
    queryFn: () => api.invitations(org),
  });

export const sessionsQuery = (org: string) =>
  queryOptions({
    queryKey: [...keys.org(org), 'sessions'],
    queryFn: () => api.sessions(org, 'open'),
    refetchInterval: 3_000,
  });

export const usageQuery = (org: string, q: { from: string; to: string; key?: string }) =>
  queryOptions({ queryKey: [...keys.org(org), 'usage', q], queryFn: () => api.usage(org, q) });

export const registryQuery = (org: string) =>
  queryOptions({ queryKey: [...keys.org(org), 'registry'], queryFn: () => api.registry(org) });

/** Refetched every 5 s while the page is visible: version states follow the runtimes. */
export const modelsQuery = (org: string) =>
  queryOptions({
    queryKey: [...keys.org(org), 'models'],
    queryFn: () => api.models(org),
    refetchInterval: 5_000,
  });

export const runtimeCredentialsQuery = (org: string) =>
  queryOptions({
    queryKey: [...keys.org(org), 'runtime-credentials'],
    queryFn: () => api.runtimeCredentials(org),
    refetchInterval: 5_000,
  });

/** A model's weights versions (`model` is the name after the slash). */
export const weightsQuery = (org: string, model: string) =>
  queryOptions({
    queryKey: [...keys.org(org), 'models', model, 'weights'],
    queryFn: () => api.weights(org, model),
    refetchInterval: 5_000,
  });
