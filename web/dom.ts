// Small DOM helpers. Everything the page shows from the server or a file goes in as text nodes
// (textContent), never as HTML, so no data can inject markup or script.

type Child = Node | string | null | undefined | false;

export interface ElementOptions {
  readonly className?: string;
  /** Attributes set with setAttribute (values are never parsed as HTML). */
  readonly attrs?: Readonly<Record<string, string>>;
  readonly onClick?: () => void;
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, options: ElementOptions | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (options?.className) element.className = options.className;
  for (const [name, value] of Object.entries(options?.attrs ?? {})) element.setAttribute(name, value);
  if (options?.onClick) element.addEventListener('click', options.onClick);
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return element;
}

/** The element with this id, of the expected type; a missing one is a bug in index.html. */
export function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`index.html lacks #${id} (${type.name})`);
  return element;
}

/** A link for http(s) URLs only; anything else is shown as plain text (never a javascript: href). */
export function safeLink(url: string): HTMLElement {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed && (parsed.protocol === 'http:' || parsed.protocol === 'https:')) {
    return h('a', { className: 'url', attrs: { href: parsed.href, rel: 'noopener noreferrer', target: '_blank' } }, url);
  }
  return h('span', { className: 'url' }, url);
}

/** Where a control sits in a table body: its row (data-id, position) and its own data-action. */
interface RowPlace {
  readonly tbody: HTMLTableSectionElement;
  readonly id: string | undefined;
  readonly index: number;
  readonly action: string | undefined;
}

function placeOf(element: Element | null): RowPlace | null {
  const row = element?.closest('tr');
  if (!(element instanceof HTMLElement) || !row || !(row.parentElement instanceof HTMLTableSectionElement)) return null;
  return { tbody: row.parentElement, id: row.dataset.id, index: row.sectionRowIndex, action: element.dataset.action };
}

/** The same control in the table as it is now: in the same row, or (that row gone) in the one now at its place. */
function sameControl(place: RowPlace | null): HTMLElement | null {
  if (!place?.action) return null;
  const rows = [...place.tbody.rows];
  const row = rows.find((r) => r.dataset.id === place.id) ?? rows[Math.min(place.index, rows.length - 1)];
  return row?.querySelector<HTMLElement>(`[data-action="${place.action}"]`) ?? null;
}

/** Whether the focus was lost: it falls back to <body> when its element is disabled, hidden or removed. */
function focusLost(): boolean {
  return document.activeElement === null || document.activeElement === document.body;
}

/** Focuses the first candidate that takes the focus (a hidden or removed one does not). */
function focusFirst(...candidates: ReadonlyArray<Element | null | undefined>): void {
  for (const candidate of candidates) {
    if (!(candidate instanceof HTMLElement) || !candidate.isConnected || candidate === document.body) continue;
    candidate.focus();
    if (document.activeElement === candidate) return;
  }
}

/** Puts the focus on the first candidate that takes it, if the focus was lost (never takes it from elsewhere). */
export function focusIfLost(...candidates: ReadonlyArray<Element | null | undefined>): void {
  if (focusLost()) focusFirst(...candidates);
}

/** Replaces a table body's rows; a control focused in the old rows hands the focus to the same one in the new. */
export function replaceRows(tbody: HTMLTableSectionElement, rows: readonly HTMLTableRowElement[]): void {
  const place = placeOf(document.activeElement);
  tbody.replaceChildren(...rows);
  if (place?.tbody === tbody) focusIfLost(sameControl(place));
}

/**
 * Disables the buttons of `container` (or the button itself) while `work` runs, so a slow request cannot be
 * sent twice. Disabling the focused button, or re-rendering its row, drops the focus to <body>; afterwards it
 * goes back to that button, or the same control of its row re-rendered, or the one now at its place, or
 * `fallback` (a section heading, say) - unless the user or `work` put it somewhere meanwhile.
 */
export async function whileBusy<T>(container: HTMLElement, work: () => Promise<T>, fallback?: HTMLElement): Promise<T> {
  const focused = document.activeElement;
  const place = placeOf(focused);
  const area = place?.tbody ?? container;
  const buttons = container instanceof HTMLButtonElement ? [container] : [...container.querySelectorAll('button')];
  for (const button of buttons) button.disabled = true;
  try {
    return await work();
  } finally {
    for (const button of buttons) button.disabled = false;
    // A second click on the disabled button focuses the nearest focusable box around it (a table's scroll
    // region): that is no better a place than <body>.
    const now = document.activeElement;
    if (focusLost() || (now !== focused && now?.contains(area))) focusFirst(focused, sameControl(place), fallback);
  }
}
