// My VMs (after sign-in): the user's VMs at every site of their VOs (a site that fails is named,
// the others still listed), launching one (VO → image → flavor → site, or the matchmaking's
// choice), stopping, starting and deleting, and the address to ssh to.
import { useEffect, useState } from 'preact/hooks';
import {
  ApiError,
  deleteJson,
  getJson,
  postJson,
  type Flavor,
  type PortalSession,
  type ServerRow,
  type ServersAnswer,
  type SiteImage,
} from '../api.js';
import type { PageProps } from '../page.js';
import { LoadError, Notice, Show, Status, useLoad, useTitle, when, Table } from '../ui.js';

const TRANSITIONAL = /^(BUILD|REBOOT|HARD_REBOOT|RESIZE|MIGRATING|DELETING|stopping|starting)$/i;
const serverPath = (s: ServerRow) =>
  `/v1/portal/servers/${encodeURIComponent(s.site)}/${encodeURIComponent(s.vo)}/${encodeURIComponent(s.id)}`;

function SignedOut(props: { session: PortalSession; error: string | null }) {
  return (
    <>
      {props.error && (
        <Notice kind="error">
          <p>
            <strong>Sign-in failed:</strong> {props.error}
          </p>
        </Notice>
      )}
      {props.session.can_sign_in ? (
        <Notice kind="info">
          <p>Sign in to see your VMs at every site of your VOs, and to launch new ones.</p>
          <p>
            <a class="button" href="/portal/login?return_to=%2Fportal%2Fvms">
              Sign in
            </a>
          </p>
        </Notice>
      ) : (
        <Notice kind="info">
          This hub has no sign-in configured, so VMs cannot be listed or launched here.
        </Notice>
      )}
    </>
  );
}

function Launch(props: { session: PortalSession; onLaunched: (message: string) => void }) {
  const vos = props.session.user!.vos.filter((v) => v.can_launch);
  const [vo, setVo] = useState(vos[0]?.vo ?? '');
  const [image, setImage] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [offers] = useLoad(async () => {
    if (!vo) return { images: [] as SiteImage[], flavors: [] as Flavor[] };
    const [images, flavors] = await Promise.all([
      getJson<SiteImage[]>('/v1/images', { vo_name: vo, only_egi_images: false }),
      getJson<Flavor[]>('/v1/flavors', { vo }),
    ]);
    return { images, flavors };
  }, vo);
  if (vos.length === 0)
    return (
      <Notice kind="info">None of your VOs lets you launch VMs (you lack their cloud entitlement).</Notice>
    );
  const o = offers.state === 'ok' ? offers.value : { images: [], flavors: [] };
  const imageNames = [...new Set(o.images.map((i) => i.name))].sort();
  const sitesOf = (name: string) => [
    ...new Set(o.images.filter((i) => i.name === name).map((i) => i.endpoint)),
  ];
  const onSubmit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const text = (k: string) => String(form.get(k) ?? '').trim();
    setBusy(true);
    setError(null);
    try {
      const body = {
        vo: text('vo'),
        image: text('image'),
        site: text('site') || 'auto',
        ...(text('flavor') ? { flavor: text('flavor') } : {}),
        ...(text('name') ? { name: text('name') } : {}),
        ...(text('public_key') ? { public_key: text('public_key') } : {}),
      };
      const { server, why } = await postJson<{ server: ServerRow; why: string }>('/v1/portal/servers', body);
      props.onLaunched(`Launched ${server.name} at ${server.site} (${why}).`);
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(String(e), 0, 'PAGE'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="launch" onSubmit={onSubmit} aria-labelledby="h-launch">
      <h2 id="h-launch">Launch a VM</h2>
      <label>
        VO
        <select name="vo" value={vo} onChange={(e) => setVo(e.currentTarget.value)}>
          {vos.map((v) => (
            <option key={v.vo} value={v.vo}>
              {v.vo}
            </option>
          ))}
        </select>
      </label>
      <label>
        Image
        <select name="image" required value={image} onChange={(e) => setImage(e.currentTarget.value)}>
          <option value="">{offers.state === 'loading' ? 'loading…' : 'choose an image'}</option>
          {imageNames.map((n) => (
            <option key={n} value={n}>
              {n} ({sitesOf(n).length} site{sitesOf(n).length === 1 ? '' : 's'})
            </option>
          ))}
        </select>
      </label>
      <label>
        Flavor
        <select name="flavor">
          <option value="">the smallest that fits</option>
          {[...new Set(o.flavors.map((f) => f.name))].sort().map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </label>
      <label>
        Site
        <select name="site">
          <option value="auto">automatic (where the image and flavor are)</option>
          {[...new Set(o.flavors.map((f) => f.site))].sort().map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <label>
        Name <input name="name" pattern="[A-Za-z0-9][A-Za-z0-9._\-]{0,62}" placeholder="generated" />
      </label>
      <label class="wide">
        SSH public key <textarea name="public_key" rows={2} placeholder="ssh-ed25519 AAAA… (optional)" />
      </label>
      {offers.state === 'error' && <LoadError error={offers.error} what="the VO’s images and flavors" />}
      {error && <LoadError error={error} what="the VM launched" />}
      <button type="submit" disabled={busy}>
        {busy ? 'Launching…' : 'Launch'}
      </button>
    </form>
  );
}

function Servers(props: { answer: ServersAnswer; reload: () => void; say: (m: string) => void }) {
  const [pending, setPending] = useState<Record<string, string>>({});
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const act = async (s: ServerRow, what: 'start' | 'stop' | 'delete') => {
    setPending((p) => ({
      ...p,
      [s.id]: what === 'delete' ? 'deleting' : what === 'stop' ? 'stopping' : 'starting',
    }));
    setError(null);
    try {
      if (what === 'delete') await deleteJson(serverPath(s));
      else await postJson(`${serverPath(s)}/${what}`);
      props.say(
        `${what === 'delete' ? 'Deleting' : what === 'stop' ? 'Stopping' : 'Starting'} ${s.name} at ${s.site}.`,
      );
      props.reload();
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(String(e), 0, 'PAGE'));
      setPending((p) => ({ ...p, [s.id]: '' }));
    }
  };
  const { servers, errors } = props.answer;
  return (
    <>
      {errors.length > 0 && (
        <Notice kind="warning">
          <p>These sites could not list your VMs; the others are shown:</p>
          <ul>
            {errors.map((e) => (
              <li key={e.site}>{e.error}</li>
            ))}
          </ul>
        </Notice>
      )}
      {error && <LoadError error={error} what="the change" />}
      {servers.length === 0 ? (
        <p>You have no VMs at the {props.answer.sites.length} sites of your VOs.</p>
      ) : (
        <Table
          label="Your VMs"
          head={['Name', 'Site', 'VO', 'Status', 'Flavor', 'SSH to', 'Created', 'Actions']}
          caption={<>{servers.length} VMs</>}
        >
          {servers.map((s) => (
            <tr key={s.site + s.id} data-server={s.id}>
              <th scope="row">{s.name}</th>
              <td>{s.site}</td>
              <td>{s.vo}</td>
              <td>
                <Status value={pending[s.id] || s.status} />
              </td>
              <td>{s.flavor}</td>
              <td>
                {s.ssh_address ? <code>{s.ssh_address}</code> : <span class="sub">no address yet</span>}
              </td>
              <td>{when(s.created)}</td>
              <td class="row-actions">
                {s.status === 'SHUTOFF' && (
                  <button type="button" onClick={() => act(s, 'start')} aria-label={`Start ${s.name}`}>
                    Start
                  </button>
                )}
                {s.status === 'ACTIVE' && (
                  <button type="button" onClick={() => act(s, 'stop')} aria-label={`Stop ${s.name}`}>
                    Stop
                  </button>
                )}
                {confirm === s.id ? (
                  <button
                    type="button"
                    class="danger"
                    onClick={() => act(s, 'delete')}
                    aria-label={`Confirm deleting ${s.name}`}
                  >
                    Confirm delete
                  </button>
                ) : (
                  <button type="button" onClick={() => setConfirm(s.id)} aria-label={`Delete ${s.name}`}>
                    Delete
                  </button>
                )}
              </td>
            </tr>
          ))}
        </Table>
      )}
    </>
  );
}

export default function VmsPage(props: PageProps) {
  useTitle('My VMs');
  const session = props.session;
  const signedIn = session?.signed_in === true;
  const [message, setMessage] = useState('');
  const [list, reload] = useLoad(
    () => (signedIn ? getJson<ServersAnswer>('/v1/portal/servers') : Promise.resolve(undefined)),
    `servers ${signedIn}`,
  );
  // while a VM is on its way somewhere, look again every 5 s
  const isMoving =
    list.state === 'ok' &&
    list.value !== undefined &&
    list.value.servers.some((s) => TRANSITIONAL.test(s.status));
  useEffect(() => {
    if (!isMoving) return;
    const t = setTimeout(reload, 5000);
    return () => clearTimeout(t);
  }, [isMoving, list]);
  return (
    <>
      <h1>My VMs</h1>
      {!session ? (
        <p class="loading" role="status">
          Loading your session…
        </p>
      ) : !signedIn ? (
        <SignedOut session={session} error={props.query.get('sign_in_error')} />
      ) : (
        <>
          <p class="lead">
            Your VMs at every site where your VOs ({session.user!.vos.map((v) => v.vo).join(', ') || 'none'})
            have a project.
          </p>
          {message && <Notice kind="info">{message}</Notice>}
          <div class="actions">
            <button type="button" onClick={reload}>
              Refresh
            </button>
          </div>
          <Show loaded={list} what="your VMs" retry={reload}>
            {(answer) => (answer ? <Servers answer={answer} reload={reload} say={setMessage} /> : null)}
          </Show>
          <Launch
            session={session}
            onLaunched={(m) => {
              setMessage(m);
              reload();
            }}
          />
        </>
      )}
    </>
  );
}
