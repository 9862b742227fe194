/**
 * The app's pages and their addresses. Pages load on first visit, so the flow editor (React Flow,
 * dagre) and the phone-number pages (libphonenumber's metadata) do not slow down each other.
 */
import { createBrowserRouter, Navigate } from 'react-router';
import { AppShell } from './components/app-shell';
import { LoadingPanel } from './components/loading-panel';
import { NotFoundPage } from './pages/not-found-page';

/** `/flows`, `/flows/:flowId`, `/numbers`, `/calls` (live), `/calls/history`, `/calls/stats`, `/calls/:callId`. */
export const router = createBrowserRouter([
  {
    element: <AppShell />,
    hydrateFallbackElement: <LoadingPanel what="Switchboard" />,
    children: [
      { index: true, element: <Navigate to="/flows" replace /> },
      { path: 'flows', lazy: async () => ({ Component: (await import('./pages/flows-page')).FlowsPage }) },
      { path: 'flows/:flowId', lazy: async () => ({ Component: (await import('./pages/flow-editor-page')).FlowEditorPage }) },
      { path: 'numbers', lazy: async () => ({ Component: (await import('./pages/phone-numbers-page')).PhoneNumbersPage }) },
      { path: 'connections', lazy: async () => ({ Component: (await import('./pages/connections-page')).ConnectionsPage }) },
      { path: 'calls', lazy: async () => ({ Component: (await import('./pages/calls-page')).CallsPage }) },
      { path: 'calls/history', lazy: async () => ({ Component: (await import('./pages/call-history-page')).CallHistoryPage }) },
      { path: 'calls/stats', lazy: async () => ({ Component: (await import('./pages/call-stats-page')).CallStatsPage }) },
      { path: 'calls/:callId', lazy: async () => ({ Component: (await import('./pages/call-page')).CallPage }) },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);
