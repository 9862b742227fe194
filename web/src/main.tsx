import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from 'react-router';
import '@xyflow/react/dist/style.css';
import './styles.css';
import { isTransient } from './api/client';
import { router } from './router';
import { ToastProvider } from './components/toast-provider';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // Only failures that may pass are retried; a 404 or 400 is shown at once.
      retry: (failures, error) => failures < 2 && isTransient(error),
      staleTime: 5000,
    },
  },
});

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <ToastProvider>
        <RouterProvider router={router} />
      </ToastProvider>
    </QueryClientProvider>
  </StrictMode>,
);
