/**
 * The app's pages and their addresses. Pages load on first visit, so the flow editor (React Flow,
 * dagre) and the phone-number pages (libphonenumber's metadata) do not slow down each other.
 */
import { createBrowserRouter, Navigate } from 'react-router';
import { AppShell } from './components/app-shell';
import { LoadingPanel } from './components/loading-panel';
import { NotFoundPage } from './pages/not-found-page';

/** `/sign-in` (outside the frame), `/settings` (owners), `/flows`, `/flows/:flowId`, `/numbers`, `/numbers/blocked`, `/calls` (live), `/calls/history`, `/calls/stats`, `/calls/:callId`. */
export const router = createBrowserRouter([
  { path: 'sign-in', lazy: async () => ({ Component: (await import('./pages/sign-in-page')).SignInPage }) },
  {
    element: <AppShell />,
    hydrateFallbackElement: <LoadingPanel what="Switchboard" />,
    children: [
      { index: true, element: <Navigate to="/flows" replace /> },
      { path: 'flows', lazy: async () => ({ Component: (await import('./pages/flows-page')).FlowsPage }) },
      { path: 'flows/:flowId', lazy: async () => ({ Component: (await import('./pages/flow-editor-page')).FlowEditorPage }) },
      { path: 'numbers', lazy: async () => ({ Component: (await import('./pages/phone-numbers-page')).PhoneNumbersPage }) },
      { path: 'numbers/blocked', lazy: async () => ({ Component: (await import('./pages/do-not-call-page')).DoNotCallPage }) },
      { path: 'connections', lazy: async () => ({ Component: (await import('./pages/connections-page')).ConnectionsPage }) },
      { path: 'calls', lazy: async () => ({ Component: (await import('./pages/calls-page')).CallsPage }) },
      { path: 'calls/history', lazy: async () => ({ Component: (await import('./pages/call-history-page')).CallHistoryPage }) },
      { path: 'calls/stats', lazy: async () => ({ Component: (await import('./pages/call-stats-page')).CallStatsPage }) },
      { path: 'calls/:callId', lazy: async () => ({ Component: (await import('./pages/call-page')).CallPage }) },
      { path: 'settings', lazy: async () => ({ Component: (await import('./pages/settings-page')).SettingsPage }) },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);
