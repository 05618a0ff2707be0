import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { token } from './api';
import { href } from './format';
import { MeshPage } from './mesh-view';
import { PlacementPage } from './placement-view';
import { RolloutPage } from './rollout-view';
import { ServicePage } from './service-view';
import type { LoginSettings } from './sign-in';
import { completeSignIn, loadLoginSettings, startSignIn } from './sign-in-flow';
import './style.css';

type Route = { view: 'mesh' } | { view: 'service'; name: string } | { view: 'rollout'; name: string; id: string } | { view: 'placement'; run?: string };

/** Hash routes, so the server serves one page: #/mesh, #/services/NAME, #/services/NAME/deployments/ID, #/placement[/runs/ID]. */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'services' && parts[1] && parts[2] === 'deployments' && parts[3]) return { view: 'rollout', name: parts[1], id: parts[3] };
  if (parts[0] === 'services' && parts[1]) return { view: 'service', name: parts[1] };
  if (parts[0] === 'placement') return parts[1] === 'runs' && parts[2] ? { view: 'placement', run: parts[2] } : { view: 'placement' };
  return { view: 'mesh' };
}

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

function TokenField() {
  const [value, setValue] = useState(token.get() ?? '');
  return (
    <details class="token">
      <summary>API token</summary>
      <input
        type="password"
        placeholder="JWT (deployed API with a JWT authorizer)"
        value={value}
        onChange={(e) => {
          const v = (e.target as HTMLInputElement).value.trim();
          setValue(v);
          token.set(v);
        }}
      />
    </details>
  );
}

/**
 * Where the stack configured sign-in (`config.json`): finishes a sign-in the page came back from, then
 * offers to sign in or out; `onToken` tells the views to read again. Elsewhere: the token field.
 */
function SignIn({ onToken }: { onToken: () => void }) {
  const [login, setLogin] = useState<LoginSettings | null | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [signedIn, setSignedIn] = useState(Boolean(token.get()));
  useEffect(() => {
    void (async () => {
      const settings = await loadLoginSettings();
      setLogin(settings ?? null);
      if (!settings) return;
      try {
        const accessToken = await completeSignIn(settings);
        if (!accessToken) return;
        token.set(accessToken);
        setSignedIn(true);
        onToken();
      } catch (err) {
        setError((err as Error).message);
      }
    })();
  }, []);
  if (login === undefined) return null;
  if (login === null) return <TokenField />;
  return (
    <span class="sign-in">
      {error && <span class="error">{error} </span>}
      {signedIn ? (
        <button
          onClick={() => {
            token.set('');
            setSignedIn(false);
            onToken();
          }}
        >
          Sign out
        </button>
      ) : (
        <button onClick={() => void startSignIn(login).catch((err: unknown) => setError((err as Error).message))}>Sign in</button>
      )}
    </span>
  );
}

function App() {
  const route = useRoute();
  // Bumped when the token changes: the views mount again and read with it.
  const [session, setSession] = useState(0);
  const nav = (view: Route['view'], to: string, label: string) => (
    <a href={to} class={route.view === view ? 'active' : ''}>
      {label}
    </a>
  );
  return (
    <>
      <header>
        <b class="brand">meshplane</b>
        <nav>
          {nav('mesh', href.mesh(), 'Mesh')}
          {nav('placement', href.placement(), 'Placement')}
        </nav>
        <span class="live muted" title="live updates">
          ●
        </span>
        <SignIn onToken={() => setSession((n) => n + 1)} />
      </header>
      <main key={session}>
        {route.view === 'mesh' && <MeshPage />}
        {route.view === 'service' && <ServicePage key={route.name} name={route.name} />}
        {route.view === 'rollout' && <RolloutPage key={`${route.name}/${route.id}`} name={route.name} id={route.id} />}
        {route.view === 'placement' && <PlacementPage run={route.run} />}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
