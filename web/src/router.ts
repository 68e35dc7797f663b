// The portal's routing in the browser: pages are paths under /portal (the hub answers each with
// the same index.html), moved between with the History API; a page's filters live in its query.
import { useEffect, useState } from 'preact/hooks';

/** The paths of the pages (the hub answers each with index.html). */
const PAGE = /^\/(portal(\/(accounting|sites(\/[^/]+)?|images|flavors|vms))?)?$/;

const listeners = new Set<() => void>();
const notify = () => listeners.forEach((l) => l());
window.addEventListener('popstate', notify);

/** Goes to `href` (same origin) without reloading; `replace` keeps the history entry. */
export function navigate(href: string, replace = false): void {
  if (href === location.pathname + location.search) return;
  history[replace ? 'replaceState' : 'pushState'](null, '', href);
  notify();
}

/** The current path and query; the component renders again when they change. */
export function useLocation(): { path: string; query: URLSearchParams } {
  const [, setTick] = useState(0);
  useEffect(() => {
    const l = () => setTick((t) => t + 1);
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
  return { path: location.pathname.replace(/\/+$/, '') || '/', query: new URLSearchParams(location.search) };
}

/** A click on a same-origin link moves within the portal (new tabs and modified clicks as usual). */
export function onLinkClick(event: MouseEvent): void {
  if (
    event.defaultPrevented ||
    event.button !== 0 ||
    event.metaKey ||
    event.ctrlKey ||
    event.shiftKey ||
    event.altKey
  )
    return;
  const a = (event.target as Element | null)?.closest('a');
  if (!a || a.target || a.hasAttribute('download') || a.origin !== location.origin) return;
  if (!PAGE.test(a.pathname)) return; // sign-in, sign-out and the API are the hub's
  if (a.hash && a.pathname === location.pathname) return; // a link within the page (the skip link)
  event.preventDefault();
  navigate(a.pathname + a.search);
}
