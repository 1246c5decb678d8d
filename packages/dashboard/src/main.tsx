import { QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from '@tanstack/react-router';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createQueryClient } from './api/queries.js';
import { createAppRouter } from './router.js';
import './styles.css';

// A session that ends while a signed-in page is open sends you to sign in, and back.
const queryClient = createQueryClient(() => {
  if (!router.state.matches.some((m) => m.routeId === '/app')) return;
  const here = `${window.location.pathname}${window.location.search}`;
  queryClient.clear();
  void router.navigate({ to: '/sign-in', search: { redirect: here } });
});
const router = createAppRouter(queryClient);

const root = document.getElementById('root');
if (!root) throw new Error('the page has no #root element');
createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  </StrictMode>,
);
