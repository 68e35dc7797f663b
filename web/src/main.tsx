// The portal's shell: the header with its navigation and sign-in, and the page of the path.
// Pages are loaded on first visit (each its own small file); all data comes from the hub's API.
import { render, type ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { getJson, postJson, type PortalSession } from './api.js';
import type { PageProps } from './page.js';
import { navigate, onLinkClick, useLocation } from './router.js';
import { Notice, useLoad } from './ui.js';
import './styles.css';

type PageModule = { default: ComponentType<PageProps> };
const PAGES: { path: RegExp; title: string; nav?: string; load: () => Promise<PageModule> }[] = [
  {
    path: /^\/portal\/accounting$/,
    title: 'Accounting',
    nav: '/portal/accounting',
    load: () => import('./pages/accounting.js'),
  },
  { path: /^\/portal\/sites\/(?<name>[^/]+)$/, title: 'Site', load: () => import('./pages/site.js') },
  { path: /^\/portal\/sites$/, title: 'Sites', nav: '/portal/sites', load: () => import('./pages/sites.js') },
  {
    path: /^\/portal\/images$/,
    title: 'Images',
    nav: '/portal/images',
    load: () => import('./pages/images.js'),
  },
  {
    path: /^\/portal\/flavors$/,
    title: 'Flavors and GPUs',
    nav: '/portal/flavors',
    load: () => import('./pages/flavors.js'),
  },
  { path: /^\/portal\/vms$/, title: 'My VMs', nav: '/portal/vms', load: () => import('./pages/vms.js') },
];

function pageOf(path: string) {
  const target = path === '/' || path === '/portal' ? '/portal/accounting' : path;
  for (const p of PAGES) {
    const m = p.path.exec(target);
    if (m)
      return {
        page: p,
        params: Object.fromEntries(
          Object.entries(m.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]),
        ),
      };
  }
  return undefined;
}

function SignIn(props: { session: PortalSession | undefined }) {
  const { session } = props;
  const [error, setError] = useState('');
  if (!session) return null;
  if (session.signed_in && session.user)
    return (
      <div class="who">
        <span title={session.user.sub}>{session.user.name ?? session.user.email ?? session.user.sub}</span>
        <button
          type="button"
          onClick={() =>
            postJson('/portal/logout').then(
              () => location.assign('/portal/vms'),
              (e: Error) => setError(e.message),
            )
          }
        >
          Sign out
        </button>
        {error ? <span role="alert">{error}</span> : null}
      </div>
    );
  if (!session.can_sign_in) return null;
  return (
    <div class="who">
      <a
        class="button"
        href={`/portal/login?return_to=${encodeURIComponent(location.pathname + location.search)}`}
      >
        Sign in
      </a>
    </div>
  );
}

function App() {
  const { path, query } = useLocation();
  const [session] = useLoad(() => getJson<PortalSession>('/v1/portal/session'), 'session');
  const found = pageOf(path);
  const [module, setModule] = useState<{ path: RegExp; component: ComponentType<PageProps> } | undefined>();
  const [loadError, setLoadError] = useState('');
  useEffect(() => {
    if (!found || module?.path === found.page.path) return;
    found.page.load().then(
      (m) => setModule({ path: found.page.path, component: m.default }),
      (e: Error) => setLoadError(`this page could not be loaded (${e.message}); reload to try again`),
    );
  }, [found?.page.path]);
  useEffect(() => {
    if (path === '/' || path === '/portal') navigate('/portal/accounting' + location.search, true);
  }, [path]);
  const s = session.state === 'ok' ? session.value : undefined;
  const Page = found && module?.path === found.page.path ? module.component : undefined;
  return (
    <>
      <a class="skip" href="#main">
        Skip to the page
      </a>
      <header>
        <a class="brand" href="/portal/accounting">
          Fedstack
        </a>
        <nav aria-label="Portal">
          <ul>
            {PAGES.filter((p) => p.nav).map((p) => (
              <li key={p.nav}>
                <a
                  href={p.nav}
                  aria-current={
                    path === p.nav || (p.nav === '/portal/sites' && path.startsWith('/portal/sites/'))
                      ? 'page'
                      : undefined
                  }
                >
                  {p.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <SignIn session={s} />
      </header>
      <main id="main" tabIndex={-1}>
        {!found ? (
          <Notice kind="error">
            <h1>No such page</h1>
            <p>
              {path} is not a page of the portal. Try <a href="/portal/accounting">Accounting</a>.
            </p>
          </Notice>
        ) : loadError ? (
          <Notice kind="error">{loadError}</Notice>
        ) : Page ? (
          <Page query={query} path={path} session={s} params={found.params} />
        ) : (
          <p class="loading" role="status">
            Loading…
          </p>
        )}
      </main>
      <footer>
        Data from this hub’s REST API (<a href="/openapi.json">/openapi.json</a>).
      </footer>
    </>
  );
}

document.addEventListener('click', onLinkClick);
const root = document.getElementById('app')!;
root.textContent = ''; // the loading line of index.html
render(<App />, root);
