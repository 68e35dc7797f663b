// Small shared pieces of the pages: loading data with its error, messages, tables' number format.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from './api.js';

/** The state of a load: pending, its value, or its error. */
export type Loaded<T> =
  { state: 'loading' } | { state: 'ok'; value: T } | { state: 'error'; error: ApiError };

/** Loads with `load` whenever `key` changes; an older answer never overwrites a newer one. */
export function useLoad<T>(load: () => Promise<T>, key: string): [Loaded<T>, () => void] {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let isCurrent = true;
    setLoaded({ state: 'loading' });
    load().then(
      (value) => isCurrent && setLoaded({ state: 'ok', value }),
      (error: unknown) =>
        isCurrent &&
        setLoaded({
          state: 'error',
          error: error instanceof ApiError ? error : new ApiError(String(error), 0, 'PAGE'),
        }),
    );
    return () => {
      isCurrent = false;
    };
  }, [key, round]);
  return [loaded, () => setRound((r) => r + 1)];
}

/** A message box: errors are announced to screen readers at once. */
export function Notice(props: { kind: 'error' | 'warning' | 'info'; children: ComponentChildren }) {
  return (
    <div class={`notice ${props.kind}`} role={props.kind === 'error' ? 'alert' : 'status'}>
      {props.children}
    </div>
  );
}

/** What a failed load says, with a sign-in link when the session is missing or has ended. */
export function LoadError(props: { error: ApiError; what: string; retry?: () => void }) {
  const { error } = props;
  return (
    <Notice kind="error">
      <p>
        <strong>Could not load {props.what}:</strong> {error.message}
      </p>
      {error.needsSignIn ? (
        <p>
          <a href={`/portal/login?return_to=${encodeURIComponent(location.pathname + location.search)}`}>
            Sign in
          </a>{' '}
          to see it.
        </p>
      ) : props.retry ? (
        <p>
          <button type="button" onClick={props.retry}>
            Try again
          </button>
        </p>
      ) : null}
    </Notice>
  );
}

/** Shows `children(value)` once loaded, a status line while loading, the error otherwise. */
export function Show<T>(props: {
  loaded: Loaded<T>;
  what: string;
  retry?: () => void;
  children: (value: T) => ComponentChildren;
}) {
  const l = props.loaded;
  if (l.state === 'loading')
    return (
      <p class="loading" role="status">
        Loading {props.what}…
      </p>
    );
  if (l.state === 'error')
    return <LoadError error={l.error} what={props.what} {...(props.retry ? { retry: props.retry } : {})} />;
  return <>{props.children(l.value)}</>;
}

const numberFormat = new Intl.NumberFormat('en', { maximumFractionDigits: 2 });
/** A number as the tables show it. */
export const fmt = (n: number | null | undefined): string =>
  n === null || n === undefined ? '–' : numberFormat.format(n);

/** A time (ISO 8601, or epoch seconds as the registry gives them) as `YYYY-MM-DD HH:MM UTC`, or `never`. */
export function when(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined || iso === '') return 'never';
  const d = new Date(typeof iso === 'number' ? iso * 1000 : iso);
  return Number.isNaN(d.getTime()) ? String(iso) : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** How long ago, in words. */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const s = Math.max(0, (now - Date.parse(iso)) / 1000);
  if (s < 120) return `${Math.round(s)} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  if (s < 172_800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} days ago`;
}

/** A status word with its colour (text, not colour alone, carries the meaning). */
export function Status(props: { value: string }) {
  const v = props.value.toUpperCase();
  const kind = /^(OK|ACTIVE|UP|MET)$/.test(v)
    ? 'good'
    : /^(WARNING|SOFT|BUILD|SHUTOFF|STALE|PAUSED)$/.test(v)
      ? 'warn'
      : /^(CRITICAL|ERROR|DOWN|FAILED|NOT MET|EXPIRED)$/.test(v)
        ? 'bad'
        : 'neutral';
  return <span class={`status ${kind}`}>{props.value}</span>;
}

/** Sets the document's title. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Fedstack portal`;
  }, [title]);
}

/** A table in a region that scrolls sideways on narrow screens, with its column headers. */
export function Table(props: {
  label: string;
  head: readonly string[];
  caption?: ComponentChildren;
  children: ComponentChildren;
}) {
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label={props.label}>
      <table>
        {props.caption !== undefined && <caption>{props.caption}</caption>}
        <thead>
          <tr>
            {props.head.map((h) => (
              <th scope="col" key={h}>
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}
