// Images: per VO, the entries of its image list in the hub's catalogue and the sites where
// discovery reports each one, with its marketplace link.
import { getJson, type CatalogueImage } from '../api.js';
import type { PageProps } from '../page.js';
import { navigate } from '../router.js';
import { Notice, Show, useLoad, useTitle, Table } from '../ui.js';

export default function ImagesPage(props: PageProps) {
  useTitle('Images');
  const vo = props.query.get('vo') ?? '';
  const [vos] = useLoad(() => getJson<string[]>('/v1/vos'), 'vos');
  const [loaded, retry] = useLoad(
    () => getJson<CatalogueImage[]>('/v1/images/catalogue', { vo: vo || undefined }),
    vo,
  );
  const byVo = (rows: CatalogueImage[]) => {
    const groups = new Map<string, CatalogueImage[]>();
    for (const r of rows) groups.set(r.vo, [...(groups.get(r.vo) ?? []), r]);
    return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
  };
  return (
    <>
      <h1>Images</h1>
      <p class="lead">
        The images each VO asks its sites to offer (its image list), and where each one is available.
      </p>
      <form class="filters" aria-label="Filter" onSubmit={(e) => e.preventDefault()}>
        <label>
          VO{' '}
          <select
            value={vo}
            onChange={(e) =>
              navigate(
                `/portal/images${e.currentTarget.value ? `?vo=${encodeURIComponent(e.currentTarget.value)}` : ''}`,
              )
            }
          >
            <option value="">all</option>
            {(vos.state === 'ok' ? vos.value : vo ? [vo] : []).map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
        </label>
      </form>
      <Show loaded={loaded} what="the image catalogue" retry={retry}>
        {(rows) =>
          rows.length === 0 ? (
            <Notice kind="info">
              {vo ? `VO ${vo} has no image list entries.` : 'No VO has image list entries yet.'}
            </Notice>
          ) : (
            byVo(rows).map(([name, images]) => (
              <section key={name} aria-labelledby={`vo-${name}`}>
                <h2 id={`vo-${name}`}>{name}</h2>
                <Table label={`Images of ${name}`} head={['Image', 'Version', 'Available at', 'Marketplace']}>
                  {images.map((i) => (
                    <tr key={i.id}>
                      <th scope="row">{i.title ?? i.id}</th>
                      <td>{i.version ?? '–'}</td>
                      <td>
                        {i.sites.length === 0 ? (
                          <span class="sub">no site yet</span>
                        ) : (
                          <ul class="plain">
                            {i.sites.map((s) => (
                              <li key={s.site + s.image_id}>
                                <a href={`/portal/sites/${encodeURIComponent(s.site)}`}>{s.site}</a>
                              </li>
                            ))}
                          </ul>
                        )}
                      </td>
                      <td>{i.mpuri ? <a href={i.mpuri}>{i.mpuri}</a> : '–'}</td>
                    </tr>
                  ))}
                </Table>
              </section>
            ))
          )
        }
      </Show>
    </>
  );
}
