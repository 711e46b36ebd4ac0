// A strict, minimal XML 1.0 reader for tests (no XML library is a dependency): checks well-formedness
// (one root, matching tags, quoted and unique attributes, valid entity references, nothing but comments
// and white space outside the root) and returns the element tree. No DTDs, CDATA or processing
// instructions other than the XML declaration; the documents under test have none.

export interface XmlNode {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly XmlNode[];
  /** The element's character data, entities decoded (white space kept). */
  readonly text: string;
}

const NAME = /^[A-Za-z_:][A-Za-z0-9_.:-]*/;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export class XmlSyntaxError extends Error {}

function decode(raw: string, at: number): string {
  return raw.replace(/&([^;]*);?/g, (match, body: string) => {
    if (!match.endsWith(';')) throw new XmlSyntaxError(`unterminated entity reference near offset ${at}`);
    if (body in ENTITIES) return ENTITIES[body] ?? '';
    const code = /^#x([0-9a-fA-F]+)$/.exec(body)?.[1] ?? /^#([0-9]+)$/.exec(body)?.[1];
    if (code === undefined) throw new XmlSyntaxError(`unknown entity &${body}; near offset ${at}`);
    return String.fromCodePoint(body.startsWith('#x') ? Number.parseInt(code, 16) : Number(code));
  });
}

export function parseXml(source: string): XmlNode {
  let pos = 0;
  const fail = (message: string): never => {
    throw new XmlSyntaxError(`${message} at offset ${pos}: ${JSON.stringify(source.slice(pos, pos + 40))}`);
  };
  const skipMisc = () => {
    for (;;) {
      const ws = /^\s*/.exec(source.slice(pos))?.[0] ?? '';
      pos += ws.length;
      if (!source.startsWith('<!--', pos)) return;
      const end = source.indexOf('-->', pos + 4);
      if (end < 0) fail('unterminated comment');
      pos = end + 3;
    }
  };
  const readName = (): string => {
    const name = NAME.exec(source.slice(pos))?.[0];
    if (!name) return fail('expected a name');
    pos += name.length;
    return name;
  };

  const readElement = (): XmlNode => {
    if (source[pos] !== '<') fail('expected <');
    pos += 1;
    const name = readName();
    const attributes: Record<string, string> = {};
    for (;;) {
      const ws = /^\s*/.exec(source.slice(pos))?.[0] ?? '';
      pos += ws.length;
      if (source.startsWith('/>', pos)) {
        pos += 2;
        return { name, attributes, children: [], text: '' };
      }
      if (source[pos] === '>') {
        pos += 1;
        break;
      }
      if (ws.length === 0) fail('expected white space before an attribute');
      const attribute = readName();
      if (Object.hasOwn(attributes, attribute)) fail(`duplicate attribute ${attribute}`);
      if (source[pos] !== '=') fail('expected =');
      pos += 1;
      const quote = source[pos];
      if (quote !== '"' && quote !== "'") return fail('expected a quoted attribute value');
      const end = source.indexOf(quote, pos + 1);
      if (end < 0) fail('unterminated attribute value');
      const raw = source.slice(pos + 1, end);
      if (raw.includes('<')) fail('< in an attribute value');
      attributes[attribute] = decode(raw, pos);
      pos = end + 1;
    }
    const children: XmlNode[] = [];
    let text = '';
    for (;;) {
      if (pos >= source.length) fail(`unclosed element <${name}>`);
      if (source.startsWith('</', pos)) {
        pos += 2;
        const closing = readName();
        if (closing !== name) fail(`</${closing}> closes <${name}>`);
        pos += (/^\s*/.exec(source.slice(pos))?.[0] ?? '').length;
        if (source[pos] !== '>') fail('expected >');
        pos += 1;
        return { name, attributes, children, text };
      }
      if (source.startsWith('<!--', pos)) {
        const end = source.indexOf('-->', pos + 4);
        if (end < 0) fail('unterminated comment');
        pos = end + 3;
      } else if (source[pos] === '<') {
        children.push(readElement());
      } else {
        const end = source.indexOf('<', pos);
        const raw = source.slice(pos, end < 0 ? source.length : end);
        text += decode(raw, pos);
        pos += raw.length;
      }
    }
  };

  if (source.startsWith('<?xml')) {
    const end = source.indexOf('?>');
    if (end < 0) fail('unterminated XML declaration');
    pos = end + 2;
  }
  skipMisc();
  const root = readElement();
  skipMisc();
  if (pos !== source.length) fail('content after the root element');
  return root;
}

/** Every descendant element (depth first) with this name. */
export function descendants(node: XmlNode, name: string): XmlNode[] {
  return node.children.flatMap((child) => [...(child.name === name ? [child] : []), ...descendants(child, name)]);
}

/** The one child element with this name and, if given, this Name attribute; throws when absent. */
export function child(node: XmlNode, name: string, nameAttribute?: string): XmlNode {
  const found = node.children.find((c) => c.name === name && (nameAttribute === undefined || c.attributes.Name === nameAttribute));
  if (!found) throw new Error(`<${node.name}> has no <${name}${nameAttribute ? ` Name="${nameAttribute}"` : ''}>`);
  return found;
}
