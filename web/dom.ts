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

/** Disables the form's buttons while `work` runs, so a slow request cannot be sent twice. */
export async function whileBusy<T>(form: HTMLElement, work: () => Promise<T>): Promise<T> {
  const buttons = [...form.querySelectorAll('button')];
  for (const button of buttons) button.disabled = true;
  try {
    return await work();
  } finally {
    for (const button of buttons) button.disabled = false;
  }
}
