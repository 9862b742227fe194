import { Link } from 'react-router';
import { EmptyState } from '../components/empty-state';

/** Any address the app does not know. */
export function NotFoundPage() {
  return (
    <div className="page">
      <EmptyState
        title="This page does not exist"
        action={
          <Link className="button" to="/flows">
            Go to your flows
          </Link>
        }
      >
        The address may be mistyped, or what it pointed to was deleted.
      </EmptyState>
    </div>
  );
}
