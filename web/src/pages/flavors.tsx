// Flavors and the GPU finder: every flavor of every site that fits the VO, CPU, RAM and GPU asked
// for (filters in the URL), with where it is.
import { getJson, type Flavor } from '../api.js';
import type { PageProps } from '../page.js';
import { navigate } from '../router.js';
import { Notice, Show, fmt, useLoad, useTitle, Table } from '../ui.js';

const KEYS = ['vo', 'site', 'min_cpu', 'min_ram_gb', 'gpu_model', 'min_gpus'] as const;

/** The filters of the URL, and the ones that are not numbers where numbers are expected. */
function filtersOf(query: URLSearchParams) {
  const f = Object.fromEntries(KEYS.map((k) => [k, query.get(k)?.trim() ?? ''])) as Record<
    (typeof KEYS)[number],
    string
  >;
  const problems = (['min_cpu', 'min_ram_gb', 'min_gpus'] as const)
    .filter((k) => f[k] !== '' && !(Number(f[k]) >= 0))
    .map((k) => `${k}=${JSON.stringify(f[k])} is not a number; ignored`);
  for (const p of problems) f[p.split('=')[0] as (typeof KEYS)[number]] = '';
  return { f, problems };
}

export default function FlavorsPage(props: PageProps) {
  useTitle('Flavors and GPUs');
  const { f, problems } = filtersOf(props.query);
  const [vos] = useLoad(() => getJson<string[]>('/v1/vos'), 'vos');
  const params = {
    vo: f.vo || undefined,
    site: f.site || undefined,
    min_cpu: f.min_cpu || undefined,
    min_ram: f.min_ram_gb ? Math.round(Number(f.min_ram_gb) * 1024) : undefined,
    min_gpus: f.min_gpus || undefined,
  };
  const [loaded, retry] = useLoad(() => getJson<Flavor[]>('/v1/flavors', params), JSON.stringify(params));
  const onSubmit = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const q = new URLSearchParams();
    for (const k of KEYS) {
      const v = String(form.get(k) ?? '').trim();
      if (v) q.set(k, v);
    }
    navigate(`/portal/flavors${q.size ? `?${q.toString()}` : ''}`);
  };
  const model = f.gpu_model.toLowerCase();
  return (
    <>
      <h1>Flavors and GPUs</h1>
      <p class="lead">Find where a VM of your size fits: filter by VO, CPU, RAM and GPU.</p>
      {problems.length > 0 && (
        <Notice kind="warning">
          <ul>
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </Notice>
      )}
      <form class="filters" onSubmit={onSubmit} aria-label="Filters">
        <label>
          VO{' '}
          <select name="vo" value={f.vo}>
            <option value="">all</option>
            {(vos.state === 'ok' ? vos.value : []).map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
        </label>
        <label>
          Site <input name="site" value={f.site} placeholder="all" size={16} />
        </label>
        <label>
          Min vCPU <input name="min_cpu" type="number" min="0" value={f.min_cpu} size={4} />
        </label>
        <label>
          Min RAM (GiB){' '}
          <input name="min_ram_gb" type="number" min="0" step="0.5" value={f.min_ram_gb} size={4} />
        </label>
        <label>
          GPU model <input name="gpu_model" value={f.gpu_model} placeholder="any" size={12} />
        </label>
        <label>
          Min GPUs <input name="min_gpus" type="number" min="0" value={f.min_gpus} size={3} />
        </label>
        <button type="submit">Find</button>
      </form>
      <Show loaded={loaded} what="the flavors" retry={retry}>
        {(all) => {
          const rows = model
            ? all.filter((x) =>
                `${x.accelerator?.vendor ?? ''} ${x.accelerator?.model ?? ''}`.toLowerCase().includes(model),
              )
            : all;
          if (rows.length === 0) return <Notice kind="info">No flavor fits these filters.</Notice>;
          return (
            <Table
              label="Flavors"
              head={['Flavor', 'Site', 'vCPU', 'RAM (GiB)', 'Disk (GB)', 'GPU', 'VOs']}
              caption={
                <>
                  {rows.length} flavors at {new Set(rows.map((r) => r.site)).size} sites
                </>
              }
            >
              {rows.map((x) => (
                <tr key={x.site + x.id}>
                  <th scope="row">{x.name}</th>
                  <td>
                    <a href={`/portal/sites/${encodeURIComponent(x.site)}`}>{x.site}</a>
                  </td>
                  <td class="num">{x.cpu}</td>
                  <td class="num">{fmt(x.ram_mb / 1024)}</td>
                  <td class="num">{x.disk_gb}</td>
                  <td>
                    {x.accelerator
                      ? `${x.accelerator.number} × ${[x.accelerator.vendor, x.accelerator.model].filter(Boolean).join(' ') || x.accelerator.type}`
                      : '–'}
                  </td>
                  <td>{x.vos.join(', ')}</td>
                </tr>
              ))}
            </Table>
          );
        }}
      </Show>
    </>
  );
}
